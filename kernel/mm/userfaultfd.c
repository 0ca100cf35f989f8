// userfaultfd: page faults handled by a user-space monitor (Linux:
// fs/userfaultfd.c and mm/userfaultfd.c; the interface is Linux's, in
// userfaultfd.h, described by Documentation/admin-guide/mm/userfaultfd.rst).
//
// userfaultfd() gives a descriptor for the caller's address space. The
// monitor registers ranges of private anonymous memory with it
// (UFFDIO_REGISTER): with MISSING, a fault on a page that is not there,
// with WP, a write to a page the monitor write-protected
// (UFFDIO_WRITEPROTECT, the PTE's uffd-wp bit), goes to the monitor: the
// faulting thread queues a struct uffd_msg and sleeps; read() on the
// descriptor returns the message; the monitor resolves the fault
// (UFFDIO_COPY or UFFDIO_ZEROPAGE fill the page, UFFDIO_WRITEPROTECT
// un-protects it) and that wakes the thread (or UFFDIO_WAKE does), which
// takes the fault again. A sleeping fault holds no mmap_lock, so the
// monitor (often a thread of the same process) can take it.
//
// Closing the descriptor (the last reference, at the latest when every
// process holding it has exited) releases every waiting fault and
// unregisters the ranges. fork gives the child's regions no registration
// and its PTEs no uffd-wp bit: Linux does that unless the monitor asked for
// UFFD_FEATURE_EVENT_FORK, which cowpin does not have.

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../sleeplock.h"
#include "../proc.h"
#include "../fcntl.h"
#include "../defs.h"
#include "../fs.h"
#include "../file.h"
#include "../userfaultfd.h"

#define UFFD_API_FEATURES (UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_THREAD_ID)
#define UFFD_FEATURE_INITIALIZED (1u << 31)   // UFFDIO_API was done (Linux's bit)
#define VM_UFFD_FLAGS (VM_UFFD_MISSING | VM_UFFD_WP)

// A fault waiting for the monitor. It lives on the faulting thread's stack.
struct userfaultfd_wait_queue {
  struct uffd_msg msg;
  int reported;      // read() has returned msg; ctx->lock
  int woken;         // resolved or released: take the fault again; ctx->lock
  struct userfaultfd_wait_queue *next;   // ctx->lock
};

struct userfaultfd_ctx {
  struct spinlock lock;
  struct userfaultfd_wait_queue *faults;   // waiting, oldest first; lock
  int released;        // the descriptor is closed: faults no longer wait; lock
  int refs;            // the file's, and one per waiting fault; lock
  uint features;       // UFFD_FEATURE_* | UFFD_FEATURE_INITIALIZED, set once (atomic)
  int flags;           // userfaultfd()'s O_NONBLOCK, UFFD_USER_MODE_ONLY; fixed
  struct mm_struct *mm; // whose faults (a reference to the struct: mmgrab); fixed
};

static void
userfaultfd_ctx_put(struct userfaultfd_ctx *ctx)
{
  acquire(&ctx->lock);
  int last = --ctx->refs == 0;
  release(&ctx->lock);
  if(last){
    mmdrop(ctx->mm);
    kfree(ctx);
  }
}

