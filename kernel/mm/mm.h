// Memory management: physical frames (struct page), address conversion,
// page tables. Names follow Linux where the concept is Linux's.
#include "../memlayout.h"

// One per physical frame of RAM, in the mem_map array.
//
// A block of 2^order frames from alloc_pages (order > 0) is a compound
// page (Linux's compound pages, later folios): its first page, the head
// (PageHead), stands for all of it. The head holds the refcount and the
// pincount of the whole block, and compound_mapcount, the huge PMDs that
// map it whole; each tail page points to the head. get_page, put_page,
// page_count and the pin count on any page of it act on the head, so code
// written for single frames keeps working on a page of a huge page that
// PTEs map. _mapcount stays per frame (the PTEs that map that frame).
struct page {
  uint flags;          // PG_* bits, changed atomically
  int _refcount;       // references: page tables, kernel users; 0 = free (a compound page: the head's)
  int _mapcount;       // number of PTEs mapping the frame (atomic)
  int pincount;        // FOLL_PIN pins (atomic; a compound page: the head's)
  struct page *next;   // free list link while free (zone.lock); page-cache hash link
  struct page *prev;   // free list back link while free (zone.lock)
  uint order;          // a free block's first page: its order (zone.lock); a compound head: its order
  int compound_mapcount;        // a compound head: huge PMDs mapping it (atomic)
  struct page *compound_head;   // a tail page: its head, else 0 (set by alloc_pages, kept till freed)
  struct address_space *mapping;   // page-cache pages: whose they are
  uint64 index;        // ... and which page of it
};

#include "address_space.h"

// Page flags (Linux: include/linux/page-flags.h).
enum pageflags {
  PG_locked,           // being read in or written out
  PG_dirty,            // newer than the disk
  PG_writeback,        // being written to the disk
  PG_anon,             // anonymous memory (not the page cache)
  PG_anon_exclusive,   // mapped by exactly one process, which may write it
  PG_buddy,            // the first page of a free block (page_alloc.c)
  PG_head,             // the first page of a compound page
};

// TestPageX/SetPageX/ClearPageX for each flag, as Linux names them.
#define PAGEFLAG(name, bit)                                                  \
  static inline int Page##name(struct page *pg)                              \
  { return (__atomic_load_n(&pg->flags, __ATOMIC_SEQ_CST) >> (bit)) & 1; }   \
  static inline void SetPage##name(struct page *pg)                          \
  { __atomic_fetch_or(&pg->flags, 1u << (bit), __ATOMIC_SEQ_CST); }          \
  static inline void ClearPage##name(struct page *pg)                        \
  { __atomic_fetch_and(&pg->flags, ~(1u << (bit)), __ATOMIC_SEQ_CST); }
PAGEFLAG(Locked, PG_locked)
PAGEFLAG(Dirty, PG_dirty)
PAGEFLAG(Writeback, PG_writeback)
PAGEFLAG(Anon, PG_anon)
PAGEFLAG(AnonExclusive, PG_anon_exclusive)
PAGEFLAG(Buddy, PG_buddy)
PAGEFLAG(Head, PG_head)

extern struct page *mem_map;   // indexed by pfn - min_pfn
extern uint64 min_pfn, max_pfn;

static inline void *__va(uint64 pa) { return (void *)(pa + PAGE_OFFSET); }
uint64 __pa(const void *va);

static inline struct page *pfn_to_page(uint64 pfn) { return &mem_map[pfn - min_pfn]; }
static inline uint64 page_to_pfn(struct page *pg) { return (pg - mem_map) + min_pfn; }
static inline uint64 page_to_phys(struct page *pg) { return page_to_pfn(pg) << PGSHIFT; }
static inline void *page_address(struct page *pg) { return __va(page_to_phys(pg)); }
static inline struct page *virt_to_page(const void *va) { return pfn_to_page(__pa(va) >> PGSHIFT); }
static inline int pfn_valid(uint64 pfn) { return pfn >= min_pfn && pfn < max_pfn; }

static inline struct page *compound_head(struct page *pg) { return pg->compound_head ? pg->compound_head : pg; }
static inline int PageCompound(struct page *pg) { return pg->compound_head || PageHead(pg); }
static inline int compound_order(struct page *head) { return PageHead(head) ? head->order : 0; }
static inline int compound_mapcount(struct page *head)
{ return __atomic_load_n(&head->compound_mapcount, __ATOMIC_SEQ_CST); }
static inline int page_count(struct page *pg)
{ return __atomic_load_n(&compound_head(pg)->_refcount, __ATOMIC_SEQ_CST); }
static inline void get_page(struct page *pg)
{ __atomic_add_fetch(&compound_head(pg)->_refcount, 1, __ATOMIC_SEQ_CST); }
static inline int *page_pincount(struct page *pg) { return &compound_head(pg)->pincount; }
// The mappings of this frame: its PTEs, and the huge PMDs that map the
// whole compound page it belongs to (Linux's page_mapcount).
static inline int page_mapcount(struct page *pg)
{
  int n = __atomic_load_n(&pg->_mapcount, __ATOMIC_SEQ_CST);
  return PageCompound(pg) ? n + compound_mapcount(compound_head(pg)) : n;
}
static inline struct page *pte_page(pte_t pte) { return pfn_to_page(PTE2PA(pte) >> PGSHIFT); }

