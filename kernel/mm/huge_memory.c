// Transparent huge pages (Linux: mm/huge_memory.c). A private anonymous
// region that covers an aligned 2 MiB range may get, on the first touch
// of that range, one compound page of 512 frames (order 9) mapped by one
// level-1 leaf PTE: an Sv39 megapage, Linux's "huge PMD". One TLB entry
// then covers 2 MiB, and one fault fills it.
//
// Policy (knob transparent_hugepage, Linux's /sys/kernel/mm/
// transparent_hugepage/enabled): never, madvise (only regions marked
// MADV_HUGEPAGE; the default), always (any region not marked
// MADV_NOHUGEPAGE). With no free 2 MiB block the fault falls back to 4 KiB
// pages (thp_fault_fallback). A read fault maps the huge zero page.
//
// A huge PMD is handled whole where that is simple: faults, fork
// (copy_huge_pmd: shared copy-on-write at 2 MiB), unmapping or protecting
// all of it (the walkers' pmd_fn: zap_huge_pmd, change_pte,
// clear_soft_dirty_pte), GUP (follow_page and gup_fast_one take the page
// of va from it), pagemap and vmmap. Anything that needs 4 KiB
// granularity splits it first (__split_huge_pmd_locked): 512 PTEs map the
// 512 pages of the same compound page, which stays whole (Linux's
// split_huge_pmd; Linux may split the page itself later, cowpin never
// does). A write to a huge page that is not exclusive splits it and copies
// 4 KiB (do_huge_pmd_wp_page, Linux since 5.8). Every huge PMD has an
// empty page table deposited with it (mm->pmd_huge_pte), so a split
// never needs memory.

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../sleeplock.h"
#include "../proc.h"
#include "../defs.h"
#include "mm_types.h"

// 2 MiB of zeros, mapped read-only (and COW) where untouched huge-page
// memory is read. Allocated by the first fault that wants it, and given
// back when the last PMD that maps it goes (Linux frees it later, when
// memory runs short), so that free memory comes back exactly, and a
// huge zero page that a bug wrote into (huge_dirtycow) dies with its
// mappings. It has a reference of its own while it is the huge zero page,
// and each PMD that maps it another.
static struct spinlock huge_zero_lock;
static struct page *huge_zero_page;   // huge_zero_lock (read without it by those that map it)
static int huge_zero_mappings;        // PMDs that map it; huge_zero_lock

void
huge_memory_init(void)
{
  initlock(&huge_zero_lock, "huge_zero");
}

int
is_huge_zero_page(struct page *pg)
{
  struct page *z = __atomic_load_n(&huge_zero_page, __ATOMIC_SEQ_CST);
  return z && compound_head(pg) == z;
}

// The huge zero page, allocated if there is none, with a reference and a
// mapping counted for the PMD about to map it; 0 if it cannot be had.
static struct page*
get_huge_zero_page(void)
{
  struct page *new = 0, *z;
  acquire(&huge_zero_lock);
  while((z = huge_zero_page) == 0 && new == 0){
    release(&huge_zero_lock);
    if((new = alloc_pages(HPAGE_PMD_ORDER, 1)) == 0)
      return 0;
    acquire(&huge_zero_lock);
  }
  if(z == 0){
    z = huge_zero_page = new;
    new = 0;
    count_vm_event(THP_ZERO_PAGE_ALLOC);
  }
  huge_zero_mappings++;
  get_page(z);
  release(&huge_zero_lock);
  if(new)   // another fault made one meanwhile
    put_page(new);
  return z;
}

// Another PMD maps it (fork).
static void
dup_huge_zero_page(struct page *z)
{
  acquire(&huge_zero_lock);
  huge_zero_mappings++;
  get_page(z);
  release(&huge_zero_lock);
}

