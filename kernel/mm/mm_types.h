// Address spaces and their regions (Linux: include/linux/mm_types.h).
// proc.h includes it (after spinlock.h).
#ifndef MM_TYPES_H
#define MM_TYPES_H
#include "../sleeplock.h"

// vm_flags: the PROT_ bits, what mprotect may grant later, advice, and
// userfaultfd's modes.
// The values are Linux's.
#define VM_READ      0x0001
#define VM_WRITE     0x0002
#define VM_EXEC      0x0004
#define VM_SHARED    0x0008
#define VM_MAYREAD   0x0010
#define VM_MAYWRITE  0x0020
#define VM_MAYEXEC   0x0040
#define VM_UFFD_MISSING 0x0200 // userfaultfd: a fault on a missing page goes to the monitor
#define VM_UFFD_WP   0x1000    // userfaultfd: a write to a uffd-wp PTE goes to the monitor
#define VM_DONTCOPY  0x20000   // MADV_DONTFORK: fork leaves it out
#define VM_WIPEONFORK 0x2000000 // MADV_WIPEONFORK: a fork child gets it empty (zeros)
#define VM_SOFTDIRTY 0x8000000 // new since the last clear_refs: all soft-dirty
#define VM_HUGEPAGE  0x20000000 // MADV_HUGEPAGE: huge pages here (transparent_hugepage 1)
#define VM_NOHUGEPAGE 0x40000000 // MADV_NOHUGEPAGE: no huge pages here
#define VM_PROT_MASK (VM_READ | VM_WRITE | VM_EXEC)

// A private region that may be written: a write fault there copies (or
// reuses) the page instead of writing a shared one (Linux: is_cow_mapping).
static inline int
is_cow_mapping(uint vm_flags)
{
  return (vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

// One region of an address space: pages with the same protection and the
// same backing (anonymous memory, a file, a shared anonymous object).
struct vm_area_struct {
  uint64 vm_start, vm_end;          // [start, end), page aligned
  uint vm_flags;
  uint64 vm_pgoff;                  // first page's index in vm_mapping
  struct file *vm_file;             // a reference to the mapped file, or 0
  struct address_space *vm_mapping; // the page cache behind it; 0: private anonymous
  const char *vm_name;              // "[heap]"... for vmmap; 0 for mmap's
  struct mm_struct *vm_mm;
  struct vm_area_struct *vm_next;   // the mm's next region, by address
  struct vm_area_struct *shared_next; // next in vm_mapping->i_mmap
  struct userfaultfd_ctx *vm_userfaultfd_ctx; // registered with it (VM_UFFD_*), or 0;
                                    // set and cleared with mmap_lock held for writing
};

// An address space, shared by the threads of a process.
struct mm_struct {
  pagetable_t pgd;                  // user half private, kernel half shared by all
  struct page *pmd_huge_pte;        // page tables kept for splitting huge PMDs; page_table_lock
  struct vm_area_struct *mmap;      // regions, sorted by address
  int map_count;
  uint64 start_brk, brk;            // the heap [start_brk, brk); brk is xv6's size
  struct rw_semaphore mmap_lock;    // read: faults; write: changes to the regions
  struct spinlock page_table_lock;  // the PTEs and page-table pages
  uint64 cpumask;                   // cpus that may cache its translations
  int mm_users;                     // threads using it; the last mmput frees its memory
  int mm_count;                     // references to the struct (mmgrab); the last mmdrop frees it
  int has_pinned;                   // some page was ever pinned (FOLL_PIN)
  uint write_protect_seq;           // odd while fork write-protects (GUP-fast checks it)
  int tlb_flush_pending;            // write-protects whose TLB flush is not done yet (clear_refs)
  int pinned_vm;                    // pages pinned by pin_user_pages fds (its limit: PIN_MAX)
};

static inline void mmap_read_lock(struct mm_struct *mm) { down_read(&mm->mmap_lock); }
static inline void mmap_read_unlock(struct mm_struct *mm) { up_read(&mm->mmap_lock); }
static inline void mmap_write_lock(struct mm_struct *mm) { down_write(&mm->mmap_lock); }
static inline void mmap_write_unlock(struct mm_struct *mm) { up_write(&mm->mmap_lock); }
#endif
