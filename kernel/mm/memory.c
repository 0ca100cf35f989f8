// User page tables and user memory: mapping, copying between address
// spaces, and page faults (Linux: mm/memory.c).

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../sleeplock.h"
#include "../proc.h"
#include "../defs.h"
#include "mm_types.h"

#define PTE_USER_RWX (PTE_R | PTE_W | PTE_X | PTE_U)

// Physical address that user va maps to, or 0 if it is not mapped for
// user access.
uint64
walkaddr(pagetable_t pagetable, uint64 va)
{
  pte_t *pte;

  if(va >= MAXVA)
    return 0;
  pte = walk(pagetable, va, 0);
  if(pte == 0 || (*pte & PTE_V) == 0 || (*pte & PTE_U) == 0)
    return 0;
  return PTE2PA(*pte);
}

// Map [va, va+size) to physical [pa, ...). Fails with -ENOMEM if a page
// table page cannot be allocated. A/D are set up front: some harts (the
// U74) fault rather than set them in hardware.
int
mappages(pagetable_t pagetable, uint64 va, uint64 size, uint64 pa, int perm)
{
  uint64 a, last;
  pte_t *pte;

  if((va % PGSIZE) != 0 || (size % PGSIZE) != 0 || size == 0)
    panic("mappages: va %p size %ld", (void*)va, size);
  a = va;
  last = va + size - PGSIZE;
  for(;;){
    if((pte = walk(pagetable, a, 1)) == 0)
      return -ENOMEM;
    if(*pte & PTE_V)
      panic("mappages: remap %p", (void*)a);
    *pte = PA2PTE(pa) | perm | PTE_V | PTE_A | ((perm & PTE_W) ? PTE_D : 0);
    if(a == last)
      break;
    a += PGSIZE;
    pa += PGSIZE;
  }
  return 0;
}

// Pages whose PTEs are gone but which other harts may still reach through
// their TLBs: they are freed only after the flush (Linux: mmu_gather). The
// batch starts on the stack and moves to GATHER_ORDER pages of its own
// when they can be had (else one page), so that a big unmap flushes once
// per 4096 pages (16 MiB), not per 32: under QEMU every flush empties the
// whole software TLB.
#define GATHER_ORDER 3
struct mmu_gather {
  struct mm_struct *mm;
  int fullmm;           // the whole mm goes (exit): flush all of it at once
  uint64 start, end;    // range whose translations changed
  int nr, max;          // pages[0..nr) wait for the flush; room for max
  struct page **pages;  // local, or a page of pointers
  struct page *local[32];
};

static void
tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm)
{
  tlb->mm = mm;
  // mmput has dropped the last user: nothing will run on this mm again.
  tlb->fullmm = __atomic_load_n(&mm->mm_users, __ATOMIC_SEQ_CST) == 0;
  tlb->start = tlb->end = 0;
  tlb->nr = 0;
  tlb->max = NELEM(tlb->local);
  tlb->pages = tlb->local;
}

static __hot void
tlb_flush_mmu(struct mmu_gather *tlb)
{
  // A range flushes page by page (cheaper for a few pages, and other
  // translations stay cached); a dying mm keeps no translation worth
  // keeping, and one flush of everything beats many of one page each.
  if(tlb->end > tlb->start)
    flush_tlb_range(tlb->mm, tlb->fullmm ? 0 : tlb->start, tlb->fullmm ? MAXVA : tlb->end);
  for(int i = 0; i < tlb->nr; i++)
    put_page(tlb->pages[i]);
  tlb->nr = 0;
  tlb->start = tlb->end = 0;
}

static void
tlb_finish_mmu(struct mmu_gather *tlb)
{
  tlb_flush_mmu(tlb);
  if(tlb->pages != tlb->local)
    put_page(virt_to_page(tlb->pages));
}

// The batch is full: the first time, move it to pages of its own; after
// that (or without a page), flush and free what it holds.
static void
tlb_batch_full(struct mmu_gather *tlb)
{
  struct page *batch = 0;
  int order = GATHER_ORDER;
  if(tlb->pages == tlb->local)
    while((batch = alloc_pages(order, 0)) == 0 && order > 0)
      order--;
  if(batch){
    tlb->pages = page_address(batch);
    tlb->max = (PGSIZE << order) / sizeof(struct page *);
    memmove(tlb->pages, tlb->local, sizeof(tlb->local));
    return;
  }
  release(&tlb->mm->page_table_lock);
  tlb_flush_mmu(tlb);
  acquire(&tlb->mm->page_table_lock);
}

// The PTE (or huge PMD) at va, mapping size bytes, was cleared: free its
// page once no TLB can reach it. page_table_lock is held (and dropped for
// a flush).
void
tlb_remove_page_size(struct mmu_gather *tlb, uint64 va, struct page *pg, uint64 size)
{
  if(tlb->end == tlb->start)
    tlb->start = va;
  tlb->end = va + size;
  tlb->pages[tlb->nr++] = pg;
  if(tlb->nr == tlb->max)
    tlb_batch_full(tlb);
}

// An empty address space: a page table sharing the kernel half, no regions.
struct mm_struct*
mm_alloc(void)
{
  struct mm_struct *mm = kalloc();
  if(mm == 0)
    return 0;
  if((mm->pgd = uvmcreate()) == 0){
    kfree(mm);
    return 0;
  }
  init_rwsem(&mm->mmap_lock, "mmap_lock");
  initlock(&mm->page_table_lock, "page_table_lock");
  mm->mm_users = 1;
  mm->mm_count = 1;   // held by the users together
  return mm;
}