// The shared zero page: what a read of untouched anonymous memory maps.
extern struct page *zero_page;
void zero_page_init(void);

// mm/rmap.c: who maps a page
struct vm_area_struct;
struct mm_struct;
void rmap_init(void);
// One more PTE maps pg, or one fewer (anonymous or page cache alike: the
// mapcount). Inline, as Linux's page_dup_rmap: fork and exit call them
// for every page, and under QEMU a call costs more than the count.
void mapcount_underflow(struct page *pg);
static inline void page_add_rmap(struct page *pg)
{ __atomic_add_fetch(&pg->_mapcount, 1, __ATOMIC_SEQ_CST); }
static inline void page_remove_rmap(struct page *pg)
{
  if(__atomic_sub_fetch(&pg->_mapcount, 1, __ATOMIC_SEQ_CST) < 0)
    mapcount_underflow(pg);
}
void page_add_compound_rmap(struct page *head);
void page_remove_compound_rmap(struct page *head);
void vma_link_mapping(struct vm_area_struct *vma);
void vma_link_mapping_locked(struct vm_area_struct *vma);
void i_mmap_lock(void);
void i_mmap_unlock(void);
void vma_unlink_mapping(struct vm_area_struct *vma);
int page_mkclean(struct page *pg);
void unmap_mapping_pages(struct address_space *mapping, uint64 start, uint64 end);

// mm/vmstat.c: event counters, shown by the vmstat program
enum vm_event_item {
  COW_FAULT,           // write faults on COW PTEs
  COW_COPY,            // ... resolved by copying the page
  COW_REUSE,           // ... resolved by reusing it in place
  UNSHARE_FAULT,       // read-only pins that needed an exclusive page
  ZERO_PAGE_MAP,       // read faults answered with the shared zero page
  PGCACHE_HIT,         // faults that found their page in the page cache
  PGCACHE_MISS,        // ... that had to read it (or create it)
  PGWRITEBACK,         // dirty pages written back to the disk
  TLB_SHOOTDOWN,       // flushes sent to other harts
  GUP_FAST_PAGES,      // pages taken by GUP-fast without mmap_lock
  GUP_SLOW_PAGES,      // ... by the slow path
  GUP_FAST_FALLBACK,   // GUP-fast calls that fell back to the slow path
  GUP_WRITEBACK_WAIT,  // GUP for writing waited for a page's writeback (stable pages)
  NR_FOLL_PIN_ACQUIRED,  // pins taken
  NR_FOLL_PIN_RELEASED,  // pins dropped
  THP_FAULT_ALLOC,     // faults answered with a new huge page
  THP_FAULT_FALLBACK,  // ... that wanted one, found no 2 MiB block, and used small pages
  THP_SPLIT_PMD,       // huge PMDs split into 512 PTEs
  THP_ZERO_PAGE_ALLOC, // huge zero pages allocated
  NR_VM_EVENTS
};
void count_vm_event(enum vm_event_item item);
uint64 vm_event(enum vm_event_item item);
extern const char *vm_event_names[NR_VM_EVENTS];
int vmstat_copyout(uint64 uaddr, int max);

// mm/task_mmu.c: a process's memory seen from outside (vmmap)
int task_vmas(int pid, uint64 uout, int max);
int task_pageinfo(int pid, uint64 va, int npages, uint64 uout);
int task_clear_refs(int pid, int mode);
struct mm_struct *get_task_mm(int pid);
int task_memwrite(int pid, uint64 va, uint64 ubuf, int n);
int task_pagemap(int pid, uint64 va, int npages, uint64 uout);

