// get_user_pages and pin_user_pages (Linux: mm/gup.c): the kernel takes
// hold of the frames behind a range of user memory, to read or write them
// later without the page table (a device doing DMA, a pipe holding pages,
// direct I/O).
//
// FOLL_GET takes a plain reference (page_count). FOLL_PIN also counts a
// pin (page_pincount: the compound head's), which says "someone may be writing this frame
// behind the page table's back": fork then copies the page for the child
// instead of sharing it (copy_page_range), and page_maybe_dma_pinned()
// answers from the count. The modern rules (Linux 5.19-6.5):
// - a write GUP breaks COW first: it gets a page exclusive to this process;
// - a read-only pin of an anonymous page that may be shared (not
//   exclusive), and a read-only long-term pin of any other page in a
//   private writable region (the zero page, a page of a private file
//   mapping), first get a page of their own (FAULT_FLAG_UNSHARE), so that
//   later writes by this process land on the pinned frame;
// - FOLL_FORCE (ptrace, /proc/PID/mem) may write through a read-only PTE
//   only in a private region and only to an exclusive anonymous page;
// - FOLL_LONGTERM|FOLL_WRITE pins of shared file mappings are refused:
//   writeback could not track a device's writes (EFAULT);
// - a page under writeback is not handed out for writing until the write
//   to the disk is done (stable pages).
// The fast path (get_user_pages_fast) reads the page table without
// mmap_lock and falls back to the slow path whenever it cannot be sure.

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../proc.h"
#include "../defs.h"

// Take the reference (and pin) that flags ask for, on the page at va.
static void
grab_page(struct mm_struct *mm, struct page *pg, uint64 va, int flags)
{
  race_gup_fast_pin(mm, va);
  get_page(pg);
  if(flags & FOLL_PIN){
    __atomic_add_fetch(page_pincount(pg), 1, __ATOMIC_SEQ_CST);
    mm->has_pinned = 1;
    count_vm_event(NR_FOLL_PIN_ACQUIRED);
    trace_pin(va, pg);
  }
}

// Drop a FOLL_PIN pin (Linux: unpin_user_page).
void
unpin_user_page(struct page *pg)
{
  if(__atomic_sub_fetch(page_pincount(pg), 1, __ATOMIC_SEQ_CST) < 0)
    panic("unpin_user_page: not pinned");
  count_vm_event(NR_FOLL_PIN_RELEASED);
  trace_unpin(pg);
  put_page(pg);
}

int
page_maybe_dma_pinned(struct page *pg)
{
  return __atomic_load_n(page_pincount(pg), __ATOMIC_SEQ_CST) > 0;
}

// May GUP with flags use region vma at all? 0 or -EFAULT.
static int
check_vma_flags(struct vm_area_struct *vma, int flags)
{
  uint vf = vma->vm_flags;
  if(flags & FOLL_WRITE){
    if(!(vf & VM_WRITE)){
      // FOLL_FORCE writes only into private regions that could be made
      // writable: a COW copy, never the file or the shared page.
      if(!(flags & FOLL_FORCE) || (vf & VM_SHARED) || !(vf & VM_MAYWRITE))
        return -EFAULT;
    }
    if((flags & FOLL_LONGTERM) && (vf & VM_SHARED) && vma->vm_file &&
       !knob(K_LONGTERM_FILE_WRITE_PIN))
      return -EFAULT;   // a file page needing dirty tracking (Linux 6.5)
  } else if(!(vf & (VM_READ | VM_WRITE)) && !(flags & FOLL_FORCE)){
    return -EFAULT;     // PROT_NONE, or execute-only
  }
  return 0;
}

// Must a read-only pin of pg in vma get a page of its own first (an
// unshare fault), so that it keeps seeing the process's memory after the
// process's next write? Only where that write would replace the page: in
// a private region. GUP-fast asks with vma 0: it knows no region, and
// leaves every page it cannot judge to the slow path. History:
// - ro_pin_unshares (5.19, a7f226604170): an anonymous page that may be
//   shared (not PageAnonExclusive), for every pin.
// - ro_longterm_unshares_any (6.2, 84209e87c696 and 8d6a0ac09a16): for a
//   long-term pin also any page that is not anonymous, a page-cache page
//   of a private file mapping or the shared zero page; the process's
//   first write would copy it. A short-term pin (O_DIRECT) does not care
//   about later writes.
static int
must_unshare(struct vm_area_struct *vma, struct page *pg, int flags)
{
  if(!(flags & FOLL_PIN) || (flags & FOLL_WRITE) || (vma && !is_cow_mapping(vma->vm_flags)))
    return 0;
  if(!PageAnon(pg))
    return (flags & FOLL_LONGTERM) && knob(K_RO_LONGTERM_UNSHARES_ANY);
  return knob(K_RO_PIN_UNSHARES) && !PageAnonExclusive(pg);
}

