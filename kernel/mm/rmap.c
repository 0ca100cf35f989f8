// Reverse mapping: from a page to the PTEs that map it (Linux: mm/rmap.c).
// For an anonymous page the count is all we need. A page-cache page is
// found through its mapping: every region that maps the file (or shared
// anonymous object) is on mapping->i_mmap, and the page's index tells
// where in that region it would be.

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../sleeplock.h"
#include "../defs.h"
#include "mm_types.h"

// Guards every mapping's i_mmap list. Taken before a page_table_lock.
static struct spinlock i_mmap_spinlock;

void
rmap_init(void)
{
  initlock(&i_mmap_spinlock, "i_mmap");
}

// page_remove_rmap (mm.h) took one mapping too many off pg.
void
mapcount_underflow(struct page *pg)
{
  panic("page_remove_rmap: mapcount underflow on %p", page_address(pg));
}

// One more huge PMD maps the whole compound page head (Linux: the
// compound mapcount): page_mapcount of each of its pages counts it.
void
page_add_compound_rmap(struct page *head)
{
  __atomic_add_fetch(&head->compound_mapcount, 1, __ATOMIC_SEQ_CST);
}

void
page_remove_compound_rmap(struct page *head)
{
  if(__atomic_sub_fetch(&head->compound_mapcount, 1, __ATOMIC_SEQ_CST) < 0)
    panic("page_remove_compound_rmap: mapcount underflow on %p", page_address(head));
}

void
i_mmap_lock(void)
{
  acquire(&i_mmap_spinlock);
}

void
i_mmap_unlock(void)
{
  release(&i_mmap_spinlock);
}

// Put vma on its mapping's list of regions (i_mmap_lock held).
void
vma_link_mapping_locked(struct vm_area_struct *vma)
{
  struct address_space *m = vma->vm_mapping;
  if(m == 0)
    return;
  vma->shared_next = m->i_mmap;
  m->i_mmap = vma;
}

void
vma_link_mapping(struct vm_area_struct *vma)
{
  i_mmap_lock();
  vma_link_mapping_locked(vma);
  i_mmap_unlock();
}

void
vma_unlink_mapping(struct vm_area_struct *vma)
{
  struct address_space *m = vma->vm_mapping;
  if(m == 0)
    return;
  i_mmap_lock();
  struct vm_area_struct **pp = &m->i_mmap;
  while(*pp != vma)
    pp = &(*pp)->shared_next;
  *pp = vma->shared_next;
  i_mmap_unlock();
}

// Where page index of its mapping would be in vma, or 0 if vma does not
// cover it.
static uint64
vma_address(struct vm_area_struct *vma, uint64 index)
{
  if(index < vma->vm_pgoff || index - vma->vm_pgoff >= (vma->vm_end - vma->vm_start) / PGSIZE)
    return 0;
  return vma->vm_start + (index - vma->vm_pgoff) * PGSIZE;
}

// Write-protect every PTE that maps pg, a page-cache page, and flush them
// from every hart, so that the next write through any mapping faults and
// dirties the page again (Linux: page_mkclean; writeback calls it before
// writing). Returns the number of PTEs cleaned.
int
page_mkclean(struct page *pg)
{
  int cleaned = 0;
  i_mmap_lock();
  for(struct vm_area_struct *vma = pg->mapping->i_mmap; vma; vma = vma->shared_next){
    uint64 va = vma_address(vma, pg->index);
    if(va == 0 || !(vma->vm_flags & VM_SHARED))
      continue;   // a private region maps cache pages read-only
    struct mm_struct *mm = vma->vm_mm;
    acquire(&mm->page_table_lock);
    pte_t *pte = walk(mm->pgd, va, 0);
    // PTE_D too: clear_refs may have taken PTE_W away already and left its
    // flush pending, while a hart still writes through a stale entry.
    if(pte && (*pte & PTE_V) && pte_page(*pte) == pg && (*pte & (PTE_W | PTE_D))){
      *pte &= ~(PTE_W | PTE_D);
      flush_tlb_range(mm, va, va + PGSIZE);
      cleaned++;
    }
    release(&mm->page_table_lock);
  }
  i_mmap_unlock();
  return cleaned;
}

// Unmap pages [start, end) of mapping from every region that maps them,
// private copies included (Linux: unmap_mapping_range): the file lost them.
void
unmap_mapping_pages(struct address_space *mapping, uint64 start, uint64 end)
{
  i_mmap_lock();
  for(struct vm_area_struct *vma = mapping->i_mmap; vma; vma = vma->shared_next){
    uint64 npages = (vma->vm_end - vma->vm_start) / PGSIZE;
    uint64 s = start > vma->vm_pgoff ? start : vma->vm_pgoff;
    uint64 e = end < vma->vm_pgoff + npages ? end : vma->vm_pgoff + npages;
    if(s < e)
      zap_page_range(vma, vma->vm_start + (s - vma->vm_pgoff) * PGSIZE,
                     vma->vm_start + (e - vma->vm_pgoff) * PGSIZE);
  }
  i_mmap_unlock();
}