// A PMD no longer maps it: after the last, it is the huge zero page no
// more, and goes when the PMDs' references do (the caller drops this
// one's, after the TLB flush).
static void
put_huge_zero_page(void)
{
  struct page *z = 0;
  acquire(&huge_zero_lock);
  if(--huge_zero_mappings == 0){
    z = huge_zero_page;
    huge_zero_page = 0;
  }
  release(&huge_zero_lock);
  if(z)
    put_page(z);
}

// The leaf entry that maps user va: a PTE, or a huge PMD (*huge set); 0
// if there is none. Each entry is read once: GUP-fast walks without locks.
pte_t*
walk_leaf(pagetable_t pgd, uint64 va, int *huge)
{
  *huge = 0;
  pte_t *pmd = walk_pmd(pgd, va, 0);
  if(pmd == 0)
    return 0;
  pte_t e = __atomic_load_n(pmd, __ATOMIC_SEQ_CST);
  if(pmd_trans_huge(e)){
    *huge = 1;
    return pmd;
  }
  if((e & PTE_V) == 0)
    return 0;
  return (pte_t *)__va(PTE2PA(e)) + PX(0, va);
}

// The page tables deposited for splits: one per huge PMD of mm, linked
// through their struct page's next (page_table_lock held). Linux:
// pgtable_trans_huge_deposit and _withdraw.
static void
deposit_pgtable(struct mm_struct *mm, pagetable_t pt)
{
  struct page *pg = virt_to_page(pt);
  pg->next = mm->pmd_huge_pte;
  mm->pmd_huge_pte = pg;
}

static pagetable_t
withdraw_pgtable(struct mm_struct *mm)
{
  struct page *pg = mm->pmd_huge_pte;
  if(pg == 0)
    panic("withdraw_pgtable: none deposited");
  mm->pmd_huge_pte = pg->next;
  pg->next = 0;
  return page_address(pg);
}

// May a fault at va in vma map a huge page (Linux: transhuge_vma_suitable
// and hugepage_vma_check)? Private anonymous memory only, the aligned
// 2 MiB around va wholly inside the region, and the policy allows it. A
// region registered with userfaultfd takes 4 KiB faults: each goes to the
// monitor, which fills it in with UFFDIO_COPY (Linux hands a missing huge
// fault to the monitor too, and the monitor fills 4 KiB pages).
static int
thp_vma_suitable(struct vm_area_struct *vma, uint64 va)
{
  uint64 h = va & HPAGE_PMD_MASK;
  if(vma->vm_mapping ||
     (vma->vm_flags & (VM_SHARED | VM_NOHUGEPAGE | VM_UFFD_MISSING | VM_UFFD_WP)))
    return 0;
  if(h < vma->vm_start || h + HPAGE_PMD_SIZE > vma->vm_end)
    return 0;
  switch(knob(K_THP)){
  case THP_ALWAYS:  return 1;
  case THP_MADVISE: return (vma->vm_flags & VM_HUGEPAGE) != 0;
  default:          return 0;
  }
}

// Make the empty level-1 entry pmd point to a new page table, so that the
// 4 KiB fault path that follows finds one, and no other thread can put a
// huge PMD there meanwhile. FAULT_FALLBACK, or -ENOMEM.
static int
pte_alloc(pte_t *pmd)
{
  pagetable_t pt = kalloc();
  if(pt == 0)
    return -ENOMEM;
  *pmd = PA2PTE(__pa(pt)) | PTE_V;
  return FAULT_FALLBACK;
}

// A new huge page, exclusive to the PMD that will map it, zeroed unless
// the caller is about to overwrite it. Every page of it is anonymous; only
// the head's PageAnonExclusive counts while a PMD maps it.
static struct page*
alloc_thp(int zero)
{
  struct page *head = alloc_pages(HPAGE_PMD_ORDER, zero);
  if(head == 0)
    return 0;
  for(int i = 0; i < HPAGE_PMD_NR; i++)
    SetPageAnon(head + i);
  SetPageAnonExclusive(head);
  return head;
}