// mm/page_alloc.c: the buddy allocator
#define MAX_ORDER 11                 // free blocks of 2^0 .. 2^10 frames (Linux's value)
struct page *alloc_pages(int order, int zero);   // 2^order aligned frames (compound), or 0
struct page *alloc_page(void);       // a zeroed frame with refcount 1, or 0
struct page *__alloc_page(int zero); // the same, cleared only if zero
void __put_page(struct page *head, int r);   // the count went to r <= 0
// Drop a reference to pg, or to the compound page it is part of; the last
// one frees it. Inline, as in Linux: exit drops one for every page.
static inline void put_page(struct page *pg)
{
  struct page *head = compound_head(pg);
  int r = __atomic_sub_fetch(&head->_refcount, 1, __ATOMIC_SEQ_CST);
  if(r <= 0)
    __put_page(head, r);
}
void *kalloc(void);                  // page_address(alloc_page()), or 0
void kfree(void *va);                // put_page(virt_to_page(va))
uint64 nr_free_pages(void);
uint64 buddy_info(uint64 nr_blocks[MAX_ORDER]);   // free frames; free blocks per order
void free_boot_memory(struct fdt_machine *m, uint64 dtb_pa, uint64 boot_lo, uint64 boot_hi);

// mm/memory.c: address spaces (struct mm_struct is in mm_types.h)
struct mm_struct *mm_alloc(void);     // an empty address space, or 0
void mmput(struct mm_struct *mm);     // drop a user; the last frees it
void mmgrab(struct mm_struct *mm);    // keep the struct (not the memory) alive
void mmdrop(struct mm_struct *mm);    // drop that; the last frees the struct
void switch_mm(struct mm_struct *next);

// mm/init.c: the kernel's own address space
extern pagetable_t kernel_pagetable;
void kvminit(struct fdt_machine *m, uint64 dtb_pa);
void kvminithart(void);
uint64 kernel_satp(void);
void *ioremap(uint64 pa, uint64 size);

// mm/memory.c: page tables, user memory and page faults
pte_t *walk(pagetable_t, uint64, int);
pte_t *walk_pmd(pagetable_t, uint64, int);   // mm/init.c: the level-1 entry
uint64 walkaddr(pagetable_t, uint64);
int mappages(pagetable_t, uint64, uint64, uint64, int);
pagetable_t uvmcreate(void);
int populate_range(struct vm_area_struct *vma, uint64 start, uint64 end);
void zap_page_range(struct vm_area_struct *vma, uint64 start, uint64 end);
void unmap_vmas(struct mm_struct *mm);
void change_protection(struct vm_area_struct *vma, uint64 start, uint64 end, int cp_flags);
#define MM_CP_UFFD_WP         0x1   // change_protection: write-protect for userfaultfd
#define MM_CP_UFFD_WP_RESOLVE 0x2   // ... un-protect
typedef void (*pte_fn_t)(struct vm_area_struct *, uint64, pte_t *, void *);
void walk_range(struct vm_area_struct *vma, uint64 start, uint64 end, pte_fn_t fn, void *arg);
void walk_page_range(struct vm_area_struct *vma, uint64 start, uint64 end, pte_fn_t fn,
                     pte_fn_t pmd_fn, void *arg);
pte_t make_pte(struct page *pg, struct vm_area_struct *vma, int write);
struct mmu_gather;
void tlb_remove_page_size(struct mmu_gather *tlb, uint64 va, struct page *pg, uint64 size);
int copy_page_range(struct vm_area_struct *dst, struct vm_area_struct *src);
void free_pgtables(struct mm_struct *mm);
int copyout(pagetable_t, uint64, char *, uint64);
int copyin(pagetable_t, char *, uint64, uint64);
uint64 copyin_partial(pagetable_t, char *, uint64, uint64);
int copyinstr(pagetable_t, char *, uint64, uint64);
int handle_mm_fault(struct mm_struct *mm, uint64 va, uint64 scause);
#define FAULT_FLAG_WRITE   0x1
#define FAULT_FLAG_UNSHARE 0x2   // a read-only pin needs an exclusive page
#define FAULT_FLAG_ALLOW_RETRY 0x4   // the fault may drop mmap_lock to wait (userfaultfd)
#define FAULT_FLAG_USER    0x8   // taken in user mode
#define VM_FAULT_RETRY     1     // mmap_lock was dropped: take it again, look up the region anew
int __handle_mm_fault(struct vm_area_struct *vma, uint64 va, int flags);
struct page *alloc_anon_page(int zero);
int mfill_atomic_install_pte(struct vm_area_struct *vma, uint64 va, struct page *pg, int wp);

