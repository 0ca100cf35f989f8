// User page tables and user memory: mapping, copying between address
// spaces, and page faults (Linux: mm/memory.c).

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../proc.h"
#include "../defs.h"

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

// Remove npages of mappings starting from va; put the pages if do_free.
// Missing mappings are skipped (lazily allocated memory may be untouched).
void
uvmunmap(pagetable_t pagetable, uint64 va, uint64 npages, int do_free)
{
  if((va % PGSIZE) != 0)
    panic("uvmunmap: not aligned");
  uint64 end = va + npages*PGSIZE;
  for(uint64 a = va; a < end; a += PGSIZE){
    pte_t *pte = walk(pagetable, a, 0);
    if(pte == 0){
      // No page table for this 2 MiB: skip it whole (a lazily grown
      // heap can be huge and mostly untouched).
      a = (a | ((1UL << PXSHIFT(1)) - 1)) + 1 - PGSIZE;
      continue;
    }
    if((*pte & PTE_V) == 0)
      continue;
    if(do_free)
      put_page(pfn_to_page(PTE2PA(*pte) >> PGSHIFT));
    *pte = 0;
  }
  // No trap switches page tables here (the kernel half is shared), so
  // this hart may still cache the old translations. Other harts cannot:
  // the scheduler flushes when a process leaves a hart.
  sfence_vma();
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

// Grow process memory from oldsz to newsz with zeroed pages mapped with
// PTE_U|xperm. Returns the new size, or 0 on failure (nothing is left
// allocated then).
uint64
uvmalloc(pagetable_t pagetable, uint64 oldsz, uint64 newsz, int xperm)
{
  if(newsz < oldsz)
    return oldsz;
  if(newsz > MAXVA)
    return 0;
  oldsz = PGROUNDUP(oldsz);
  for(uint64 a = oldsz; a < newsz; a += PGSIZE){
    struct page *pg = alloc_page();
    if(pg == 0 || mappages(pagetable, a, PGSIZE, page_to_phys(pg), PTE_R|PTE_U|xperm) != 0){
      if(pg)
        put_page(pg);
      uvmdealloc(pagetable, a, oldsz);
      return 0;
    }
  }
  return newsz;
}

// Shrink process memory from oldsz to newsz, freeing pages. Returns newsz.
uint64
uvmdealloc(pagetable_t pagetable, uint64 oldsz, uint64 newsz)
{
  if(newsz >= oldsz)
    return oldsz;
  if(PGROUNDUP(newsz) < PGROUNDUP(oldsz)){
    uint64 npages = (PGROUNDUP(oldsz) - PGROUNDUP(newsz)) / PGSIZE;
    uvmunmap(pagetable, PGROUNDUP(newsz), npages, 1);
  }
  return newsz;
}

// Free the page-table pages of the user half; the leaves must be gone.
static void
freewalk(pagetable_t pagetable, int level)
{
  int top = (level == 2) ? 256 : 512;   // never the shared kernel half
  for(int i = 0; i < top; i++){
    pte_t pte = pagetable[i];
    if((pte & PTE_V) == 0)
      continue;
    if(pte & (PTE_R|PTE_W|PTE_X))
      panic("freewalk: leaf");
    freewalk((pagetable_t)__va(PTE2PA(pte)), level - 1);
    pagetable[i] = 0;
  }
  kfree(pagetable);
}

void
uvmfree(pagetable_t pagetable, uint64 sz)
{
  if(sz > 0)
    uvmunmap(pagetable, 0, PGROUNDUP(sz) / PGSIZE, 1);
  freewalk(pagetable, 2);
}

// Copy a parent's memory [0, sz) into a child's page table: page tables
// and pages. Returns 0, or -ENOMEM with nothing left allocated.
int
uvmcopy(pagetable_t old, pagetable_t new, uint64 sz)
{
  for(uint64 va = 0; va < sz; va += PGSIZE){
    pte_t *pte = walk(old, va, 0);
    if(pte == 0 || (*pte & PTE_V) == 0)
      continue;   // not touched yet (lazy sbrk)
    struct page *pg = alloc_page();
    if(pg == 0)
      goto err;
    memmove(page_address(pg), __va(PTE2PA(*pte)), PGSIZE);
    if(mappages(new, va, PGSIZE, page_to_phys(pg), PTE_FLAGS(*pte) & PTE_USER_RWX) != 0){
      put_page(pg);
      goto err;
    }
  }
  return 0;

 err:
  uvmunmap(new, 0, PGROUNDUP(sz) / PGSIZE, 1);
  return -ENOMEM;
}

// Make a page inaccessible to user mode: the stack guard page.
void
uvmclear(pagetable_t pagetable, uint64 va)
{
  pte_t *pte = walk(pagetable, va, 0);
  if(pte == 0)
    panic("uvmclear");
  *pte &= ~PTE_U;
}

// A user page fault, or a kernel access to user memory that found no
// mapping. Memory below p->sz that is not mapped yet was grown lazily
// (sbrklazy): give it a zeroed page. Returns 0 if the access may be retried,
// -EFAULT if it is a bad access.
// The PTE bits an access of this kind needs: permission, then A (and D
// for a store), which harts like the U74 fault on instead of setting.
static uint64
access_bits(uint64 scause)
{
  switch(scause){
  case EXC_STORE_PAGE_FAULT: return PTE_W | PTE_D;
  case EXC_INST_PAGE_FAULT:  return PTE_X;
  default:                   return PTE_R;
  }
}

int
handle_mm_fault(struct proc *p, uint64 va, uint64 scause)
{
  if(va >= p->sz || va >= MAXVA)
    return -EFAULT;
  va = PGROUNDDOWN(va);
  pte_t *pte = walk(p->pagetable, va, 0);
  if(pte && (*pte & PTE_V)){
    uint64 need = access_bits(scause);
    uint64 perm = need & (PTE_R | PTE_W | PTE_X);
    if((*pte & PTE_U) == 0 || (*pte & perm) != perm)
      return -EFAULT;   // not allowed: a guard page, or a write to text
    // Allowed, so only A or D was missing: set them, as hardware would.
    *pte |= PTE_A | (need & PTE_D);
    sfence_vma_page(va);
    return 0;
  }
  struct page *pg = alloc_page();
  if(pg == 0)
    return -ENOMEM;
  if(mappages(p->pagetable, va, PGSIZE, page_to_phys(pg), PTE_R|PTE_W|PTE_U) != 0){
    put_page(pg);
    return -ENOMEM;
  }
  sfence_vma_page(va);   // a hart may have cached the invalid entry
  return 0;
}

// The kernel address of user va in the current process, faulting in a
// lazily grown page; 0 if va is not accessible (with write: writable).
static char*
user_addr(pagetable_t pagetable, uint64 va, int write)
{
  struct proc *p = myproc();
  if(va >= MAXVA)
    return 0;
  for(int tries = 0; tries < 2; tries++){
    pte_t *pte = walk(pagetable, va, 0);
    if(pte && (*pte & (PTE_V|PTE_U)) == (PTE_V|PTE_U)){
      if(write && (*pte & PTE_W) == 0)
        return 0;
      return (char*)__va(PTE2PA(*pte)) + (va % PGSIZE);
    }
    if(p == 0 || p->pagetable != pagetable ||
       handle_mm_fault(p, va, write ? EXC_STORE_PAGE_FAULT : EXC_LOAD_PAGE_FAULT) != 0)
      return 0;
  }
  return 0;
}

// Copy len bytes from kernel src to user dstva. 0 on success, -EFAULT.
int
copyout(pagetable_t pagetable, uint64 dstva, char *src, uint64 len)
{
  while(len > 0){
    char *dst = user_addr(pagetable, dstva, 1);
    if(dst == 0)
      return -EFAULT;
    uint64 n = PGSIZE - (dstva % PGSIZE);
    if(n > len)
      n = len;
    memmove(dst, src, n);
    len -= n;
    src += n;
    dstva += n;
  }
  return 0;
}

// Copy len bytes from user srcva to kernel dst. 0 on success, -EFAULT.
int
copyin(pagetable_t pagetable, char *dst, uint64 srcva, uint64 len)
{
  while(len > 0){
    char *src = user_addr(pagetable, srcva, 0);
    if(src == 0)
      return -EFAULT;
    uint64 n = PGSIZE - (srcva % PGSIZE);
    if(n > len)
      n = len;
    memmove(dst, src, n);
    len -= n;
    dst += n;
    srcva += n;
  }
  return 0;
}

// Copy a NUL-terminated string from user srcva, at most max bytes
// including the NUL. 0 on success, -EFAULT, or -ENAMETOOLONG.
int
copyinstr(pagetable_t pagetable, char *dst, uint64 srcva, uint64 max)
{
  while(max > 0){
    char *src = user_addr(pagetable, srcva, 0);
    if(src == 0)
      return -EFAULT;
    uint64 n = PGSIZE - (srcva % PGSIZE);
    if(n > max)
      n = max;
    for(; n > 0; n--, max--, src++, dst++, srcva++){
      *dst = *src;
      if(*src == 0)
        return 0;
    }
  }
  return -ENAMETOOLONG;
}