// First touch of a range that may be huge (Linux:
// do_huge_pmd_anonymous_page): a read maps the huge zero page, a write a
// new huge page, each with a page table deposited for a later split.
// Without them it falls back: the level-1 entry gets a page table for the
// 4 KiB path. The 2 MiB are cleared with no lock held.
static int
do_huge_pmd_anonymous_page(struct vm_area_struct *vma, uint64 va, int write)
{
  struct mm_struct *mm = vma->vm_mm;
  pagetable_t pt = kalloc();
  struct page *pg = pt == 0 ? 0 : write ? alloc_thp(1) : get_huge_zero_page();
  if(pg == 0)
    count_vm_event(THP_FAULT_FALLBACK);
  acquire(&mm->page_table_lock);
  pte_t *pmd = walk_pmd(mm->pgd, va, 0);
  int err = 0;
  if(*pmd == 0 && pg){
    // A forced write (FOLL_FORCE) into a read-only region maps it
    // read-only but dirty, the mark FOLL_COW looks for (4.9-5.19).
    *pmd = make_pte(pg, vma, write && (vma->vm_flags & VM_WRITE)) | (write ? PTE_D : 0);
    page_add_compound_rmap(pg);
    deposit_pgtable(mm, pt);
    if(__atomic_load_n(&mm->cpumask, __ATOMIC_SEQ_CST) & (1UL << cpuid()))
      sfence_vma_page(va);   // as install_pte
    if(write)
      count_vm_event(THP_FAULT_ALLOC);
    pg = 0;
    pt = 0;
  } else if(*pmd == 0)
    err = pte_alloc(pmd);
  // else another thread was first: the access is retried
  release(&mm->page_table_lock);
  if(pg && !write)
    put_huge_zero_page();
  if(pg)
    put_page(pg);
  if(pt)
    kfree(pt);
  return err;
}

// Split the huge PMD pmd of vma at haddr into 512 PTEs in its deposited
// page table (page_table_lock held; Linux: __split_huge_pmd_locked). Each
// PTE keeps the PMD's bits (W, COW, D, soft-dirty) and maps the page of
// its address, taking a reference and a mapcount, so that 4 KiB code
// (COW, GUP, fork, zap) works on it as on any page; the PMD's reference
// and compound mapcount go. An exclusive huge page makes every page
// exclusive. The huge zero page becomes 512 mappings of the zero page.
static void
__split_huge_pmd_locked(struct vm_area_struct *vma, pte_t *pmd, uint64 haddr)
{
  struct mm_struct *mm = vma->vm_mm;
  pte_t old = *pmd;
  struct page *head = pte_page(old);
  int zero = is_huge_zero_page(head);
  int exclusive = !zero && PageAnonExclusive(head);
  pagetable_t pt = withdraw_pgtable(mm);

  for(int i = 0; i < HPAGE_PMD_NR; i++){
    struct page *pg = zero ? zero_page : head + i;
    pt[i] = PA2PTE(page_to_phys(pg)) | PTE_FLAGS(old);
    page_add_rmap(pg);
    if(zero)
      get_page(pg);
    else if(exclusive)
      SetPageAnonExclusive(pg);
  }
  if(!zero)
    __atomic_add_fetch(&head->_refcount, HPAGE_PMD_NR - 1, __ATOMIC_SEQ_CST);
  page_remove_compound_rmap(head);
  // The PTEs are in place before GUP-fast can find the table.
  __atomic_store_n(pmd, PA2PTE(__pa(pt)) | PTE_V, __ATOMIC_SEQ_CST);
  flush_tlb_range(mm, haddr, haddr + HPAGE_PMD_SIZE);
  if(zero){
    put_huge_zero_page();
    put_page(head);
  }
  count_vm_event(THP_SPLIT_PMD);
}

// Split the huge PMD at addr, if there is one (Linux:
// split_huge_pmd_address): a region is about to begin or end at addr.
void
split_huge_pmd_address(struct vm_area_struct *vma, uint64 addr)
{
  struct mm_struct *mm = vma->vm_mm;
  if(addr % HPAGE_PMD_SIZE == 0)
    return;
  acquire(&mm->page_table_lock);
  pte_t *pmd = walk_pmd(mm->pgd, addr, 0);
  if(pmd && pmd_trans_huge(*pmd))
    __split_huge_pmd_locked(vma, pmd, addr & HPAGE_PMD_MASK);
  release(&mm->page_table_lock);
}

