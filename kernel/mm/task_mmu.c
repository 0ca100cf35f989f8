// Looking at a process's memory from outside (Linux: fs/proc/task_mmu.c,
// the home of /proc/PID/maps and pagemap): the vmas and pageinfo system
// calls behind the vmmap program.

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../proc.h"
#include "../fcntl.h"
#include "../vmmap.h"
#include "../defs.h"

// The process's memory regions. Until processes have VMAs (mmap), the
// whole of [0, sz) is one private anonymous region: text, data, stack
// and heap, as xv6 lays them out.
int
task_vmas(int pid, uint64 uout, int max)
{
  struct vma_info v;
  struct proc *p = pid ? proc_get(pid) : myproc();

  if(p == 0)
    return -ESRCH;
  memset(&v, 0, sizeof(v));
  v.start = 0;
  v.end = PGROUNDUP(p->mm->brk);
  if(pid)
    release(&p->lock);
  v.prot = PROT_READ | PROT_WRITE | PROT_EXEC;
  v.flags = MAP_PRIVATE | MAP_ANONYMOUS;
  safestrcpy(v.name, "[xv6 image]", sizeof(v.name));
  if(max < 1)
    return max < 0 ? -EINVAL : 0;
  if(copyout(myproc()->mm->pgd, uout, (char *)&v, sizeof(v)) < 0)
    return -EFAULT;
  return 1;
}

static void
fill_page_info(pagetable_t pt, uint64 va, struct page_info *pi)
{
  memset(pi, 0, sizeof(*pi));
  pi->va = va;
  pte_t *pte = walk(pt, va, 0);
  if(pte == 0 || (*pte & PTE_V) == 0)
    return;
  pi->pte = *pte;
  pi->pfn = PTE2PA(*pte) >> PGSHIFT;
  if(!pfn_valid(pi->pfn))
    return;
  struct page *pg = pfn_to_page(pi->pfn);
  pi->refcount = page_count(pg);
  pi->mapcount = page_mapcount(pg);
  pi->pincount = pg->pincount;
  pi->flags = pg->flags;
  pi->zero = pg == zero_page;
}

// Describe npages pages from va in process pid (0: the caller). Returns
// the number described. The target is held (p->lock) so it cannot exit
// and free its page table meanwhile; the result is copied out after.
int
task_pageinfo(int pid, uint64 va, int npages, uint64 uout)
{
  if(npages < 0 || npages > PAGEINFO_MAX || va % PGSIZE)
    return -EINVAL;
  if(va >= MAXVA || va + (uint64)npages * PGSIZE > MAXVA)
    return -EINVAL;

  struct page_info *buf = kalloc();   // PAGEINFO_MAX records fit a page
  if(buf == 0)
    return -ENOMEM;
  struct proc *p = pid ? proc_get(pid) : myproc();
  if(p == 0){
    kfree(buf);
    return -ESRCH;
  }
  for(int i = 0; i < npages; i++)
    fill_page_info(p->mm->pgd, va + (uint64)i * PGSIZE, &buf[i]);
  if(pid)
    release(&p->lock);
  int err = copyout(myproc()->mm->pgd, uout, (char *)buf, npages * sizeof(*buf));
  kfree(buf);
  return err < 0 ? err : npages;
}
