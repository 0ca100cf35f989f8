// Records of the vmas and pageinfo system calls, shared by the kernel and
// user programs (user/vmmap.c): what a process's memory looks like, page
// by page.

struct vma_info {
  uint64 start, end;    // [start, end), page aligned
  int prot;             // PROT_READ | PROT_WRITE | PROT_EXEC
  int flags;            // MAP_PRIVATE or MAP_SHARED, MAP_ANONYMOUS
  uint64 pgoff;         // a file region: its first page's index in the file
  char name[16];        // "[heap]", "[stack]", "inode 12", "[anon]", "[shmem]"
};

struct page_info {
  uint64 va;
  uint64 pte;           // the raw PTE (0 if none): V R W X U G A D, bit 8 COW;
                        // G is the uffd-wp bit (PTE_UFFD_WP)
  uint64 pfn;           // physical frame number, if present
  int refcount;         // page_count()
  int mapcount;         // page_mapcount(): PTEs mapping the frame
  int pincount;         // FOLL_PIN pins
  uint flags;           // PI_* (1<<PG_xxx)
  int zero;             // is the shared zero page
  int cache;            // in the page cache: 1 of a file, 2 of shared anonymous memory
  int huge;             // mapped by a huge PMD (pte is the PMD; flags are the huge page's)
};

// page_info.flags
#define PI_LOCKED         (1u << 0)
#define PI_DIRTY          (1u << 1)   // newer than the disk
#define PI_WRITEBACK      (1u << 2)   // being written to the disk
#define PI_ANON           (1u << 3)
#define PI_ANON_EXCLUSIVE (1u << 4)   // PageAnonExclusive

#define PAGEINFO_MAX 64   // pages per pageinfo call
#define PAGEMAP_MAX 512   // entries per pagemap call
#define CLEAR_REFS_SOFT_DIRTY 4   // clear_refs mode: clear soft-dirty

// pagemap entries (Linux's /proc/PID/pagemap layout)
#define PM_PFN(e)        ((e) & ((1UL << 55) - 1))
#define PM_SOFT_DIRTY    (1UL << 55)   // written since clear_refs (or a new mapping)
#define PM_MMAP_EXCLUSIVE (1UL << 56)  // mapped by one PTE only
#define PM_UFFD_WP       (1UL << 57)   // write-protected by userfaultfd (the PTE's uffd-wp bit)
#define PM_FILE          (1UL << 61)   // a file page or shared anonymous memory (page cache)
#define PM_PRESENT       (1UL << 63)