// walk_page_range's look at the level-1 entry of [start, end), which lies
// in one 2 MiB range (page_table_lock held): a huge PMD that the range
// covers whole goes to fn (1: done); any other is split, and the PTEs are
// walked (0), as are those of a page table.
int
walk_huge_pmd(struct vm_area_struct *vma, uint64 start, uint64 end, pte_fn_t fn, void *arg)
{
  pte_t *pmd = walk_pmd(vma->vm_mm->pgd, start, 0);
  if(pmd == 0 || !pmd_trans_huge(*pmd))
    return 0;
  if(fn && start % HPAGE_PMD_SIZE == 0 && end - start == HPAGE_PMD_SIZE){
    fn(vma, start, pmd, arg);
    return 1;
  }
  __split_huge_pmd_locked(vma, pmd, start & HPAGE_PMD_MASK);
  return 0;
}

// GUP found a huge PMD (page_table_lock held; Linux: touch_pmd with
// FOLL_TOUCH). cowpin sets A and D when it maps a page, so only a write
// needs to make it dirty; until 4.14 (knob touch_pmd_dirty) any access
// did, so a read made a read-only PMD look like a COW copy to FOLL_COW's
// dirty test (huge_dirtycow, CVE-2017-1000405; a8f97366452e, 4.15).
void
touch_pmd(pte_t *pmd, int flags)
{
  if((flags & FOLL_WRITE) || knob(K_TOUCH_PMD_DIRTY))
    *pmd |= PTE_A | PTE_D;
}

// Unmap a whole huge PMD (Linux: zap_huge_pmd): its page is freed after
// the TLB flush, its deposited page table at once (no hart can reach it).
void
zap_huge_pmd(struct vm_area_struct *vma, uint64 va, pte_t *pmd, void *tlb)
{
  struct page *head = pte_page(*pmd);
  *pmd = 0;
  page_remove_compound_rmap(head);
  if(is_huge_zero_page(head))
    put_huge_zero_page();
  kfree(withdraw_pgtable(vma->vm_mm));
  tlb_remove_page_size(tlb, va, head, HPAGE_PMD_SIZE);
}

// All the mappings of a huge page that this PMD maps: its PMDs and the
// most PTEs of any of its pages (Linux before 5.18: page_trans_huge_mapcount).
static int
thp_mapcount(struct page *head)
{
  int most = 0;
  for(int i = 0; i < HPAGE_PMD_NR; i++){
    int n = __atomic_load_n(&head[i]._mapcount, __ATOMIC_SEQ_CST);
    most = n > most ? n : most;
  }
  return compound_mapcount(head) + most;
}

// May a write fault reuse the huge page in place? From 5.19 (knob
// cow_reuse 2) as for small pages: if it is exclusive, or no one else
// holds a reference. Before, by knob thp_reuse_refcount: Linux kept the
// mapcount rule (reuse_swap_page) for huge pages until 5.17, where small
// pages had counted references since 5.9: a page vmspliced into a pipe
// by a fork child that then unmapped it was reused, and the pipe saw the
// parent's writes (thp_vmsplice); 5.18 (3bff7e3f1f16) reuses only at
// refcount 1.
static int
thp_can_reuse(struct page *head)
{
  int reuse;
  if(knob(K_COW_REUSE) == 2)
    reuse = PageAnonExclusive(head) || page_count(head) == 1;
  else if(knob(K_THP_REUSE_REFCOUNT))
    reuse = page_count(head) == 1;
  else
    reuse = thp_mapcount(head) == 1;
  if(reuse)
    SetPageAnonExclusive(head);
  return reuse;
}