// mm/huge_memory.c: transparent huge pages, mapped by a level-1 leaf
// (a megapage; Linux's name: a huge PMD)
#define HPAGE_PMD_ORDER 9
#define HPAGE_PMD_NR    (1 << HPAGE_PMD_ORDER)
#define HPAGE_PMD_SIZE  (1UL << PXSHIFT(1))   // 2 MiB
#define HPAGE_PMD_MASK  (~(HPAGE_PMD_SIZE - 1))
#define THP_NEVER   0   // knob transparent_hugepage
#define THP_MADVISE 1
#define THP_ALWAYS  2
#define FAULT_FALLBACK 1   // huge_pmd_fault, copy_huge_pmd: no huge PMD here, do it 4 KiB at a time
static inline int pmd_trans_huge(pte_t pmd) { return (pmd & PTE_V) && (pmd & (PTE_R | PTE_W | PTE_X)); }
pte_t *walk_leaf(pagetable_t pgd, uint64 va, int *huge);
void huge_memory_init(void);
int is_huge_zero_page(struct page *pg);
int huge_pmd_fault(struct vm_area_struct *vma, uint64 va, int flags, pte_t **ptep);
int walk_huge_pmd(struct vm_area_struct *vma, uint64 start, uint64 end, pte_fn_t fn, void *arg);
void split_huge_pmd_address(struct vm_area_struct *vma, uint64 addr);
int copy_huge_pmd(struct vm_area_struct *dst, struct vm_area_struct *src, uint64 va,
                  int (*must_copy)(struct mm_struct *, struct page *));
void zap_huge_pmd(struct vm_area_struct *vma, uint64 va, pte_t *pmd, void *tlb);
void touch_pmd(pte_t *pmd, int flags);

// mm/mmap.c: regions
void vma_init(void);
struct vm_area_struct *find_vma(struct mm_struct *mm, uint64 addr);
int mmap_region(struct mm_struct *mm, struct file *f, uint64 addr, uint64 len,
                uint vm_flags, uint64 pgoff, const char *name);
int do_munmap(struct mm_struct *mm, uint64 start, uint64 len);
int dup_mmap(struct mm_struct *dst, struct mm_struct *src);
void exit_mmap(struct mm_struct *mm);
int64 do_brk(struct mm_struct *mm, int64 incr, int populate);
int vma_writeback(struct vm_area_struct *vma, uint64 start, uint64 end);
int split_range(struct mm_struct *mm, uint64 start, uint64 end);

// mm/filemap.c: the page cache
void filemap_init(void);
struct page *find_get_page(struct address_space *mapping, uint64 index);
struct page *filemap_fault(struct vm_area_struct *vma, uint64 index, int *err);
void filemap_drop(struct address_space *mapping, uint64 from, uint64 to);
int filemap_read(struct inode *ip, char *dst, uint off, uint n);
void filemap_update(struct inode *ip, char *src, uint off, uint n);
void shmem_put(struct address_space *mapping);
void set_page_dirty(struct page *pg);
struct address_space *shmem_alloc(void);

// mm/gup.c: get_user_pages and pin_user_pages. FOLL_WRITE and
// FOLL_LONGTERM are also the pin_user_pages system call's flags
// (user/user.h has the same values).
#define FOLL_WRITE    0x01     // the caller will write the pages
#define FOLL_GET      0x04     // take a plain reference
#define FOLL_FORCE    0x10     // ptrace-style: past the region's protection
#define FOLL_LONGTERM 0x100    // held indefinitely (a device), not for one I/O
#define FOLL_PIN      0x40000  // a pin: counted in page->pincount
#define FOLL_COW      0x4000   // GUP-internal (4.9-5.19): the COW fault was done
#define FOLL_UNLOCKABLE 0x200000 // GUP-internal: a fault may drop mmap_lock (the caller took it)
int get_user_pages_fast(uint64 start, int npages, int flags, struct page **pages);
int pin_user_pages_fast(uint64 start, int npages, int flags, struct page **pages);
int __get_user_pages(struct mm_struct *mm, uint64 start, int npages, int flags, struct page **pages);
int faultin_page_range(struct mm_struct *mm, uint64 start, uint64 end, int write);
void release_pages(struct page **pages, int n, int flags);
void unpin_user_page(struct page *pg);
int page_maybe_dma_pinned(struct page *pg);
int access_remote_vm(struct mm_struct *mm, uint64 va, char *buf, int n, int write);

// mm/userfaultfd.c: page faults handled by a user-space monitor
struct userfaultfd_ctx;
int handle_userfault(struct vm_area_struct *vma, uint64 va, pte_t *pte, int flags, int *err);
void dup_userfaultfd(struct vm_area_struct *vma);
void userfaultfd_release(struct userfaultfd_ctx *ctx);
int userfaultfd_read(struct userfaultfd_ctx *ctx, uint64 addr, int n);
int userfaultfd_ioctl(struct userfaultfd_ctx *ctx, uint cmd, uint64 arg);

// mm/page-writeback.c
void wait_on_page_writeback(struct page *pg);
int write_one_page(struct page *pg);
int filemap_write_range(struct address_space *mapping, uint64 start, uint64 end);
void flusher_start(void);
void sync_all(void);

// mm/tlbflush.c
void flush_tlb_range(struct mm_struct *mm, uint64 start, uint64 end);
