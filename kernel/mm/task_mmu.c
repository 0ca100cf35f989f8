// Looking at a process's memory from outside (Linux: fs/proc/task_mmu.c,
// the home of /proc/PID/maps and pagemap): the vmas and pageinfo system
// calls behind the vmmap program.

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../sleeplock.h"
#include "../proc.h"
#include "../fcntl.h"
#include "../vmmap.h"
#include "../defs.h"
#include "../fs.h"
#include "../file.h"

// The address space of process pid (0: the caller), with a reference the
// caller drops with mmput; 0 if there is no such live process.
static struct mm_struct*
get_task_mm(int pid)
{
  struct proc *p = pid ? proc_get(pid) : myproc();
  if(p == 0)
    return 0;
  struct mm_struct *mm = p->mm;
  __atomic_add_fetch(&mm->mm_users, 1, __ATOMIC_SEQ_CST);
  if(pid)
    release(&p->lock);
  return mm;
}

static void
fill_vma_info(struct vm_area_struct *vma, struct vma_info *v)
{
  memset(v, 0, sizeof(*v));
  v->start = vma->vm_start;
  v->end = vma->vm_end;
  v->prot = vma->vm_flags & VM_PROT_MASK;
  v->flags = (vma->vm_flags & VM_SHARED) ? MAP_SHARED : MAP_PRIVATE;
  if(vma->vm_file == 0)
    v->flags |= MAP_ANONYMOUS;
  v->pgoff = vma->vm_pgoff;
  if(vma->vm_file){
    char digits[12];
    int n = 0;
    for(uint i = vma->vm_file->ip->inum; n == 0 || i > 0; i /= 10)
      digits[n++] = '0' + i % 10;
    safestrcpy(v->name, "inode ", sizeof(v->name));
    for(int k = 6; n > 0; )
      v->name[k++] = digits[--n];
  } else
    safestrcpy(v->name, vma->vm_name ? vma->vm_name : (vma->vm_mapping ? "[shmem]" : "[anon]"),
               sizeof(v->name));
}

// The vmas system call: up to max of process pid's regions (0: the
// caller's), in address order. Returns how many, or a negative errno.
int
task_vmas(int pid, uint64 uout, int max)
{
  if(max < 0)
    return -EINVAL;
  struct vma_info *buf = kalloc();
  if(buf == 0)
    return -ENOMEM;
  struct mm_struct *mm = get_task_mm(pid);
  if(mm == 0){
    kfree(buf);
    return -ESRCH;
  }
  int n = 0, cap = PGSIZE / sizeof(*buf);
  mmap_read_lock(mm);
  for(struct vm_area_struct *vma = mm->mmap; vma && n < max && n < cap; vma = vma->vm_next)
    fill_vma_info(vma, &buf[n++]);
  mmap_read_unlock(mm);
  mmput(mm);
  int err = copyout(myproc()->mm->pgd, uout, (char *)buf, n * sizeof(*buf));
  kfree(buf);
  return err < 0 ? err : n;
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
  if(pg->mapping)
    pi->cache = pg->mapping->host ? 1 : 2;
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