// Until 5.7 (knob thp_cow_huge) a COW fault on a huge PMD that could not
// reuse the page copied all of it to a new huge page (zeroed, for the huge
// zero page), mapped dirty, writable if the region is (Linux 4.x's
// do_huge_pmd_wp_page). The copy is made with page_table_lock dropped;
// the PMD is replaced only if it is still the one copied, else the access
// is retried. Without a free 2 MiB block it splits (FAULT_FALLBACK).
// page_table_lock held. 5.8 (3917c80280c9) always splits instead.
static int
huge_pmd_copy(struct vm_area_struct *vma, uint64 va, pte_t *pmd, int write)
{
  struct mm_struct *mm = vma->vm_mm;
  pte_t orig = *pmd;
  struct page *old = pte_page(orig);
  int zero = is_huge_zero_page(old);
  get_page(old);
  release(&mm->page_table_lock);
  struct page *new = alloc_thp(zero);
  if(new && !zero)
    memmove(page_address(new), page_address(old), HPAGE_PMD_SIZE);
  acquire(&mm->page_table_lock);
  int err = 0;
  if(*pmd == orig && new){
    page_add_compound_rmap(new);
    *pmd = make_pte(new, vma, write) | PTE_D;
    flush_tlb_range(mm, va & HPAGE_PMD_MASK, (va & HPAGE_PMD_MASK) + HPAGE_PMD_SIZE);
    page_remove_compound_rmap(old);
    if(zero)
      put_huge_zero_page();
    put_page(old);   // the PMD's reference
    count_vm_event(COW_COPY);
    count_vm_event(THP_FAULT_ALLOC);
    new = 0;
  } else if(*pmd == orig){
    __split_huge_pmd_locked(vma, pmd, va & HPAGE_PMD_MASK);
    err = FAULT_FALLBACK;
  }   // else the PMD changed meanwhile: the access is retried
  put_page(old);
  if(new)
    put_page(new);
  return err;
}

// A write (or, with unshare, a read-only pin that needs an exclusive page)
// to a read-only huge PMD of a private region (Linux: do_huge_pmd_wp_page,
// 5.8 on): reuse the huge page if this process may, else split the PMD
// and let the 4 KiB path copy the one page (FAULT_FALLBACK), or copy all
// of it (knob thp_cow_huge, huge_pmd_copy). The huge zero page is never
// reused. page_table_lock held.
static int
do_huge_pmd_wp_page(struct vm_area_struct *vma, uint64 va, pte_t *pmd, int unshare)
{
  struct page *head = pte_page(*pmd);
  if(is_huge_zero_page(head) || !thp_can_reuse(head)){
    if(knob(K_THP_COW_HUGE) && !unshare)
      return huge_pmd_copy(vma, va, pmd, (vma->vm_flags & VM_WRITE) != 0);
    __split_huge_pmd_locked(vma, pmd, va & HPAGE_PMD_MASK);
    return FAULT_FALLBACK;
  }
  count_vm_event(unshare ? UNSHARE_FAULT : COW_FAULT);
  count_vm_event(COW_REUSE);
  if(!unshare)   // dirty, as a forced write into a read-only region needs (FOLL_COW)
    *pmd = make_pte(head, vma, (vma->vm_flags & VM_WRITE) != 0) | PTE_D;
  sfence_vma_page(va);
  return 0;
}

// A fault on a present huge PMD (page_table_lock held): a write to a
// read-only one, or an unshare, goes to do_huge_pmd_wp_page; else only A
// or D was missing (Linux: huge_pmd_set_accessed).
static int
huge_pmd_fault_locked(struct vm_area_struct *vma, uint64 va, pte_t *pmd, int flags)
{
  int write = (flags & FAULT_FLAG_WRITE) != 0;
  if((write && !(*pmd & PTE_W)) || (flags & FAULT_FLAG_UNSHARE))
    return do_huge_pmd_wp_page(vma, va, pmd, !write);
  *pmd |= PTE_A | (write ? PTE_D : 0);
  sfence_vma_page(va);
  return 0;
}

