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
    if(do_free){
      struct page *pg = pte_page(*pte);
      page_remove_rmap(pg);
      put_page(pg);
    }
    *pte = 0;
  }
  // No trap switches page tables here (the kernel half is shared), so
  // this hart may still cache the old translations. Other harts cannot:
  // the scheduler flushes when a process leaves a hart.
  sfence_vma();
}

// An empty address space: a page table sharing the kernel half, no memory.
struct mm_struct*
mm_alloc(void)
{
  struct mm_struct *mm = kalloc();   // a page: room to grow (VMAs, locks)
  if(mm == 0)
    return 0;
  if((mm->pgd = uvmcreate()) == 0){
    kfree(mm);
    return 0;
  }
  mm->brk = 0;
  mm->mm_users = 1;
  return mm;
}

void
mmput(struct mm_struct *mm)
{
  if(__atomic_sub_fetch(&mm->mm_users, 1, __ATOMIC_SEQ_CST) > 0)
    return;
  uvmfree(mm->pgd, mm->brk);
  kfree(mm);
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

// A new zeroed anonymous page: exclusive to the one PTE that will map it.
static struct page*
alloc_anon_page(void)
{
  struct page *pg = alloc_page();
  if(pg){
    SetPageAnon(pg);
    SetPageAnonExclusive(pg);
  }
  return pg;
}

// Map an anonymous page at va and count the mapping.
static int
map_anon_page(pagetable_t pagetable, uint64 va, struct page *pg, int perm)
{
  if(mappages(pagetable, va, PGSIZE, page_to_phys(pg), perm) != 0)
    return -ENOMEM;
  page_add_anon_rmap(pg);
  return 0;
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
    struct page *pg = alloc_anon_page();
    if(pg == 0 || map_anon_page(pagetable, a, pg, PTE_R|PTE_U|xperm) != 0){
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

// fork: give the child the parent's memory [0, sz) by sharing every page,
// not copying it. A writable page becomes read-only and COW in both page
// tables, and no longer exclusive to either process; the first write in
// either one copies it (do_wp_page). Returns 0, or -ENOMEM with nothing
// left mapped in dst. Only page-table pages are allocated.
int
copy_page_range(pagetable_t dst, pagetable_t src, uint64 sz)
{
  for(uint64 va = 0; va < sz; va += PGSIZE){
    pte_t *pte = walk(src, va, 0);
    if(pte == 0){
      va = (va | ((1UL << PXSHIFT(1)) - 1)) + 1 - PGSIZE;   // no table: skip 2 MiB
      continue;
    }
    if((*pte & PTE_V) == 0)
      continue;   // not touched yet (lazy sbrk)
    struct page *pg = pte_page(*pte);
    if(*pte & PTE_W)
      *pte = (*pte & ~(PTE_W | PTE_D)) | PTE_COW;
    ClearPageAnonExclusive(pg);
    if(mappages(dst, va, PGSIZE, page_to_phys(pg), PTE_FLAGS(*pte) & (PTE_USER_RWX | PTE_COW)) != 0){
      uvmunmap(dst, 0, PGROUNDUP(sz) / PGSIZE, 1);
      sfence_vma();
      return -ENOMEM;
    }
    get_page(pg);
    page_add_anon_rmap(pg);
  }
  // The parent runs on this hart and may cache writable translations.
  sfence_vma();
  return 0;
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
// The modern rule (Linux 5.19, PageAnonExclusive): yes if the page is
// known to be exclusive to the faulting process, or if no one else holds
// a reference, in which case it becomes exclusive again.
static int
wp_can_reuse(struct page *pg)
{
  if(!PageAnon(pg))
    return 0;   // the zero page
  if(PageAnonExclusive(pg))
    return 1;
  if(page_count(pg) != 1)
    return 0;
  SetPageAnonExclusive(pg);
  return 1;
}

// A write to a present, COW page: where copy-on-write is resolved
// (Linux: do_wp_page). Reuse the page, or copy it to a new exclusive page
// and drop this process's share of the old one. 0 or -ENOMEM.
static int
do_wp_page(uint64 va, pte_t *pte)
{
  struct page *old = pte_page(*pte);
  uint64 flags = (PTE_FLAGS(*pte) & ~PTE_COW) | PTE_W | PTE_A | PTE_D;

  count_vm_event(COW_FAULT);
  if(wp_can_reuse(old)){
    *pte = PA2PTE(page_to_phys(old)) | flags;
    sfence_vma_page(va);
    count_vm_event(COW_REUSE);
    return 0;
  }
  struct page *new = alloc_anon_page();
  if(new == 0)
    return -ENOMEM;
  if(old != zero_page)   // a new page is zeroed already
    memmove(page_address(new), page_address(old), PGSIZE);
  page_add_anon_rmap(new);
  *pte = PA2PTE(page_to_phys(new)) | flags;
  sfence_vma_page(va);
  page_remove_rmap(old);
  put_page(old);
  count_vm_event(COW_COPY);
  return 0;
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
// mapping. Memory below p->mm->brk that is not mapped yet was grown lazily
// (sbrklazy): give it a zeroed page. Returns 0 if the access may be retried,
// -EFAULT if it is a bad access.
// First touch of lazily grown memory (Linux: do_anonymous_page). A read
// maps the shared zero page read-only and COW; a write gets a new page.
static int
do_anonymous_page(pagetable_t pagetable, uint64 va, uint64 scause)
{
  struct page *pg;
  int perm = PTE_R | PTE_U;

  if(scause == EXC_STORE_PAGE_FAULT){
    if((pg = alloc_anon_page()) == 0)
      return -ENOMEM;
    perm |= PTE_W;
  } else {
    pg = zero_page;
    get_page(pg);
    perm |= PTE_COW;
    count_vm_event(ZERO_PAGE_MAP);
  }
  if(map_anon_page(pagetable, va, pg, perm) != 0){
    put_page(pg);
    return -ENOMEM;
  }
  sfence_vma_page(va);   // a hart may have cached the invalid entry
  return 0;
}

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
  if(va >= p->mm->brk || va >= MAXVA)
    return -EFAULT;
  va = PGROUNDDOWN(va);
  pte_t *pte = walk(p->mm->pgd, va, 0);
  if(pte && (*pte & PTE_V)){
    uint64 need = access_bits(scause);
    uint64 perm = need & (PTE_R | PTE_W | PTE_X);
    if((*pte & PTE_U) && scause == EXC_STORE_PAGE_FAULT && (*pte & (PTE_W | PTE_COW)) == PTE_COW)
      return do_wp_page(va, pte);
    if((*pte & PTE_U) == 0 || (*pte & perm) != perm)
      return -EFAULT;   // not allowed: a guard page, or a write to text
    // Allowed, so only A or D was missing: set them, as hardware would.
    *pte |= PTE_A | (need & PTE_D);
    sfence_vma_page(va);
    return 0;
  }
  return do_anonymous_page(p->mm->pgd, va, scause);
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
    if(pte && (*pte & (PTE_V|PTE_U)) == (PTE_V|PTE_U) && (!write || (*pte & PTE_W)))
      return (char*)__va(PTE2PA(*pte)) + (va % PGSIZE);
    // Not mapped yet, or a write to a COW page: fault it in like user
    // mode would.
    if(p == 0 || p->mm->pgd != pagetable ||
       handle_mm_fault(p, va, write ? EXC_STORE_PAGE_FAULT : EXC_LOAD_PAGE_FAULT) != 0)
      return 0;
  }
  return 0;
}

// Copy len bytes between user address va and the kernel buffer kbuf, to
// user memory if to_user. Returns how many bytes were copied before an
// inaccessible address stopped it (len if none did).
static uint64
copy_user(pagetable_t pagetable, uint64 va, char *kbuf, uint64 len, int to_user)
{
  uint64 done = 0;
  while(done < len){
    char *u = user_addr(pagetable, va + done, to_user);
    if(u == 0)
      break;
    uint64 n = PGSIZE - ((va + done) % PGSIZE);
    if(n > len - done)
      n = len - done;
    if(to_user)
      memmove(u, kbuf + done, n);
    else
      memmove(kbuf + done, u, n);
    done += n;
  }
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
