// Looking at a process's memory from outside (Linux: fs/proc/task_mmu.c,
// the home of /proc/PID/maps, pagemap and clear_refs): the vmas and
// pageinfo system calls behind the vmmap program, and soft-dirty tracking
// (clear_refs, pagemap) behind the softdirty program.

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
struct mm_struct*
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

// get_task_mm for a call that changes process pid's memory (memwrite,
// clear_refs): as Linux with Yama's ptrace_scope 1, only the caller's own
// process or one of its descendants. The mm, or 0 with *err set to -ESRCH
// or -EPERM.
static struct mm_struct*
get_task_mm_attach(int pid, int *err)
{
  struct mm_struct *mm = get_task_mm(pid);
  *err = -ESRCH;
  if(mm && pid && !is_descendant(pid)){
    mmput(mm);
    mm = 0;
    *err = -EPERM;
  }
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

// The start of a system call that reports on process pid: a page for the
// answer, and pid's mm with mmap_lock held for reading. 0 or an errno.
static int
task_begin(int pid, void **buf, struct mm_struct **mm)
{
  if((*buf = kalloc()) == 0)
    return -ENOMEM;
  if((*mm = get_task_mm(pid)) == 0){
    kfree(*buf);
    return -ESRCH;
  }
  mmap_read_lock(*mm);
  return 0;
}

// ... and its end: let mm go, copy n records of size bytes to user uout.
// Returns n, or -EFAULT.
static int
task_end(struct mm_struct *mm, void *buf, uint64 uout, int n, int size)
{
  mmap_read_unlock(mm);
  mmput(mm);
  int err = copyout(myproc()->mm->pgd, uout, buf, n * size);
  kfree(buf);
  return err < 0 ? err : n;
}

// The vmas system call: up to max of process pid's regions (0: the
// caller's), in address order. Returns how many, or a negative errno.
int
task_vmas(int pid, uint64 uout, int max)
{
  struct vma_info *buf;
  struct mm_struct *mm;
  if(max < 0)
    return -EINVAL;
  int n = 0, cap = PGSIZE / sizeof(*buf), err = task_begin(pid, (void **)&buf, &mm);
  if(err)
    return err;
  for(struct vm_area_struct *vma = mm->mmap; vma && n < max && n < cap; vma = vma->vm_next)
    fill_vma_info(vma, &buf[n++]);
  return task_end(mm, buf, uout, n, sizeof(*buf));
}

// A page mapped by a huge PMD shows the PMD, its own frame, and the
// compound head's flags, which stand for the whole huge page.
static void
fill_page_info(pagetable_t pt, uint64 va, struct page_info *pi)
{
  memset(pi, 0, sizeof(*pi));
  pi->va = va;
  pte_t *pte = walk_leaf(pt, va, &pi->huge);
  if(pte == 0 || (*pte & PTE_V) == 0)
    return;
  pi->pte = *pte;
  pi->pfn = (PTE2PA(*pte) >> PGSHIFT) + (pi->huge ? PX(0, va) : 0);
  if(!pfn_valid(pi->pfn))
    return;
  struct page *pg = pfn_to_page(pi->pfn);
  pi->refcount = page_count(pg);
  pi->mapcount = page_mapcount(pg);
  pi->pincount = *page_pincount(pg);
  _Static_assert(PI_WRITEBACK == 1 << PG_writeback && PI_ANON_EXCLUSIVE == 1 << PG_anon_exclusive,
                 "vmmap.h's PI_* are the PG_* bits");
  pi->flags = pte_page(pi->pte)->flags;
  pi->zero = pg == zero_page || is_huge_zero_page(pg);
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

// Soft-dirty (Linux: Documentation/admin-guide/mm/soft-dirty.rst). A PTE's
// PTE_SOFT_DIRTY bit is set whenever a write makes it writable (make_pte);
// a region is soft-dirty as a whole when it is new (VM_SOFTDIRTY).
// clear_refs(pid, CLEAR_REFS_SOFT_DIRTY) clears both and write-protects
// every PTE, so that the next write to any page faults and sets the bit
// again.
//
// But for a page a device may be writing (Linux 5.11, 9348b73c2e1b): if
// its PTE is writable in a COW mapping, write-protecting it would make the
// process's next write fault, and under the refcount rule the pin's
// reference makes that fault copy the page: the process would move away
// from the frame the device writes. So clear_refs leaves such a PTE as it
// is, writable and soft-dirty. Soft-dirty could not track the page anyway
// (the device writes it without faults), so "maybe written" is the honest
// answer. Only a pin says "a device may write this" (page_maybe_dma_pinned):
// a page has other references too (vmsplice's, a fork child's), and
// skipping every such page would blind the tracker. A GUP user that writes
// the page behind the page table must pin it (O_DIRECT: knob dio_pins).
// A read-only PTE faults on the next write anyway: clear_refs cleans it
// like any other.

// May a device be writing the page of this writable PTE? has_pinned first:
// it spares the pin count of every page of a process that never pinned,
// but it says nothing about this page.
static int
pte_is_pinned(struct vm_area_struct *vma, pte_t pte)
{
  if(!(pte & PTE_W) || !is_cow_mapping(vma->vm_flags))
    return 0;
  if(!vma->vm_mm->has_pinned)
    return 0;
  return page_maybe_dma_pinned(pte_page(pte));
}

static void
clear_soft_dirty_pte(struct vm_area_struct *vma, uint64 va, pte_t *pte, void *arg)
{
  if(knob(K_CLEAR_REFS_SKIPS_PINNED) && pte_is_pinned(vma, *pte))
    return;
  *pte &= ~(PTE_SOFT_DIRTY | PTE_W);
  if((vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
    *pte |= PTE_COW;   // the next write resolves in do_wp_page (reusing the page)
  trace_clear_refs_wp(va, *pte);
}

int
task_clear_refs(int pid, int mode)
{
  if(mode != CLEAR_REFS_SOFT_DIRTY)
    return -EINVAL;
  int err;
  struct mm_struct *mm = get_task_mm_attach(pid, &err);
  if(mm == 0)
    return err;
  // The TLB flush is deferred to the end: until then mm says a flush is
  // pending (wp_page_copy looks), and other harts may still write through
  // stale writable TLB entries. A write fault that copies a page meanwhile
  // loses their writes (stale_tlb). Since 5.11-rc4 (29a951dfb3c3, knob
  // clear_refs_mmap_write) clear_refs holds mmap_lock for writing, so no
  // fault runs until the flush is done; before, for reading. The region
  // flag is cleared atomically: under the read lock another clear_refs may
  // run at once.
  int exclusive = knob(K_CLEAR_REFS_MMAP_WRITE);
  if(exclusive)
    mmap_write_lock(mm);
  else
    mmap_read_lock(mm);
  uint64 faults = race_wp_faults();
  __atomic_add_fetch(&mm->tlb_flush_pending, 1, __ATOMIC_SEQ_CST);
  trace_tlb_flush_deferred(mm, 0);
  for(struct vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next){
    __atomic_fetch_and(&vma->vm_flags, ~VM_SOFTDIRTY, __ATOMIC_SEQ_CST);
    walk_page_range(vma, vma->vm_start, vma->vm_end, clear_soft_dirty_pte,
                    clear_soft_dirty_pte, 0);   // a huge PMD takes the same bits
  }
  if(!exclusive)   // under the write lock no fault can come
    race_clear_refs(faults);   // stale_tlb's window (race.c)
  flush_tlb_range(mm, 0, MAXVA);
  __atomic_sub_fetch(&mm->tlb_flush_pending, 1, __ATOMIC_SEQ_CST);
  trace_tlb_flush_deferred(mm, 1);
  if(exclusive)
    mmap_write_unlock(mm);
  else
    mmap_read_unlock(mm);
  mmput(mm);
  return 0;
}

// One pagemap entry, in Linux's layout (PM_* in vmmap.h; Linux:
// Documentation/admin-guide/mm/pagemap.rst).
static uint64
pagemap_entry(struct mm_struct *mm, uint64 va)
{
  struct vm_area_struct *vma = find_vma(mm, va);
  if(vma == 0 || va < vma->vm_start)
    return 0;
  uint64 e = (vma->vm_flags & VM_SOFTDIRTY) ? PM_SOFT_DIRTY : 0;
  int huge;
  pte_t *pte = walk_leaf(mm->pgd, va, &huge);   // a huge PMD: each of its pages
  if(pte == 0 || (*pte & PTE_V) == 0)
    return e;
  struct page *pg = pte_page(*pte) + (huge ? PX(0, va) : 0);
  e |= PM_PRESENT | PM_PFN(page_to_pfn(pg));
  if(*pte & PTE_SOFT_DIRTY)
    e |= PM_SOFT_DIRTY;
  if(*pte & PTE_UFFD_WP)
    e |= PM_UFFD_WP;
  if(pg == zero_page || is_huge_zero_page(pg))
    return e;   // not a page of anyone's (Linux: vm_normal_page is NULL)
  if(page_mapcount(pg) == 1)
    e |= PM_MMAP_EXCLUSIVE;
  if(!PageAnon(pg))
    e |= PM_FILE;   // a page-cache page: of a file or of shared anonymous memory
  return e;
}

// pagemap(pid, va, npages, out): npages entries (at most PAGEMAP_MAX) for
// the pages from va of process pid (0: the caller). npages or an errno.
int
task_pagemap(int pid, uint64 va, int npages, uint64 uout)
{
  uint64 *buf;
  struct mm_struct *mm;
  if(va % PGSIZE || npages < 0 || npages > PAGEMAP_MAX ||
     va >= MAXVA || (uint64)npages * PGSIZE > MAXVA - va)
    return -EINVAL;
  int err = task_begin(pid, (void **)&buf, &mm);
  if(err)
    return err;
  acquire(&mm->page_table_lock);
  for(int i = 0; i < npages; i++)
    buf[i] = pagemap_entry(mm, va + (uint64)i * PGSIZE);
  release(&mm->page_table_lock);
  return task_end(mm, buf, uout, npages, sizeof(uint64));
}

// memwrite(pid, va, buf, n): write n bytes (at most a page) from the
// caller's buf into process pid's memory at va (pid 0: the caller's own)
// with FOLL_FORCE, as /proc/PID/mem does: read-only private mappings get
// a COW copy written. Returns the bytes written, or -EINVAL, -ESRCH,
// -EPERM (not the caller's or a descendant's), -EFAULT (buf bad, or
// nothing could be written), -ENOMEM.
int
task_memwrite(int pid, uint64 va, uint64 ubuf, int n)
{
  if(n < 0 || n > PGSIZE)
    return -EINVAL;
  char *buf = kalloc();
  if(buf == 0)
    return -ENOMEM;
  int r = copyin(myproc()->mm->pgd, buf, ubuf, n);
  struct mm_struct *mm = r < 0 ? 0 : get_task_mm_attach(pid, &r);
  if(mm){
    r = access_remote_vm(mm, va, buf, n, 1);
    if(r == 0 && n > 0)
      r = -EFAULT;
    mmput(mm);
  }
  kfree(buf);
  return r;
}