// __handle_mm_fault's first step (Linux: the PMD level of
// __handle_mm_fault), with page_table_lock held: a fault on a huge PMD, or
// on an empty level-1 entry where a huge page may go, is resolved here,
// and the lock is released. FAULT_FALLBACK leaves it to the 4 KiB path,
// with the lock still held and *ptep set to va's PTE, in a page table put
// in place if there was none: a huge PMD cannot appear under it any more.
// 0 if the access may be retried, or a negative errno.
int
huge_pmd_fault(struct vm_area_struct *vma, uint64 va, int flags, pte_t **ptep)
{
  struct mm_struct *mm = vma->vm_mm;
  int err = 0, none = 0;
  pte_t *pmd = walk_pmd(mm->pgd, va, 1);
  if(pmd == 0)
    err = -ENOMEM;
  else if(pmd_trans_huge(*pmd))
    err = huge_pmd_fault_locked(vma, va, pmd, flags);
  else if(*pmd & PTE_V)
    err = FAULT_FALLBACK;
  else if(!thp_vma_suitable(vma, va) || (flags & FAULT_FLAG_UNSHARE))
    err = pte_alloc(pmd);
  else
    none = 1;
  if(none){
    release(&mm->page_table_lock);
    err = do_huge_pmd_anonymous_page(vma, va, (flags & FAULT_FLAG_WRITE) != 0);
    if(err != FAULT_FALLBACK)
      return err;
    // It put a page table in place (page-table pages stay until exit).
    acquire(&mm->page_table_lock);
    pmd = walk_pmd(mm->pgd, va, 0);
  } else if(err != FAULT_FALLBACK){
    release(&mm->page_table_lock);
    return err;
  }
  *ptep = (pte_t *)__va(PTE2PA(*pmd)) + PX(0, va);
  return FAULT_FALLBACK;
}

// fork's copy of the huge PMD at va, if there is one (Linux:
// copy_huge_pmd): the child maps the same huge page, and both PMDs become
// read-only and COW, the page no longer exclusive. A page that fork must
// copy (must_copy: fork_copies_page, a pinned page) is split instead, and
// copy_pte_range copies its pages as it copies small ones
// (FAULT_FALLBACK, as when there is no huge PMD). 0 or -ENOMEM.
int
copy_huge_pmd(struct vm_area_struct *dst, struct vm_area_struct *src, uint64 va,
              int (*must_copy)(struct mm_struct *, struct page *))
{
  struct mm_struct *smm = src->vm_mm, *dmm = dst->vm_mm;
  int err = 0;
  acquire(&smm->page_table_lock);
  pte_t *pmd = walk_pmd(smm->pgd, va, 0);
  if(pmd == 0 || !pmd_trans_huge(*pmd)){
    release(&smm->page_table_lock);
    return FAULT_FALLBACK;
  }
  if(va % HPAGE_PMD_SIZE)
    panic("copy_huge_pmd: %p", (void *)va);
  struct page *head = pte_page(*pmd);
  if(must_copy(smm, head)){
    __split_huge_pmd_locked(src, pmd, va);
    release(&smm->page_table_lock);
    return FAULT_FALLBACK;
  }
  acquire(&dmm->page_table_lock);
  pagetable_t pt = kalloc();
  pte_t *dpmd = pt ? walk_pmd(dmm->pgd, va, 1) : 0;
  if(dpmd){
    if(*pmd & PTE_W)
      *pmd = (*pmd & ~(PTE_W | PTE_D)) | PTE_COW;
    if(PageAnon(head))
      ClearPageAnonExclusive(head);
    if(is_huge_zero_page(head))
      dup_huge_zero_page(head);
    else
      get_page(head);
    page_add_compound_rmap(head);
    *dpmd = *pmd;
    deposit_pgtable(dmm, pt);
  } else {
    if(pt)
      kfree(pt);
    err = -ENOMEM;
  }
  release(&dmm->page_table_lock);
  release(&smm->page_table_lock);
  return err;
}