// A user of mm's memory, unless its last user is gone already (Linux:
// mmget_not_zero): the monitor may outlive the process it serves.
static int
mmget_not_zero(struct mm_struct *mm)
{
  int n = __atomic_load_n(&mm->mm_users, __ATOMIC_SEQ_CST);
  while(n > 0)
    if(__atomic_compare_exchange_n(&mm->mm_users, &n, n + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
      return 1;
  return 0;
}

static int
initialized(struct userfaultfd_ctx *ctx)
{
  return __atomic_load_n(&ctx->features, __ATOMIC_SEQ_CST) & UFFD_FEATURE_INITIALIZED;
}

// userfaultfd(flags): a descriptor for the faults of the caller's
// address space. flags: O_NONBLOCK, UFFD_USER_MODE_ONLY.
uint64
sys_userfaultfd(void)
{
  int flags;
  argint(0, &flags);
  if(flags & ~(O_NONBLOCK | UFFD_USER_MODE_ONLY))
    return -EINVAL;
  struct userfaultfd_ctx *ctx = kalloc();
  if(ctx == 0)
    return -ENOMEM;
  struct file *f = filealloc();
  if(f == 0){
    kfree(ctx);
    return -ENFILE;
  }
  memset(ctx, 0, sizeof(*ctx));
  initlock(&ctx->lock, "userfaultfd");
  ctx->refs = 1;
  ctx->flags = flags;
  ctx->mm = myproc()->mm;
  mmgrab(ctx->mm);
  f->type = FD_UFFD;
  f->uffd = ctx;
  f->readable = f->writable = 1;   // O_RDWR, as Linux's; write() is EINVAL
  int fd = fdalloc(f);
  if(fd < 0)
    fileclose(f);
  return fd;
}

// Is vma a region userfaultfd can take? Only private anonymous memory.
static int
vma_can_userfault(struct vm_area_struct *vma)
{
  return vma->vm_mapping == 0 && !(vma->vm_flags & VM_SHARED);
}

// The fault at va (page_table_lock held, pte its PTE) for the
// monitor? A missing page in a MISSING range, a write to a uffd-wp PTE in
// a WP range, of a descriptor still open. If so, returns 1 with
// page_table_lock released and *err set: VM_FAULT_RETRY after waiting
// for the monitor without mmap_lock (or for a kill), -EFAULT if this
// fault may not wait (no FAULT_FLAG_ALLOW_RETRY, or a fault in the kernel
// for a UFFD_USER_MODE_ONLY descriptor: Linux's SIGBUS). Else 0 and the
// fault goes on as usual (Linux: handle_userfault, called from
// do_anonymous_page and do_wp_page).
int
handle_userfault(struct vm_area_struct *vma, uint64 va, pte_t *pte, int flags, int *err)
{
  struct mm_struct *mm = vma->vm_mm;
  struct userfaultfd_ctx *ctx = vma->vm_userfaultfd_ctx;
  int missing = !(*pte & PTE_V), write = (flags & FAULT_FLAG_WRITE) != 0;
  if(missing ? !(vma->vm_flags & VM_UFFD_MISSING)
             : !((vma->vm_flags & VM_UFFD_WP) && write && (*pte & PTE_UFFD_WP)))
    return 0;
  struct userfaultfd_wait_queue uwq = { 0 };
  uwq.msg.event = UFFD_EVENT_PAGEFAULT;
  uwq.msg.arg.pagefault.address = va;
  uwq.msg.arg.pagefault.flags = (write ? UFFD_PAGEFAULT_FLAG_WRITE : 0) |
                                (missing ? 0 : UFFD_PAGEFAULT_FLAG_WP);
  if(__atomic_load_n(&ctx->features, __ATOMIC_SEQ_CST) & UFFD_FEATURE_THREAD_ID)
    uwq.msg.arg.pagefault.feat.ptid = myproc()->pid;

  // Queued under page_table_lock: a monitor that changes this PTE wakes
  // the range after it, and so finds this fault queued.
  acquire(&ctx->lock);
  if(ctx->released){   // it will be unregistered any moment: a plain fault
    release(&ctx->lock);
    return 0;
  }
  *err = -EFAULT;
  if((flags & FAULT_FLAG_ALLOW_RETRY) &&
     ((flags & FAULT_FLAG_USER) || !(ctx->flags & UFFD_USER_MODE_ONLY))){
    struct userfaultfd_wait_queue **pp = &ctx->faults;
    while(*pp)
      pp = &(*pp)->next;
    *pp = &uwq;
    ctx->refs++;
    *err = VM_FAULT_RETRY;
  }
  release(&ctx->lock);
  release(&mm->page_table_lock);
  if(*err != VM_FAULT_RETRY)
    return 1;
  wakeup(ctx);   // a reader
  mmap_read_unlock(mm);

  struct proc *p = myproc();
  acquire(&ctx->lock);
  while(!uwq.woken && !ctx->released && !killed(p))
    sleep(&uwq, &ctx->lock);
  for(struct userfaultfd_wait_queue **pp = &ctx->faults; *pp; pp = &(*pp)->next)
    if(*pp == &uwq){   // not woken by a monitor: still queued
      *pp = uwq.next;
      break;
    }
  release(&ctx->lock);
  userfaultfd_ctx_put(ctx);
  return 1;
}

// Wake the faults on [start, start+len); len 0: all of them. ctx->lock held.
static void
wake_locked(struct userfaultfd_ctx *ctx, uint64 start, uint64 len)
{
  for(struct userfaultfd_wait_queue **pp = &ctx->faults; *pp; ){
    struct userfaultfd_wait_queue *uwq = *pp;
    uint64 a = uwq->msg.arg.pagefault.address;
    if(len == 0 || (a >= start && a - start < len)){
      *pp = uwq->next;
      uwq->woken = 1;
      wakeup(uwq);
    } else
      pp = &uwq->next;
  }
}

static void
wake_userfault(struct userfaultfd_ctx *ctx, uint64 start, uint64 len)
{
  acquire(&ctx->lock);
  wake_locked(ctx, start, len);
  release(&ctx->lock);
}

// A region is no longer ctx's: its flags go, and so do the uffd-wp bits
// of its PTEs (Linux since 6.2 clears them too), which stay read-only: a
// write reuses the page in do_wp_page. mmap_lock held for writing.
static void
clear_uffd_wp_pte(struct vm_area_struct *vma, uint64 va, pte_t *pte, void *arg)
{
  *pte &= ~PTE_UFFD_WP;
}

static void
userfaultfd_clear_vma(struct vm_area_struct *vma)
{
  if(vma->vm_flags & VM_UFFD_WP)
    walk_range(vma, vma->vm_start, vma->vm_end, clear_uffd_wp_pte, 0);
  vma->vm_flags &= ~VM_UFFD_FLAGS;
  vma->vm_userfaultfd_ctx = 0;
}

// fork: the child's copy of a region starts unregistered.
void
dup_userfaultfd(struct vm_area_struct *vma)
{
  vma->vm_flags &= ~VM_UFFD_FLAGS;
  vma->vm_userfaultfd_ctx = 0;
}

// The descriptor's last close: wake every waiting fault (it finds the
// descriptor released and takes the fault as usual), then unregister
// every region, unless the address space is gone already.
void
userfaultfd_release(struct userfaultfd_ctx *ctx)
{
  acquire(&ctx->lock);
  ctx->released = 1;
  wake_locked(ctx, 0, 0);
  release(&ctx->lock);
  struct mm_struct *mm = ctx->mm;
  if(mmget_not_zero(mm)){
    mmap_write_lock(mm);
    for(struct vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next)
      if(vma->vm_userfaultfd_ctx == ctx)
        userfaultfd_clear_vma(vma);
    mmap_write_unlock(mm);
    mmput(mm);
  }
  userfaultfd_ctx_put(ctx);
}

// The oldest fault that read() has not returned yet, into *msg; if there
// is none, wait for one (wait) or fail with EAGAIN. -EINTR if killed.
static int
next_msg(struct userfaultfd_ctx *ctx, struct uffd_msg *msg, int wait)
{
  int err = 0;
  acquire(&ctx->lock);
  for(;;){
    struct userfaultfd_wait_queue *uwq = ctx->faults;
    while(uwq && uwq->reported)
      uwq = uwq->next;
    if(uwq){
      uwq->reported = 1;
      *msg = uwq->msg;
      break;
    }
    if(!wait || killed(myproc())){
      err = wait ? -EINTR : -EAGAIN;
      break;
    }
    sleep(ctx, &ctx->lock);
  }
  release(&ctx->lock);
  return err;
}

// read(): as many messages as fit in n bytes (at least one: EINVAL if
// not even one fits); only the first is waited for, and not with
// O_NONBLOCK (EAGAIN). EINVAL before UFFDIO_API.
int
userfaultfd_read(struct userfaultfd_ctx *ctx, uint64 addr, int n)
{
  if(!initialized(ctx) || n < (int)sizeof(struct uffd_msg))
    return -EINVAL;
  int done = 0;
  while(n - done >= (int)sizeof(struct uffd_msg)){
    struct uffd_msg msg;
    int err = next_msg(ctx, &msg, done == 0 && !(ctx->flags & O_NONBLOCK));
    if(err == 0 && copyout(myproc()->mm->pgd, addr + done, (char *)&msg, sizeof(msg)) < 0)
      err = -EFAULT;
    if(err)
      return done ? done : err;
    done += sizeof(msg);
  }
  return done;
}

// A range of the ioctls: page aligned, not empty, in the user half
// (Linux: validate_range). 0 or -EINVAL.
static int
validate_range(uint64 start, uint64 len)
{
  if(start % PGSIZE || len % PGSIZE || len == 0 || start >= MAXVA || len > MAXVA - start)
    return -EINVAL;
  return 0;
}

static int
uffdio_api(struct userfaultfd_ctx *ctx, uint64 arg)
{
  pagetable_t pt = myproc()->mm->pgd;
  struct uffdio_api api;
  if(copyin(pt, (char *)&api, arg, sizeof(api)) < 0)
    return -EFAULT;
  uint features = api.features;
  int err = (api.api != UFFD_API || (api.features & ~(uint64)UFFD_API_FEATURES)) ? -EINVAL : 0;
  if(err == 0){
    api.features = UFFD_API_FEATURES;
    api.ioctls = UFFD_API_IOCTLS;
    if(copyout(pt, arg, (char *)&api, sizeof(api)) < 0)
      return -EFAULT;
    uint none = 0;   // only the first UFFDIO_API enables features
    if(!__atomic_compare_exchange_n(&ctx->features, &none, features | UFFD_FEATURE_INITIALIZED,
                                    0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
      err = -EINVAL;
  }
  if(err){   // a zeroed answer tells the caller why (Linux's convention)
    memset(&api, 0, sizeof(api));
    if(copyout(pt, arg, (char *)&api, sizeof(api)) < 0)
      return -EFAULT;
  }
  return err;
}

// Check the regions of [start, end) for UFFDIO_REGISTER (register) or
// UNREGISTER: at least one region, every one private anonymous (EINVAL),
// writable some day (EPERM), not another descriptor's (EBUSY). Holes are
// allowed, as in Linux. mmap_lock held.
static int
check_regions(struct userfaultfd_ctx *ctx, uint64 start, uint64 end, int reg)
{
  struct vm_area_struct *vma = find_vma(ctx->mm, start);
  if(vma == 0 || vma->vm_start >= end)
    return -EINVAL;
  for(; vma && vma->vm_start < end; vma = vma->vm_next){
    if(!vma_can_userfault(vma))
      return -EINVAL;
    if(reg && !(vma->vm_flags & VM_MAYWRITE))
      return -EPERM;
    if(reg && vma->vm_userfaultfd_ctx && vma->vm_userfaultfd_ctx != ctx)
      return -EBUSY;
  }
  return 0;
}

// UFFDIO_REGISTER (vm_flags: the modes) and UFFDIO_UNREGISTER (0) of
// [start, end): the regions are split at its ends and take the new modes
// (which replace the old). Unregistering wakes the range's waiting faults.
static int
set_range(struct userfaultfd_ctx *ctx, uint64 start, uint64 end, uint vm_flags)
{
  struct mm_struct *mm = ctx->mm;
  if(!mmget_not_zero(mm))
    return -ENOMEM;   // Linux's answer once the process is gone
  mmap_write_lock(mm);
  int err = check_regions(ctx, start, end, vm_flags != 0);
  if(err == 0)
    err = split_range(mm, start, end);
  for(struct vm_area_struct *vma = find_vma(mm, start); err == 0 && vma && vma->vm_start < end;
      vma = vma->vm_next){
    if(vm_flags){
      vma->vm_flags = (vma->vm_flags & ~VM_UFFD_FLAGS) | vm_flags;
      vma->vm_userfaultfd_ctx = ctx;
    } else if(vma->vm_userfaultfd_ctx == ctx)
      userfaultfd_clear_vma(vma);
  }
  mmap_write_unlock(mm);
  mmput(mm);
  if(err == 0 && vm_flags == 0)
    wake_userfault(ctx, start, end - start);
  return err;
}

static int
uffdio_register(struct userfaultfd_ctx *ctx, uint64 arg)
{
  pagetable_t pt = myproc()->mm->pgd;
  struct uffdio_register reg;
  if(copyin(pt, (char *)&reg, arg, sizeof(reg) - sizeof(reg.ioctls)) < 0)
    return -EFAULT;
  uint64 modes = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP;
  if(reg.mode == 0 || (reg.mode & ~modes))
    return -EINVAL;
  int err = validate_range(reg.range.start, reg.range.len);
  if(err == 0)
    err = set_range(ctx, reg.range.start, reg.range.start + reg.range.len,
                    ((reg.mode & UFFDIO_REGISTER_MODE_MISSING) ? VM_UFFD_MISSING : 0) |
                    ((reg.mode & UFFDIO_REGISTER_MODE_WP) ? VM_UFFD_WP : 0));
  if(err)
    return err;
  reg.ioctls = UFFD_API_RANGE_IOCTLS;
  if(!(reg.mode & UFFDIO_REGISTER_MODE_WP))
    reg.ioctls &= ~(1UL << _UFFDIO_WRITEPROTECT);
  return copyout(pt, arg + sizeof(reg) - sizeof(reg.ioctls), (char *)&reg.ioctls, sizeof(reg.ioctls));
}

// UNREGISTER and WAKE take a struct uffdio_range.
static int
range_arg(uint64 arg, struct uffdio_range *r)
{
  if(copyin(myproc()->mm->pgd, (char *)r, arg, sizeof(*r)) < 0)
    return -EFAULT;
  return validate_range(r->start, r->len);
}

// The region that UFFDIO_COPY or ZEROPAGE fills [dst, dst+len) in: one
// region registered with ctx (ENOENT: the process changed its regions),
// registered for WP if wp (EINVAL). mmap_lock held.
static struct vm_area_struct*
find_dst_vma(struct userfaultfd_ctx *ctx, uint64 dst, uint64 len, int wp, int *err)
{
  struct vm_area_struct *vma = find_vma(ctx->mm, dst);
  *err = -ENOENT;
  if(vma == 0 || dst < vma->vm_start || len > vma->vm_end - dst || vma->vm_userfaultfd_ctx != ctx)
    return 0;
  *err = -EINVAL;
  if(wp && !(vma->vm_flags & VM_UFFD_WP))
    return 0;
  *err = 0;
  return vma;
}

// Fill the missing pages [dst, dst+len) of ctx's address space, page by
// page: with copies of the caller's [src, src+len), or (src 0) with the
// zero page. A page already there stops it (EEXIST). Returns the bytes
// filled, or the error that stopped the first page (Linux: mfill_atomic).
static int64
mfill_atomic(struct userfaultfd_ctx *ctx, uint64 dst, uint64 src, uint64 len, int wp)
{
  uint64 done = 0;
  int err = 0;
  while(done < len && err == 0){
    struct page *pg = zero_page;
    if(src == 0)
      get_page(pg);
    else if((pg = alloc_anon_page(0)) == 0)
      err = -ENOMEM;
    else if(copyin(myproc()->mm->pgd, page_address(pg), src + done, PGSIZE) < 0)
      err = -EFAULT;   // copied before taking ctx->mm's lock: it may fault
    if(err == 0){
      mmap_read_lock(ctx->mm);
      struct vm_area_struct *vma = find_dst_vma(ctx, dst, len, wp, &err);
      if(vma)
        err = mfill_atomic_install_pte(vma, dst + done, pg, wp);
      mmap_read_unlock(ctx->mm);
    }
    if(err && pg)
      put_page(pg);
    if(err == 0)
      done += PGSIZE;
  }
  return done ? done : err;
}

// UFFDIO_COPY (src != 0) and UFFDIO_ZEROPAGE: fill, report the bytes
// filled (or the error) in the field at result, wake the faults of what
// was filled unless dontwake. EAGAIN if only part was filled, ESRCH if
// the process is gone.
static int
fill_and_wake(struct userfaultfd_ctx *ctx, uint64 dst, uint64 src, uint64 len, int wp,
              int dontwake, uint64 result)
{
  if(!mmget_not_zero(ctx->mm))
    return -ESRCH;
  int64 filled = mfill_atomic(ctx, dst, src, len, wp);
  mmput(ctx->mm);
  if(copyout(myproc()->mm->pgd, result, (char *)&filled, sizeof(filled)) < 0)
    return -EFAULT;
  if(filled < 0)
    return filled;
  if(!dontwake)
    wake_userfault(ctx, dst, filled);
  return (uint64)filled == len ? 0 : -EAGAIN;
}

static int
uffdio_copy(struct userfaultfd_ctx *ctx, uint64 arg)
{
  struct uffdio_copy c;
  if(copyin(myproc()->mm->pgd, (char *)&c, arg, sizeof(c) - sizeof(c.copy)) < 0)
    return -EFAULT;
  int err = validate_range(c.dst, c.len);
  if(err || c.src == 0 || c.src >= MAXVA || c.len > MAXVA - c.src ||
     (c.mode & ~(UFFDIO_COPY_MODE_DONTWAKE | UFFDIO_COPY_MODE_WP)))
    return -EINVAL;
  return fill_and_wake(ctx, c.dst, c.src, c.len, (c.mode & UFFDIO_COPY_MODE_WP) != 0,
                       (c.mode & UFFDIO_COPY_MODE_DONTWAKE) != 0, arg + sizeof(c) - sizeof(c.copy));
}

static int
uffdio_zeropage(struct userfaultfd_ctx *ctx, uint64 arg)
{
  struct uffdio_zeropage z;
  if(copyin(myproc()->mm->pgd, (char *)&z, arg, sizeof(z) - sizeof(z.zeropage)) < 0)
    return -EFAULT;
  if(validate_range(z.range.start, z.range.len) || (z.mode & ~UFFDIO_ZEROPAGE_MODE_DONTWAKE))
    return -EINVAL;
  return fill_and_wake(ctx, z.range.start, 0, z.range.len, 0,
                       z.mode & UFFDIO_ZEROPAGE_MODE_DONTWAKE, arg + sizeof(z) - sizeof(z.zeropage));
}

// Write-protect (wp) or un-protect [start, end), which must lie wholly
// in regions registered with ctx for WP (ENOENT) (Linux:
// mwriteprotect_range). Under mmap_lock held for reading, as in Linux:
// faults go on meanwhile, and the TLB flush comes after the whole region
// is done (change_protection).
static int
mwriteprotect_range(struct userfaultfd_ctx *ctx, uint64 start, uint64 end, int wp)
{
  struct mm_struct *mm = ctx->mm;
  int err = 0;
  mmap_read_lock(mm);
  uint64 a = start;
  for(struct vm_area_struct *vma = find_vma(mm, start); vma && a < end; vma = vma->vm_next){
    if(vma->vm_start > a || !(vma->vm_flags & VM_UFFD_WP) || vma->vm_userfaultfd_ctx != ctx)
      break;
    a = vma->vm_end;
  }
  if(a < end)
    err = -ENOENT;
  for(struct vm_area_struct *vma = find_vma(mm, start); err == 0 && vma && vma->vm_start < end;
      vma = vma->vm_next)
    change_protection(vma, vma->vm_start > start ? vma->vm_start : start,
                      vma->vm_end < end ? vma->vm_end : end,
                      wp ? MM_CP_UFFD_WP : MM_CP_UFFD_WP_RESOLVE);
  mmap_read_unlock(mm);
  return err;
}

static int
uffdio_writeprotect(struct userfaultfd_ctx *ctx, uint64 arg)
{
  struct uffdio_writeprotect w;
  if(copyin(myproc()->mm->pgd, (char *)&w, arg, sizeof(w)) < 0)
    return -EFAULT;
  int wp = (w.mode & UFFDIO_WRITEPROTECT_MODE_WP) != 0;
  int dontwake = (w.mode & UFFDIO_WRITEPROTECT_MODE_DONTWAKE) != 0;
  if(validate_range(w.range.start, w.range.len) ||
     (w.mode & ~(UFFDIO_WRITEPROTECT_MODE_WP | UFFDIO_WRITEPROTECT_MODE_DONTWAKE)) ||
     (wp && dontwake))   // protecting resolves no fault
    return -EINVAL;
  if(!mmget_not_zero(ctx->mm))
    return -ESRCH;
  int err = mwriteprotect_range(ctx, w.range.start, w.range.start + w.range.len, wp);
  mmput(ctx->mm);
  if(err == 0 && !wp && !dontwake)
    wake_userfault(ctx, w.range.start, w.range.len);
  return err;
}

// ioctl on a userfaultfd. Before UFFDIO_API only UFFDIO_API works; an
// unknown command is EINVAL, as in Linux (ENOTTY is for descriptors that
// have no ioctls).
int
userfaultfd_ioctl(struct userfaultfd_ctx *ctx, uint cmd, uint64 arg)
{
  struct uffdio_range r;
  int err;
  if(cmd != UFFDIO_API && !initialized(ctx))
    return -EINVAL;
  switch(cmd){
  case UFFDIO_API:
    return uffdio_api(ctx, arg);
  case UFFDIO_REGISTER:
    return uffdio_register(ctx, arg);
  case UFFDIO_UNREGISTER:
    if((err = range_arg(arg, &r)) == 0)
      err = set_range(ctx, r.start, r.start + r.len, 0);
    return err;
  case UFFDIO_WAKE:
    if((err = range_arg(arg, &r)) == 0)
      wake_userfault(ctx, r.start, r.len);
    return err;
  case UFFDIO_COPY:
    return uffdio_copy(ctx, arg);
  case UFFDIO_ZEROPAGE:
    return uffdio_zeropage(ctx, arg);
  case UFFDIO_WRITEPROTECT:
    return uffdio_writeprotect(ctx, arg);
  default:
    return -EINVAL;
  }
}