// Keep the struct (not the memory) alive: a pin fd accounts its pages to
// the mm that pinned them, even after that process is gone.
void
mmgrab(struct mm_struct *mm)
{
  __atomic_add_fetch(&mm->mm_count, 1, __ATOMIC_SEQ_CST);
}

// The page table's root lives as long as the struct: a cpu may still run
// on it lazily (switch_mm) after the last user is gone.
void
mmdrop(struct mm_struct *mm)
{
  if(__atomic_sub_fetch(&mm->mm_count, 1, __ATOMIC_SEQ_CST) == 0){
    kfree(mm->pgd);
    kfree(mm);
  }
}

// Drop a user of mm; the last one unmaps everything (writing back shared
// file pages) and frees the page table.
void
mmput(struct mm_struct *mm)
{
  if(__atomic_sub_fetch(&mm->mm_users, 1, __ATOMIC_SEQ_CST) > 0)
    return;
  exit_mmap(mm);
  free_pgtables(mm);
  mmdrop(mm);
}

// Run this cpu on next's page table (0: the kernel's alone). Like Linux's
// lazy TLB, going from one thread to another of the same mm, or to a
// kernel thread, changes nothing: no satp write, no flush, so the TLB keeps
// its entries (and a stale one stays stale until a flush reaches it: the
// stale_tlb reproducer). The cpu holds a reference to its active_mm and
// stays in active_mm->cpumask, which tracks who may cache what for
// flush_tlb_range, until it loads another table. Interrupts are off, or
// the caller cannot move.
void
switch_mm(struct mm_struct *next)
{
  push_off();
  struct cpu *c = mycpu();
  struct mm_struct *prev = c->active_mm;
  if(next != prev){
    uint64 me = 1UL << cpuid();
    if(next){
      mmgrab(next);
      __atomic_fetch_or(&next->cpumask, me, __ATOMIC_SEQ_CST);
    }
    w_satp(next ? MAKE_SATP(__pa(next->pgd)) : kernel_satp());
    sfence_vma();
    c->active_mm = next;
    if(prev){
      __atomic_fetch_and(&prev->cpumask, ~me, __ATOMIC_SEQ_CST);
      mmdrop(prev);
    }
  }
  pop_off();
}

// An empty user page table that shares the kernel half.
pagetable_t
uvmcreate(void)
{
  pagetable_t pagetable = kalloc();
  if(pagetable == 0)
    return 0;
  for(int i = 256; i < 512; i++)
    pagetable[i] = kernel_pagetable[i];
  return pagetable;
}

// A new anonymous page, exclusive to the one PTE that will map it:
// zeroed, unless the caller is about to overwrite all of it (a copy).
struct page*
alloc_anon_page(int zero)
{
  struct page *pg = __alloc_page(zero);
  if(pg){
    SetPageAnon(pg);
    SetPageAnonExclusive(pg);
  }
  return pg;
}

// Linux: copy_user_highpage.
static void
copy_user_page(struct page *to, struct page *from)
{
  memmove(page_address(to), page_address(from), PGSIZE);
}