// May a FOLL_FORCE write (ptrace, memwrite) go through the read-only PTE
// of pg? Only in a region without PROT_WRITE, after the COW fault made the
// page a private copy. How a retry knows that is history (knob foll_cow):
// 0: before 4.8.3, it does not ask: after the COW fault, the retry drops
//    FOLL_WRITE (see __get_user_pages), the Dirty COW bug;
// 1: 4.9-5.19, FOLL_COW: the PTE is dirty, which only the COW copy is;
// 2: 6.0, the page is anonymous and exclusive.
static int
force_write_ok(struct vm_area_struct *vma, struct page *pg, pte_t pte, int flags)
{
  if(!(flags & FOLL_FORCE) || (vma->vm_flags & VM_WRITE))
    return 0;
  switch(knob(K_FOLL_COW)){
  case 0:  return 0;
  case 1:  return (flags & FOLL_COW) && (pte & PTE_D);
  default: return PageAnon(pg) && PageAnonExclusive(pg);
  }
}

// 5.8 (17839856fd58, knob gup_read_breaks_cow): a read GUP of a COW page
// breaks COW first, as a write would, so that the page it takes is the
// process's own. A COW page is a read-only PTE in a private writable
// region. GUP-fast (vma 0) has no region to look at: it leaves every
// read-only PTE to the slow path.
static int
gup_read_breaks_cow(struct vm_area_struct *vma, pte_t pte, int flags)
{
  return knob(K_GUP_READ_BREAKS_COW) && !(flags & FOLL_WRITE) && !(pte & PTE_W) &&
         (vma == 0 || (vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE);
}

// The page at va, grabbed as flags say, if the PTE allows it as it is;
// else 0 with *fault set to the fault that would make it so. A page under
// writeback that a write wants comes back with *fault = -1 and a plain
// reference: wait for it, drop it, look again. page_table_lock held.
static struct page*
follow_page(struct vm_area_struct *vma, uint64 va, int flags, int *fault)
{
  int huge;
  pte_t *pte = walk_leaf(vma->vm_mm->pgd, va, &huge);   // a PTE or a huge PMD
  *fault = (flags & FOLL_WRITE) ? FAULT_FLAG_WRITE : 0;
  if(pte == 0 || (*pte & PTE_V) == 0)
    return 0;
  // A huge PMD's page is the compound head, whose flags stand for the
  // whole page; the page of va is taken below (Linux: follow_trans_huge_pmd).
  struct page *pg = pte_page(*pte);
  if((flags & FOLL_WRITE) && !(*pte & PTE_W) && !force_write_ok(vma, pg, *pte, flags))
    return 0;
  if(gup_read_breaks_cow(vma, *pte, flags)){
    *fault = FAULT_FLAG_WRITE;
    return 0;
  }
  if(must_unshare(vma, pg, flags)){
    *fault = FAULT_FLAG_UNSHARE;
    return 0;
  }
  if(huge){
    touch_pmd(pte, flags);   // huge_memory.c
    pg += PX(0, va);
  }
  if((flags & FOLL_WRITE) && PageWriteback(pg) && knob(K_GUP_WAITS_WRITEBACK)){
    *fault = -1;
    get_page(pg);
    return pg;
  }
  grab_page(vma->vm_mm, pg, va, flags);
  return pg;
}

// The region of va, in *vma, if GUP with flags may use it: 0 or -EFAULT.
static int
gup_vma(struct mm_struct *mm, uint64 va, int flags, struct vm_area_struct **vma)
{
  *vma = find_vma(mm, va);
  return (*vma == 0 || va < (*vma)->vm_start) ? -EFAULT : check_vma_flags(*vma, flags);
}

// The slow path: mmap_lock held for reading. Fills pages[0..npages) for
// the pages from start, faulting them in as needed. Returns npages, or a
// negative errno with nothing held. With FOLL_UNLOCKABLE a fault on a
// userfaultfd range waits for the monitor, dropping mmap_lock meanwhile
// (Linux: the caller passed `locked'); without it, such a fault fails
// with EFAULT (access_remote_vm, as Linux's /proc/PID/mem).
int
__get_user_pages(struct mm_struct *mm, uint64 start, int npages, int flags, struct page **pages)
{
  int iflags = flags;
  int retry = (flags & FOLL_UNLOCKABLE) ? FAULT_FLAG_ALLOW_RETRY : 0;
  for(int i = 0; i < npages; i++){
    uint64 va = start + (uint64)i * PGSIZE;
    struct vm_area_struct *vma;
    int err = gup_vma(mm, va, flags, &vma);
    int delayed = 0;
    while(err == 0){
      // A fault that does not make the PTE allow the access would loop
      // here forever; a kill at least ends it (Linux: fatal_signal_pending).
      if(killed(myproc())){
        err = -EINTR;
        break;
      }
      int fault;
      acquire(&mm->page_table_lock);
      pages[i] = follow_page(vma, va, flags, &fault);
      release(&mm->page_table_lock);
      if(pages[i] && fault == -1){
        count_vm_event(GUP_WRITEBACK_WAIT);
        wait_on_page_writeback(pages[i]);
        put_page(pages[i]);
      } else if(pages[i])
        break;
      else if((err = __handle_mm_fault(vma, va, fault | retry)) == VM_FAULT_RETRY){
        // It waited for userfaultfd's monitor without mmap_lock: the
        // region may have changed or gone meanwhile.
        mmap_read_lock(mm);
        err = gup_vma(mm, va, flags, &vma);
      } else if(err == 0 && (flags & FOLL_FORCE) &&
              (fault & FAULT_FLAG_WRITE) && !(vma->vm_flags & VM_WRITE)){
        // The COW fault is done; the retry must still find the copy.
        if(knob(K_FOLL_COW) == 0)
          flags &= ~FOLL_WRITE;   // Dirty COW: any page will do now
        else
          flags |= FOLL_COW;
        if(!delayed++)
          race_delay(1);   // the window a racing MADV_DONTNEED needs (once: then it may win)
      }
    }
    trace_gup_slow(va, flags, err, err ? 0 : pages[i]);
    flags = iflags;
    if(err){
      release_pages(pages, i, flags);
      return err;
    }
    count_vm_event(GUP_SLOW_PAGES);
  }
  return npages;
}

// Fault [start, end) in as a read (write) of each page would, without the
// access itself: MADV_POPULATE_READ and MADV_POPULATE_WRITE (Linux 5.14,
// faultin_page_range). A read maps the zero page in untouched anonymous
// memory and reads a file's pages in; a write allocates, breaks COW as
// any write does, and dirties shared file pages. mmap_lock held for
// reading (a userfaultfd range waits for its monitor, dropping it
// meanwhile). Stops at the first failure, the pages before it populated:
// ENOMEM at a hole (or out of memory), EINVAL for a region that does not
// allow the access, EFAULT where the access would be a bad one (a page
// past the end of a file), EINTR if killed. 0 if all were populated.
int
faultin_page_range(struct mm_struct *mm, uint64 start, uint64 end, int write)
{
  int flags = FOLL_GET | FOLL_UNLOCKABLE | (write ? FOLL_WRITE : 0);
  for(uint64 va = start; va < end; va += PGSIZE){
    struct vm_area_struct *vma = find_vma(mm, va);
    if(vma == 0 || va < vma->vm_start)
      return -ENOMEM;
    if(check_vma_flags(vma, flags))
      return -EINVAL;
    struct page *pg;
    int err = __get_user_pages(mm, va, 1, flags, &pg);
    if(err < 0)
      return (err == -EFAULT || err == -EINTR) ? err : -ENOMEM;
    put_page(pg);
  }
  return 0;
}

// Drop what GUP took on pages[0..n).
void
release_pages(struct page **pages, int n, int flags)
{
  for(int i = 0; i < n; i++){
    if(flags & FOLL_PIN)
      unpin_user_page(pages[i]);
    else
      put_page(pages[i]);
  }
}

static int
gup_locked(struct mm_struct *mm, uint64 start, int npages, int flags, struct page **pages)
{
  mmap_read_lock(mm);
  int r = __get_user_pages(mm, start, npages, flags | FOLL_UNLOCKABLE, pages);
  mmap_read_unlock(mm);
  return r;
}

// One page without mmap_lock: only the simple case, a present anonymous
// page that the PTE already allows (writable for a write; exclusive for a
// read-only pin), not under writeback for a write. Anything else, and a
// fork or a change of the PTE meanwhile, is left to the slow path. What
// can change under us is checked only once the page is held.
static struct page*
gup_fast_one(struct mm_struct *mm, uint64 va, int flags, int *huge)
{
  race_gup_fast_fork(mm, va, flags);   // gup_fast_fork's window (race.c)
  // A huge PMD: pg is its compound head, whose flags stand for the whole
  // huge page; the caller takes the page of va (Linux: gup_huge_pmd).
  pte_t *ptep = walk_leaf(mm->pgd, va, huge);
  if(ptep == 0)
    return 0;
  pte_t pte = __atomic_load_n(ptep, __ATOMIC_SEQ_CST);
  if((pte & (PTE_V | PTE_U)) != (PTE_V | PTE_U) || ((flags & FOLL_WRITE) && !(pte & PTE_W)))
    return 0;
  struct page *pg = pte_page(pte);
  if(!PageAnon(pg) || ((flags & FOLL_WRITE) && PageWriteback(pg)) ||
     gup_read_breaks_cow(0, pte, flags))
    return 0;
  race_gup_fast_grab(mm, pte, pg, flags);
  // fork_gup_fast_seq (5.11, 57efa1fe5957): fork may be write-protecting
  // this mm right now (odd count), or begin to.
  int seqcheck = knob(K_FORK_GUP_FAST_SEQ);
  uint seq = __atomic_load_n(&mm->write_protect_seq, __ATOMIC_SEQ_CST);
  if(seqcheck && (seq & 1))
    return 0;
  grab_page(mm, pg, va, flags);
  // The PTE must not have changed, nor may a fork have begun, since we
  // looked: fork decides whether to copy a page by its pin count, which
  // it may have read before our pin.
  if(__atomic_load_n(ptep, __ATOMIC_SEQ_CST) != pte ||
     (seqcheck && __atomic_load_n(&mm->write_protect_seq, __ATOMIC_SEQ_CST) != seq)){
    release_pages(&pg, 1, flags);
    return 0;
  }
  // A page a read-only pin must not take as it is: left to the slow path
  // to unshare. Asked only now: before the pin counted, a fork could share
  // the page and clear its exclusive bit without changing a read-only PTE,
  // and from now on fork copies the page instead.
  if(must_unshare(0, pg, flags)){
    release_pages(&pg, 1, flags);
    return 0;
  }
  return pg;
}

static int
gup_fast(uint64 start, int npages, int flags, struct page **pages)
{
  struct mm_struct *mm = myproc()->mm;
  int n = 0;
  if(start >= MAXVA || start + (uint64)npages * PGSIZE > MAXVA)
    return -EFAULT;
  // Page-table pages are freed only with the mm, which we are using: the
  // walk needs no lock.
  for(; n < npages; n++){
    uint64 va = start + (uint64)n * PGSIZE;
    int huge;
    if((pages[n] = gup_fast_one(mm, va, flags, &huge)) == 0)
      break;
    pages[n] += huge ? PX(0, va) : 0;
    count_vm_event(GUP_FAST_PAGES);
  }
  trace_gup_fast(start, npages, flags, n);
  if(n == npages)
    return n;
  count_vm_event(GUP_FAST_FALLBACK);
  int r = gup_locked(mm, start + (uint64)n * PGSIZE, npages - n, flags, pages + n);
  if(r < 0){
    release_pages(pages, n, flags);
    return r;
  }
  return npages;
}

int
get_user_pages_fast(uint64 start, int npages, int flags, struct page **pages)
{
  return gup_fast(start, npages, flags | FOLL_GET, pages);
}

int
pin_user_pages_fast(uint64 start, int npages, int flags, struct page **pages)
{
  return gup_fast(start, npages, flags | FOLL_PIN, pages);
}

// Read or write n bytes at va of another address space (or one's own),
// the way ptrace and /proc/PID/mem do (Linux: access_remote_vm): through
// GUP with FOLL_FORCE, so a read-only private mapping gets a COW copy
// written, never the file behind it (unless knob foll_cow says 4.8).
// Returns the bytes moved before an inaccessible page stopped it.
int
access_remote_vm(struct mm_struct *mm, uint64 va, char *buf, int n, int write)
{
  int done = 0;
  mmap_read_lock(mm);
  while(done < n){
    uint64 a = va + done;
    int off = a % PGSIZE, c = PGSIZE - off < n - done ? PGSIZE - off : n - done;
    struct page *pg;
    if(a >= MAXVA || __get_user_pages(mm, a - off, 1, FOLL_FORCE | FOLL_GET | (write ? FOLL_WRITE : 0), &pg) < 0)
      break;
    if(write){
      memmove((char *)page_address(pg) + off, buf + done, c);
      set_page_dirty(pg);   // if it is the file's own page, write it back
    } else
      memmove(buf + done, (char *)page_address(pg) + off, c);
    put_page(pg);
    done += c;
  }
  mmap_read_unlock(mm);
  return done;
}