// The PTE that maps pg in vma. PROT_NONE is a valid leaf without PTE_U,
// which user mode cannot touch (R=W=X=0 would mean "next level"). W needs
// R on RISC-V. A page of a private writable region that is mapped
// read-only is copy-on-write (PTE_COW): the first write copies or reuses it.
pte_t
make_pte(struct page *pg, struct vm_area_struct *vma, int write)
{
  uint flags = vma->vm_flags;
  pte_t pte = PA2PTE(page_to_phys(pg)) | PTE_V | PTE_A;

  if(flags & VM_PROT_MASK)
    pte |= PTE_U;
  if(flags & VM_EXEC)
    pte |= PTE_X;
  if((flags & (VM_READ | VM_WRITE)) || !(flags & VM_EXEC))
    pte |= PTE_R;
  if(write)
    pte |= PTE_W | PTE_D | PTE_SOFT_DIRTY;   // a write makes the page soft-dirty
  else if((flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
    pte |= PTE_COW;
  return pte;
}

// Install pg in the empty PTE pte of va (page_table_lock held) and count
// the mapping, in a page table that no hart has loaded, such as a fork
// child's: it needs no fence, as a hart flushes its whole TLB when it
// loads one (switch_mm).
static void
__install_pte(uint64 va, pte_t *pte, struct page *pg, pte_t val)
{
  if(*pte & PTE_V)
    panic("install_pte: remap %p", (void*)va);
  *pte = val;
  page_add_rmap(pg);
}

// __install_pte in mm, which harts may run: one that does may have cached
// the invalid entry, so this hart flushes it if it is one (others fault
// again and see the new one).
static void
install_pte(struct mm_struct *mm, uint64 va, pte_t *pte, struct page *pg, pte_t val)
{
  __install_pte(va, pte, pg, val);
  if(__atomic_load_n(&mm->cpumask, __ATOMIC_SEQ_CST) & (1UL << cpuid()))
    sfence_vma_page(va);
}

// install_pte at va, making the page-table pages it needs: 0, or -ENOMEM.
static int
set_pte(struct vm_area_struct *vma, uint64 va, struct page *pg, pte_t val)
{
  pte_t *pte = walk(vma->vm_mm->pgd, va, 1);
  if(pte == 0)
    return -ENOMEM;
  install_pte(vma->vm_mm, va, pte, pg, val);
  return 0;
}

// Fill [start, end) of a private anonymous region with zeroed pages now
// (exec and xv6's eager sbrk). 0 or -ENOMEM; pages already mapped stay.
int
populate_range(struct vm_area_struct *vma, uint64 start, uint64 end)
{
  struct mm_struct *mm = vma->vm_mm;
  for(uint64 va = start; va < end; va += PGSIZE){
    struct page *pg = alloc_anon_page(1);
    if(pg == 0)
      return -ENOMEM;
    acquire(&mm->page_table_lock);
    int err = set_pte(vma, va, pg, make_pte(pg, vma, (vma->vm_flags & VM_WRITE) != 0));
    release(&mm->page_table_lock);
    if(err){
      put_page(pg);
      return err;
    }
  }
  return 0;
}

// UFFDIO_COPY and UFFDIO_ZEROPAGE (userfaultfd.c): map pg, a new
// anonymous page or the zero page, at va, whose PTE must be empty: the
// monitor fills in a missing page. A copy is writable if the region is,
// unless wp (UFFDIO_COPY_MODE_WP) maps it read-only and uffd-wp. The PTE
// takes over the caller's reference. 0, -EEXIST if a page is there, or
// -ENOMEM. mmap_lock held for reading.
int
mfill_atomic_install_pte(struct vm_area_struct *vma, uint64 va, struct page *pg, int wp)
{
  struct mm_struct *mm = vma->vm_mm;
  int write = !wp && pg != zero_page && (vma->vm_flags & VM_WRITE);
  acquire(&mm->page_table_lock);
  pte_t *pte = walk(mm->pgd, va, 1);
  int err = pte == 0 ? -ENOMEM : (*pte & PTE_V) ? -EEXIST : 0;
  if(err == 0)
    install_pte(mm, va, pte, pg, make_pte(pg, vma, write) | (wp ? PTE_UFFD_WP : 0));
  release(&mm->page_table_lock);
  return err;
}

// Call fn on every present PTE of [start, end) in vma, with the
// page_table_lock held. Page-table pages that do not exist are skipped
// 2 MiB at a time: a lazily grown heap can be huge and mostly untouched.
// A huge PMD that the range covers whole goes to pmd_fn, if there is one;
// any other is split into PTEs first (walk_huge_pmd). Always inlined in
// this file, so that zap and mprotect call their fn directly (or inline
// it) for every page: under QEMU a call through a pointer costs exit more
// than its other work. walk_page_range is the same for other files.
static inline __attribute__((always_inline)) void
__walk_page_range(struct vm_area_struct *vma, uint64 start, uint64 end, pte_fn_t fn,
                  pte_fn_t pmd_fn, void *arg)
{
  struct mm_struct *mm = vma->vm_mm;
  acquire(&mm->page_table_lock);
  while(start < end){
    // One walk per page-table page (page-table pages live as long as the
    // mm, so fn may drop the lock meanwhile).
    uint64 next = (start | ((1UL << PXSHIFT(1)) - 1)) + 1;
    if(next > end)
      next = end;
    pte_t *pte = walk_huge_pmd(vma, start, next, pmd_fn, arg) ? 0 : walk(mm->pgd, start, 0);
    for(; pte && start < next; start += PGSIZE, pte++)
      if(*pte & PTE_V)
        fn(vma, start, pte, arg);
    start = next;
  }
  release(&mm->page_table_lock);
}

void
walk_page_range(struct vm_area_struct *vma, uint64 start, uint64 end, pte_fn_t fn,
                pte_fn_t pmd_fn, void *arg)
{
  __walk_page_range(vma, start, end, fn, pmd_fn, arg);
}

// walk_page_range that splits every huge PMD it meets: for a walker that
// wants PTEs only.
void
walk_range(struct vm_area_struct *vma, uint64 start, uint64 end, pte_fn_t fn, void *arg)
{
  walk_page_range(vma, start, end, fn, 0, arg);
}

static inline void
zap_pte(struct vm_area_struct *vma, uint64 va, pte_t *pte, void *arg)
{
  struct page *pg = pte_page(*pte);
  trace_zap_page(va, *pte);
  *pte = 0;
  page_remove_rmap(pg);
  tlb_remove_page_size(arg, va, pg, PGSIZE);
}

// Unmap [start, end) of vma, dropping its pages (Linux: zap_page_range).
// A page is freed only after every hart has forgotten its translation.
__hot void
zap_page_range(struct vm_area_struct *vma, uint64 start, uint64 end)
{
  struct mmu_gather tlb;
  tlb_gather_mmu(&tlb, vma->vm_mm);
  __walk_page_range(vma, start, end, zap_pte, zap_huge_pmd, &tlb);
  tlb_finish_mmu(&tlb);
}

// exit: unmap every region of mm (its last user is gone) with one gather,
// so that its pages are freed after one flush per batch, not one per
// region (Linux: unmap_vmas in exit_mmap).
__hot void
unmap_vmas(struct mm_struct *mm)
{
  struct mmu_gather tlb;
  tlb_gather_mmu(&tlb, mm);
  for(struct vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next)
    __walk_page_range(vma, vma->vm_start, vma->vm_end, zap_pte, zap_huge_pmd, &tlb);
  tlb_finish_mmu(&tlb);
}

// New protection for a mapped page, or a huge PMD (a leaf with the same
// bits): vma's current flags. Writable stays writable only if it was (a
// COW or clean shared page must still fault), and only for mprotect:
// userfaultfd's write-protect and un-protect (MM_CP_UFFD_WP,
// MM_CP_UFFD_WP_RESOLVE) map every page read-only, as
// Linux's pte_modify with the region's private protection did until 6.0
// (a writable page too: the next write reuses it in do_wp_page). The
// uffd-wp bit stays unless one of them changes it.
static void
change_pte(struct vm_area_struct *vma, uint64 va, pte_t *pte, void *arg)
{
  int cp_flags = *(int *)arg;
  int write = (*pte & PTE_W) && (vma->vm_flags & VM_WRITE) && cp_flags == 0;
  pte_t uffd_wp = (cp_flags & MM_CP_UFFD_WP) ? PTE_UFFD_WP :
                  (cp_flags & MM_CP_UFFD_WP_RESOLVE) ? 0 : (*pte & PTE_UFFD_WP);
  *pte = make_pte(pte_page(*pte), vma, write) | (*pte & (PTE_D | PTE_SOFT_DIRTY)) | uffd_wp;
}

// mprotect (cp_flags 0) and UFFDIO_WRITEPROTECT: make the PTEs of
// [start, end) follow vma->vm_flags, then flush every hart that may cache
// the old ones. Until then mm says a flush is pending: UFFDIO_WRITEPROTECT
// holds mmap_lock only for reading, so write faults run meanwhile, and
// other harts may still write through stale writable TLB entries.
void
change_protection(struct vm_area_struct *vma, uint64 start, uint64 end, int cp_flags)
{
  struct mm_struct *mm = vma->vm_mm;
  uint64 faults = race_wp_faults();
  __atomic_add_fetch(&mm->tlb_flush_pending, 1, __ATOMIC_SEQ_CST);
  // A huge PMD that the range covers whole keeps its 2 MiB (Linux:
  // change_huge_pmd) unless userfaultfd write-protects: its faults are
  // taken 4 KiB at a time. Any other is split.
  __walk_page_range(vma, start, end, change_pte, cp_flags ? 0 : change_pte, &cp_flags);
  if(cp_flags)   // userfaultfd's: write faults run meanwhile
    race_clear_refs(faults);   // uffd_wp_tlb's window (race.c)
  flush_tlb_range(mm, start, end);
  __atomic_sub_fetch(&mm->tlb_flush_pending, 1, __ATOMIC_SEQ_CST);
}

// Free the PTE pages below a PMD page; the leaves must be gone (a huge
// PMD left mapped panics). The PTE pages themselves are not read: their
// 4 KiB leaves went with the unmap, and scanning 512 empty entries per
// page would cost exit as much as freeing it (Linux's free_pte_range
// does not look either).
static void
freewalk(pagetable_t pmd)
{
  for(int i = 0; i < 512; i++){
    pte_t pte = pmd[i];
    if((pte & PTE_V) == 0)
      continue;
    if(pte & (PTE_R|PTE_W|PTE_X))
      panic("freewalk: leaf");
    pmd[i] = 0;
    kfree(__va(PTE2PA(pte)));
  }
}

// Free the page-table pages of the user half (root entries 0..255; the
// kernel half is shared). The root stays: mmdrop frees it. Harts that
// still run on it lazily may walk it at any moment, so a subtree is first
// unhooked from the root and flushed from every hart in mm->cpumask, and
// only then freed (Linux frees page tables after the TLB flush too), a few
// at a time.
#define PGT_BATCH 8
void
free_pgtables(struct mm_struct *mm)
{
  pte_t batch[PGT_BATCH];
  for(int i = 0; i < 256; ){
    int n = 0;
    for(; i < 256 && n < PGT_BATCH; i++)
      if(mm->pgd[i] & PTE_V){
        if(mm->pgd[i] & (PTE_R|PTE_W|PTE_X))
          panic("free_pgtables: leaf");
        batch[n++] = mm->pgd[i];
        mm->pgd[i] = 0;
      }
    if(n == 0)
      break;
    flush_tlb_range(mm, 0, MAXVA);
    while(n > 0){
      pagetable_t table = (pagetable_t)__va(PTE2PA(batch[--n]));
      freewalk(table);
      kfree(table);
    }
  }
}

// Must fork give the child a copy of pg at once rather than share it?
// With knob cow 0, every anonymous page (xv6's eager fork). Since 5.9
// (70e806e4e645, knob fork_copies_pinned), also an anonymous page that may
// be pinned for DMA: a device may write it behind the page table, and
// sharing it would let the parent's next write move the parent away from
// the device's frame (the RDMA-after-fork bug). The parent keeps its page,
// writable and exclusive. has_pinned spares the look at each page of a
// process that never pinned.
static inline int
fork_copies_page(struct mm_struct *src, struct page *pg)
{
  return PageAnon(pg) && (!knob(K_COW) ||
         (knob(K_FORK_COPIES_PINNED) && src->has_pinned && page_maybe_dma_pinned(pg)));
}

// fork's treatment of one present PTE of the parent's: share its page
// with the child (both PTEs read-only and COW, the page no longer
// exclusive to either process: the first write in either one copies it,
// do_wp_page), or, for a pinned anonymous page, give the child a copy at
// once. Sets *val to the child's PTE; returns 0, -ENOMEM without memory
// for a copy, or -EAGAIN if the PTE changed while the locks were dropped.
static int
copy_one_pte(struct vm_area_struct *dst, struct vm_area_struct *src, uint64 va, pte_t *pte,
             pte_t *val)
{
  struct mm_struct *smm = src->vm_mm;
  struct page *pg = pte_page(*pte);
  if(fork_copies_page(smm, pg)){
    struct page *copy = alloc_anon_page(0);
    if(copy == 0)
      return -ENOMEM;
    copy_user_page(copy, pg);
    count_vm_event(COW_COPY);
    *val = make_pte(copy, dst, (*pte & PTE_W) != 0) | (*pte & PTE_SOFT_DIRTY);
    trace_fork_copy(va, *val, pg);
    return 0;
  }
  if(!race_fork_share(smm, dst->vm_mm, va, pte))   // gup_fast_fork's window (race.c)
    return -EAGAIN;
  if(*pte & PTE_W)
    *pte = (*pte & ~(PTE_W | PTE_D)) | PTE_COW;
  if(PageAnon(pg) && PageAnonExclusive(pg))   // an atomic only the first fork pays
    ClearPageAnonExclusive(pg);
  get_page(pg);
  // The child's region is not registered (dup_userfaultfd): its PTE
  // forgets the uffd-wp bit, as Linux's does without UFFD_FEATURE_EVENT_FORK.
  *val = (dst->vm_flags & VM_UFFD_WP) ? *pte : (*pte & ~PTE_UFFD_WP);
  trace_fork_share(va, *pte);
  return 0;
}

// fork's copy of [va, end), which lies in one page-table page of the
// parent's (Linux: copy_pte_range): one walk of each page table and one
// taking of the locks for up to 512 pages, not one per page.
static int
copy_pte_range(struct vm_area_struct *dst, struct vm_area_struct *src, uint64 va, uint64 end)
{
  struct mm_struct *smm = src->vm_mm, *dmm = dst->vm_mm;
  pte_t *from, *to = 0;   // the page-table pages, indexed by PX(0, va)
  int err = 0;

  acquire(&smm->page_table_lock);
  if((from = walk(smm->pgd, va, 0)) == 0){   // no page-table page: nothing mapped
    release(&smm->page_table_lock);
    return 0;
  }
  from -= PX(0, va);
  acquire(&dmm->page_table_lock);
  for(; va < end && err == 0; va += PGSIZE){
    pte_t *pte = &from[PX(0, va)], val;
    if(!(*pte & PTE_V))
      continue;
    if(to == 0){   // the child's page-table page, made at its first page
      if((to = walk(dmm->pgd, va, 1)) == 0){
        err = -ENOMEM;
        break;
      }
      to -= PX(0, va);
    }
    if((err = copy_one_pte(dst, src, va, pte, &val)) == -EAGAIN){
      err = 0;
      va -= PGSIZE;   // this page again
    } else if(err == 0)
      __install_pte(va, &to[PX(0, va)], pte_page(val), val);   // the child runs nowhere yet
  }
  release(&dmm->page_table_lock);
  release(&smm->page_table_lock);
  return err;
}

// fork: give dst (the child's copy of region src) the parent's pages
// (copy_one_pte), a page-table page at a time. Shared regions are not
// copied: the child faults their pages in from the page cache. Returns 0
// or -ENOMEM; apart from the copies of pinned pages only page-table pages
// are allocated. The caller flushes the parent's TLBs (dup_mmap, once).
__hot int
copy_page_range(struct vm_area_struct *dst, struct vm_area_struct *src)
{
  int err = 0;
  if(src->vm_flags & VM_SHARED)
    return 0;
  for(uint64 va = src->vm_start; va < src->vm_end && err == 0; ){
    uint64 next = (va | ((1UL << PXSHIFT(1)) - 1)) + 1;   // the next page-table page
    if(next > src->vm_end)
      next = src->vm_end;
    if((err = copy_huge_pmd(dst, src, va, fork_copies_page)) == FAULT_FALLBACK)   // huge_memory.c
      err = copy_pte_range(dst, src, va, next);
    va = next;
  }
  return err;
}

// One page of zeros, mapped read-only (and COW) wherever untouched
// anonymous memory is read, so reading costs no memory. It is counted like
// any page (its boot reference keeps it alive) but is not anonymous, so a
// write to it always copies.
struct page *zero_page;

void
zero_page_init(void)
{
  if((zero_page = alloc_page()) == 0)
    panic("zero_page_init");
}

// May a write fault reuse this COW page in place instead of copying it?
// Page-cache pages (and the zero page) never: a private write must not
// reach them. For anonymous pages the rule is history (knob cow_reuse):
// 0: until 5.7, if only one PTE maps it (mapcount 1): a GUP reference
//    does not count, so a page vmspliced into a pipe is reused and the
//    pipe sees the writer's later writes (CVE-2020-29374);
// 1: 5.9, only if no one else holds any reference (refcount 1): also a
//    pin forces a copy, and the pinning process leaves its pinned frame;
// 2: 5.19, PageAnonExclusive: yes if the page is known to be exclusive
//    (pins keep it so: fork copies pinned pages), else as in 5.9, and then
//    it becomes exclusive again.
static int
wp_can_reuse(struct page *pg)
{
  if(!PageAnon(pg))
    return 0;
  int reuse;
  switch(knob(K_COW_REUSE)){
  case 0:  reuse = page_mapcount(pg) == 1; break;
  case 1:  reuse = page_count(pg) == 1; break;
  default: reuse = PageAnonExclusive(pg) || page_count(pg) == 1; break;
  }
  if(reuse)
    SetPageAnonExclusive(pg);
  return reuse;
}

// Give this process its own copy of the page at va (Linux:
// wp_page_copy): copy it with page_table_lock dropped, then map the copy,
// unless the PTE changed meanwhile (another thread resolved the fault;
// the access is retried), and drop this process's share of the old page
// after no hart can reach it through the old PTE. mode: PTE_W to map the
// copy writable, PTE_D read-only but dirty (a FOLL_FORCE write into a
// read-only region: FOLL_COW, 4.9-5.19, takes the dirty bit as the proof
// that the COW happened), 0 read-only (unshare).
//
// While a write-protect's TLB flush is pending (clear_refs defers it),
// other harts may still write the old page through stale TLB entries; a
// write made there after the copy is lost. Since 5.12 (6ce64428d620, knob
// wp_flushes_tlb) the pending flush is done before copying.
static int
wp_page_copy(struct vm_area_struct *vma, uint64 va, pte_t *pte, int mode)
{
  struct mm_struct *mm = vma->vm_mm;
  pte_t orig = *pte;
  struct page *old = pte_page(orig);
  int pending = __atomic_load_n(&mm->tlb_flush_pending, __ATOMIC_SEQ_CST) > 0;

  if(pending && knob(K_WP_FLUSHES_TLB))
    flush_tlb_range(mm, va, va + PGSIZE);
  get_page(old);
  release(&mm->page_table_lock);
  int zero = old == zero_page;
  struct page *new = alloc_anon_page(zero);
  if(new && !zero && !race_cow_copy(new, old, pending))   // stale_tlb's window (race.c)
    copy_user_page(new, old);
  acquire(&mm->page_table_lock);
  int err = new ? 0 : -ENOMEM;
  if(new && *pte == orig){
    page_add_rmap(new);
    // An unshared copy stays write-protected for userfaultfd, as the
    // page it replaces was.
    *pte = make_pte(new, vma, mode == PTE_W) | (mode == PTE_D ? PTE_D : 0) |
           (mode == 0 ? (orig & PTE_UFFD_WP) : 0);
    flush_tlb_range(mm, va, va + PGSIZE);
    page_remove_rmap(old);
    put_page(old);   // the PTE's reference
    count_vm_event(COW_COPY);
    trace_cow_copy(va, *pte, old, new, mode);
    new = 0;
  }
  put_page(old);
  if(new)   // the PTE changed meanwhile
    put_page(new);
  return err;
}

// A write to a present, read-only page of a private region: where
// copy-on-write is resolved (Linux: do_wp_page). Reuse the page, or copy
// it to a new exclusive page (wp_page_copy). With unshare (a read-only
// pin, FAULT_FLAG_UNSHARE) the same happens but the page stays read-only:
// the pin gets a page no one else shares, and a later write reuses it. A
// write through FOLL_FORCE to a region without PROT_WRITE also leaves it
// read-only. page_table_lock is held (and may be dropped meanwhile). 0 or
// -ENOMEM.
static int
do_wp_page(struct vm_area_struct *vma, uint64 va, pte_t *pte, int unshare)
{
  struct page *old = pte_page(*pte);
  int write = !unshare && (vma->vm_flags & VM_WRITE);
  int err = 0;

  count_vm_event(unshare ? UNSHARE_FAULT : COW_FAULT);
  if(wp_can_reuse(old)){
    if(!unshare)
      *pte = make_pte(old, vma, write) | (write ? 0 : (*pte & PTE_D));
    sfence_vma_page(va);
    count_vm_event(COW_REUSE);
    trace_cow_reuse(va, *pte, unshare);
  } else
    err = wp_page_copy(vma, va, pte, write ? PTE_W : (unshare ? 0 : PTE_D));
  // Done (copied, reused, or lost to another thread or to ENOMEM): ends
  // clear_refs's race window.
  race_wp_fault_done();
  return err;
}

// A write to a clean page of a shared region (Linux: wp_page_shared): the
// page becomes dirty and writable. A file page stays read-only until this
// first write so that writeback knows it changed; the next writeback
// write-protects it again (page_mkclean).
static int
do_shared_wp(struct vm_area_struct *vma, uint64 va, pte_t *pte)
{
  struct page *pg = pte_page(*pte);
  SetPageDirty(pg);
  *pte = make_pte(pg, vma, 1);
  sfence_vma_page(va);
  return 0;
}

// The end of a first-touch fault: map pg, which the caller holds a
// reference to, at va with PTE val, unless another thread mapped va first
// or truncate took a page-cache page out of the region's file meanwhile
// (then the next fault finds the new state). The reference goes to the
// PTE, or is dropped. 1 if pg was mapped, 0 if not, or -ENOMEM (Linux:
// finish_fault).
static int
finish_fault(struct vm_area_struct *vma, uint64 va, struct page *pg, pte_t val)
{
  struct mm_struct *mm = vma->vm_mm;
  int r = 0;
  acquire(&mm->page_table_lock);
  pte_t *pte = walk(mm->pgd, va, 1);
  if(pte == 0)
    r = -ENOMEM;
  else if((*pte & PTE_V) == 0 &&
          (PageAnon(pg) || pg == zero_page || pg->mapping == vma->vm_mapping)){
    install_pte(mm, va, pte, pg, val);
    trace_map_page(vma, va);
    r = 1;
  }
  release(&mm->page_table_lock);
  if(r != 1)
    put_page(pg);
  return r;
}

// First touch of a private anonymous page (Linux: do_anonymous_page). A
// read maps the shared zero page read-only (COW if writable); a write gets
// a new page.
static int
do_anonymous_page(struct vm_area_struct *vma, uint64 va, int write)
{
  struct page *pg;

  if(write){
    if((pg = alloc_anon_page(1)) == 0)
      return -ENOMEM;
  } else {
    pg = zero_page;
    get_page(pg);
  }
  // A forced write (FOLL_FORCE) into a region without PROT_WRITE gets its
  // page read-only but dirty, as after a COW fault: the region's
  // protection holds for the process.
  pte_t val = make_pte(pg, vma, write && (vma->vm_flags & VM_WRITE));
  int r = finish_fault(vma, va, pg, val | (write ? PTE_D | PTE_SOFT_DIRTY : 0));
  if(r == 1 && !write)
    count_vm_event(ZERO_PAGE_MAP);
  return r < 0 ? r : 0;
}

// First touch of a page of a file or shared anonymous region (Linux:
// do_fault): find it in the page cache, reading it in if needed (this may
// sleep, so no lock is held). A private write copies it at once; a shared
// file page is mapped writable only by a write, which dirties it.
static int
do_fault(struct vm_area_struct *vma, uint64 va, int write)
{
  uint64 index = vma->vm_pgoff + (va - vma->vm_start) / PGSIZE;
  int err = 0, shared = (vma->vm_flags & VM_SHARED) != 0;

  struct page *pg = filemap_fault(vma, index, &err);
  if(pg == 0)
    return err;
  // Not pg->mapping: truncate may take pg out of the cache any moment.
  struct address_space *mapping = vma->vm_mapping;
  int proof = 0;   // a FOLL_FORCE copy in a read-only region (see do_wp_page)
  if(write && !shared){
    proof = !(vma->vm_flags & VM_WRITE);
    struct page *copy = alloc_anon_page(0);
    if(copy == 0){
      put_page(pg);
      return -ENOMEM;
    }
    copy_user_page(copy, pg);
    put_page(pg);
    pg = copy;
    count_vm_event(COW_COPY);
  } else if(write && mapping->host){
    SetPageDirty(pg);
  }
  // Shared anonymous pages need no dirty tracking: writable at once. A
  // write through FOLL_FORCE leaves a read-only region read-only.
  int writable = (write && !proof) || (shared && mapping->host == 0 && (vma->vm_flags & VM_WRITE));

  int r = finish_fault(vma, va, pg, make_pte(pg, vma, writable) | (proof ? PTE_D : 0));
  return r < 0 ? r : 0;
}

// The region flag an access of this kind needs.
static uint
access_flags(uint64 scause)
{
  switch(scause){
  case EXC_STORE_PAGE_FAULT: return VM_WRITE;
  case EXC_INST_PAGE_FAULT:  return VM_EXEC;
  default:                   return VM_READ | VM_WRITE;   // PROT_WRITE implies read
  }
}

// Resolve a fault at va in vma (mmap_lock held; the caller has checked
// that the region allows the access). flags: FAULT_FLAG_WRITE for a
// write, FAULT_FLAG_UNSHARE for a read-only pin that needs a page of its
// own (gup.c), FAULT_FLAG_ALLOW_RETRY if the fault may drop mmap_lock to
// wait for a userfaultfd monitor, FAULT_FLAG_USER in user mode. Returns 0
// if the access may be retried, VM_FAULT_RETRY if it may be retried but
// mmap_lock was dropped, or a negative errno.
int
__handle_mm_fault(struct vm_area_struct *vma, uint64 va, int flags)
{
  struct mm_struct *mm = vma->vm_mm;
  int write = (flags & FAULT_FLAG_WRITE) != 0, err;

  trace_mm_fault(vma, va, flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE));   // the access, as trace shows it
  va = PGROUNDDOWN(va);
  pte_t *pte;
  acquire(&mm->page_table_lock);
  if((err = huge_pmd_fault(vma, va, flags, &pte)) != FAULT_FALLBACK)   // huge_memory.c
    return err;   // it released page_table_lock
  if(handle_userfault(vma, va, pte, flags, &err))
    return err;   // the monitor's (userfaultfd.c); page_table_lock was released
  if(*pte & PTE_V){
    if((write && (*pte & PTE_W) == 0) || (flags & FAULT_FLAG_UNSHARE))
      err = (vma->vm_flags & VM_SHARED) ? (write ? do_shared_wp(vma, va, pte) : 0)
                                        : do_wp_page(vma, va, pte, !write);
    else {
      // Allowed, so only A or D was missing (harts like the U74 fault
      // instead of setting them), or another thread got here first.
      *pte |= PTE_A | (write ? PTE_D : 0);
      sfence_vma_page(va);
      err = 0;
    }
    release(&mm->page_table_lock);
    return err;
  }
  release(&mm->page_table_lock);
  if(vma->vm_mapping)
    return do_fault(vma, va, write);
  return do_anonymous_page(vma, va, write);
}

// A user page fault, or a kernel access to user memory that found no
// usable PTE (Linux: handle_mm_fault). Returns 0 if the access may be
// retried, -EFAULT if it is a bad access, -ENOMEM if memory ran out.
int
handle_mm_fault(struct mm_struct *mm, uint64 va, uint64 scause)
{
  int err = -EFAULT;

  if(va >= MAXVA)
    return -EFAULT;
  mmap_read_lock(mm);
  struct vm_area_struct *vma = find_vma(mm, va);
  if(vma && va >= vma->vm_start && (vma->vm_flags & access_flags(scause)))
    err = __handle_mm_fault(vma, va, FAULT_FLAG_USER | FAULT_FLAG_ALLOW_RETRY |
                                     (scause == EXC_STORE_PAGE_FAULT ? FAULT_FLAG_WRITE : 0));
  if(err == VM_FAULT_RETRY)
    return 0;   // mmap_lock is dropped already
  trace_mm_fault_error(va, scause == EXC_STORE_PAGE_FAULT ? FAULT_FLAG_WRITE : 0, err);
  mmap_read_unlock(mm);
  return err;
}

// Kernel access to user memory. The current process's mmap_lock is held
// for reading while a page is looked up and copied: another thread's
// munmap or mprotect (which hold it for writing) cannot change the region,
// nor can fork make the page copy-on-write in between; the PTE itself is
// held by page_table_lock during each page's copy (user_addr). Another
// address space (exec's new one) is private to the caller.
static struct mm_struct*
lock_user(pagetable_t pagetable)
{
  struct proc *p = myproc();
  if(p == 0 || p->mm == 0 || p->mm->pgd != pagetable)
    return 0;
  mmap_read_lock(p->mm);
  return p->mm;
}

static void
unlock_user(struct mm_struct *mm)
{
  if(mm)
    mmap_read_unlock(mm);
}

// The kernel address of user va, faulting the page in like user mode
// would (mm: the locked current address space, or 0); 0 if va is not
// accessible (with write: writable). With mm, the address comes with
// mm->page_table_lock held (user_done releases it): the copy must be done
// before the PTE can change under mmap_lock held for reading (clear_refs
// write-protecting, a COW copy replacing the page, MADV_DONTNEED freeing
// it), as a user-mode access through the TLB would be. A fault that
// another thread's change undid is taken again.
#define USER_TRIES 16
static char*
user_addr(pagetable_t pagetable, struct mm_struct *mm, uint64 va, int write)
{
  if(va >= MAXVA)
    return 0;
  for(int tries = 0; tries < USER_TRIES; tries++){
    if(mm)
      acquire(&mm->page_table_lock);
    int huge;
    pte_t *pte = walk_leaf(pagetable, va, &huge);
    if(pte && (*pte & (PTE_V|PTE_U)) == (PTE_V|PTE_U) && (*pte & (write ? PTE_W : PTE_R)))
      return (char*)__va(PTE2PA(*pte)) + (va % (huge ? HPAGE_PMD_SIZE : PGSIZE));
    if(mm)
      release(&mm->page_table_lock);
    struct vm_area_struct *vma = mm ? find_vma(mm, va) : 0;
    if(vma == 0 || va < vma->vm_start ||
       !(vma->vm_flags & access_flags(write ? EXC_STORE_PAGE_FAULT : EXC_LOAD_PAGE_FAULT)))
      return 0;
    int err = __handle_mm_fault(vma, va, FAULT_FLAG_ALLOW_RETRY | (write ? FAULT_FLAG_WRITE : 0));
    if(err == VM_FAULT_RETRY)
      mmap_read_lock(mm);   // it waited for userfaultfd's monitor without the lock
    else if(err)
      return 0;
  }
  return 0;
}

static void
user_done(struct mm_struct *mm)
{
  if(mm)
    release(&mm->page_table_lock);
}

// Copy len bytes between user address va and the kernel buffer kbuf, to
// user memory if to_user. Returns how many bytes were copied before an
// inaccessible address stopped it (len if none did).
static uint64
copy_user(pagetable_t pagetable, uint64 va, char *kbuf, uint64 len, int to_user)
{
  uint64 done = 0;
  struct mm_struct *mm = lock_user(pagetable);
  while(done < len){
    char *u = user_addr(pagetable, mm, va + done, to_user);
    if(u == 0)
      break;
    uint64 n = PGSIZE - ((va + done) % PGSIZE);
    if(n > len - done)
      n = len - done;
    if(to_user)
      memmove(u, kbuf + done, n);
    else
      memmove(kbuf + done, u, n);
    user_done(mm);
    done += n;
  }
  unlock_user(mm);
  return done;
}

// Copy len bytes from kernel src to user dstva. 0 on success, -EFAULT.
int
copyout(pagetable_t pagetable, uint64 dstva, char *src, uint64 len)
{
  return copy_user(pagetable, dstva, src, len, 1) == len ? 0 : -EFAULT;
}

// Copy len bytes from user srcva to kernel dst. 0 on success, -EFAULT.
int
copyin(pagetable_t pagetable, char *dst, uint64 srcva, uint64 len)
{
  return copy_user(pagetable, srcva, dst, len, 0) == len ? 0 : -EFAULT;
}

// Like copyin, but returns how many bytes it could copy: a write() whose
// buffer runs into a bad page writes what comes before it, as on Linux.
uint64
copyin_partial(pagetable_t pagetable, char *dst, uint64 srcva, uint64 len)
{
  return copy_user(pagetable, srcva, dst, len, 0);
}

// Copy a NUL-terminated string from user srcva, at most max bytes
// including the NUL. 0 on success, -EFAULT, or -ENAMETOOLONG.
int
copyinstr(pagetable_t pagetable, char *dst, uint64 srcva, uint64 max)
{
  struct mm_struct *mm = lock_user(pagetable);
  int err = -ENAMETOOLONG;
  while(max > 0 && err == -ENAMETOOLONG){
    char *src = user_addr(pagetable, mm, srcva, 0);
    if(src == 0){
      err = -EFAULT;
      break;
    }
    uint64 n = PGSIZE - (srcva % PGSIZE);
    if(n > max)
      n = max;
    for(; n > 0; n--, max--, src++, dst++, srcva++){
      *dst = *src;
      if(*src == 0){
        err = 0;
        break;
      }
    }
    user_done(mm);
  }
  unlock_user(mm);
  return err;
}
