// Processes: creation, exit, wait, the per-cpu scheduler, sleep and wakeup.

#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

struct cpu cpus[NCPU];
int ncpu = 1;

struct proc proc[NPROC];

struct proc *initproc;

static int nextpid = 1;
static struct spinlock pid_lock;

static void forkret(void);

// Guards parent pointers, so that a child's wakeup of a waiting parent is
// not lost. Taken before any p->lock.
static struct spinlock wait_lock;

// Give each process slot a kernel stack below a guard page, in the kernel
// half shared by every page table.
void
procinit(void)
{
  initlock(&pid_lock, "nextpid");
  initlock(&wait_lock, "wait_lock");
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    initlock(&p->lock, "proc");
    p->state = UNUSED;
    p->kstack = KSTACK((int)(p - proc));
    for(int i = 0; i < KSTACK_PAGES; i++){
      char *pa = kalloc();
      if(pa == 0 || mappages(kernel_pagetable, p->kstack + i*PGSIZE, PGSIZE, __pa(pa), PTE_R | PTE_W) != 0)
        panic("procinit: kernel stacks");
    }
  }
}

// This hart's cpu index. Interrupts must be off, or the process could move
// to another cpu between reading tp and using the result.
int
cpuid()
{
  return r_tp();
}

struct cpu*
mycpu(void)
{
  return &cpus[cpuid()];
}

struct proc*
myproc(void)
{
  push_off();
  struct proc *p = mycpu()->proc;
  pop_off();
  return p;
}

static int
allocpid()
{
  acquire(&pid_lock);
  int pid = nextpid++;
  release(&pid_lock);
  return pid;
}

// Find an UNUSED slot and set it up to start in forkret on its kernel
// stack. Returns it with p->lock held, or 0.
static struct proc*
allocproc(void)
{
  struct proc *p;

  for(p = proc; p < &proc[NPROC]; p++){
    acquire(&p->lock);
    if(p->state == UNUSED)
      goto found;
    release(&p->lock);
  }
  return 0;

found:
  p->pid = allocpid();
  p->state = USED;
  memset(&p->trapframe, 0, sizeof(p->trapframe));
  p->mm = mm_alloc();
  if(p->mm == 0){
    p->state = UNUSED;
    release(&p->lock);
    return 0;
  }
  memset(&p->context, 0, sizeof(p->context));
  p->context.ra = (uint64)forkret;
  p->context.sp = p->kstack + KSTACK_PAGES * PGSIZE;
  return p;
}

// Free a process slot and its memory. p->lock must be held.
static void
freeproc(struct proc *p)
{
  if(p->mm)
    mmput(p->mm);
  p->mm = 0;
  p->pid = 0;
  p->parent = 0;
  p->name[0] = 0;
  p->chan = 0;
  p->killed = 0;
  p->fp_used = 0;
  p->xstate = 0;
  p->state = UNUSED;
}

// The first process. It has no memory yet: forkret exec()s /init once the
// file system can be read (that needs a process context to sleep in).
void
userinit(void)
{
  struct proc *p = allocproc();
  if(p == 0)
    panic("userinit");
  initproc = p;
  p->cwd = 0;
  safestrcpy(p->name, "init", sizeof(p->name));
  p->state = RUNNABLE;
  release(&p->lock);
}

// Grow or shrink user memory by n bytes (sbrk). lazy: only move the break;
// pages come on first touch. Returns 0 or -ENOMEM.
int
growproc(int n, int lazy)
{
  struct mm_struct *mm = myproc()->mm;
  uint64 sz = mm->brk;

  if(n > 0){
    if(sz + n > MAXVA)
      return -ENOMEM;
    if(lazy)
      sz += n;
    else if((sz = uvmalloc(mm->pgd, sz, sz + n, PTE_W)) == 0)
      return -ENOMEM;
  } else if(n < 0){
    // xv6's rule: shrinking below 0 leaves the break where it is.
    if((uint64)-(int64)n <= sz)
      sz = uvmdealloc(mm->pgd, sz, sz + n);
  }
  mm->brk = sz;
  return 0;
}

// Wake up to n idle harts so they pick up processes made runnable.
static void
kick_idle_cpus(int n)
{
  push_off();
  for(int i = 0; i < ncpu && n > 0; i++){
    if(i != cpuid() && cpus[i].idle){
      cpus[i].idle = 0;   // one IPI is enough
      sbi_send_ipi(i);
      n--;
    }
  }
  pop_off();
}

// Create a child process that is a copy of the caller. Returns the
// child's pid to the parent, 0 to the child, or a negative errno.
int
kfork(void)
{
  int pid;
  struct proc *np;
  struct proc *p = myproc();

  if((np = allocproc()) == 0)
    return -EAGAIN;
  // A USED slot is ignored by everyone else: copy without np->lock,
  // which would keep interrupts off for the whole page-table walk.
  release(&np->lock);
  if(copy_page_range(np->mm->pgd, p->mm->pgd, p->mm->brk) < 0){
    acquire(&np->lock);
    freeproc(np);
    release(&np->lock);
    return -ENOMEM;
  }
  acquire(&np->lock);
  np->mm->brk = p->mm->brk;
  np->trapframe = p->trapframe;
  np->fp = p->fp;   // saved at the fork system call's trap
  np->fp_used = p->fp_used;
  np->trapframe.a0 = 0;   // fork returns 0 in the child
  for(int i = 0; i < NOFILE; i++)
    if(p->ofile[i])
      np->ofile[i] = filedup(p->ofile[i]);
  np->cwd = idup(p->cwd);
  safestrcpy(np->name, p->name, sizeof(p->name));
  pid = np->pid;
  release(&np->lock);

  acquire(&wait_lock);
  np->parent = p;
  release(&wait_lock);

  acquire(&np->lock);
  np->state = RUNNABLE;
  release(&np->lock);
  kick_idle_cpus(1);
  return pid;
}

// Give p's children to init. Caller holds wait_lock.
static void
reparent(struct proc *p)
{
  for(struct proc *pp = proc; pp < &proc[NPROC]; pp++){
    if(pp->parent == p){
      pp->parent = initproc;
      wakeup(initproc);
    }
  }
}

// Exit the current process; it stays a zombie until its parent waits.
void
kexit(int status)
{
  struct proc *p = myproc();

  if(p == initproc)
    panic("init exiting");

  for(int fd = 0; fd < NOFILE; fd++){
    if(p->ofile[fd]){
      fileclose(p->ofile[fd]);
      p->ofile[fd] = 0;
    }
  }
  begin_op();
  iput(p->cwd);
  end_op();
  p->cwd = 0;

  acquire(&wait_lock);
  reparent(p);
  wakeup(p->parent);
  acquire(&p->lock);
  p->xstate = status;
  p->state = ZOMBIE;
  release(&wait_lock);

  sched();
  panic("zombie exit");
}

// Wait for a child to exit; copy its status to user addr (if non-zero).
// Returns its pid, -ECHILD without children, -EINTR if killed.
int
kwait(uint64 addr)
{
  struct proc *p = myproc();

  acquire(&wait_lock);
  for(;;){
    int havekids = 0;
    for(struct proc *pp = proc; pp < &proc[NPROC]; pp++){
      if(pp->parent != p)
        continue;
      acquire(&pp->lock);
      havekids = 1;
      if(pp->state == ZOMBIE){
        int pid = pp->pid;
        if(addr != 0 && copyout(p->mm->pgd, addr, (char *)&pp->xstate, sizeof(pp->xstate)) < 0){
          release(&pp->lock);
          release(&wait_lock);
          return -EFAULT;
        }
        freeproc(pp);
        release(&pp->lock);
        release(&wait_lock);
        return pid;
      }
      release(&pp->lock);
    }
    if(!havekids){
      release(&wait_lock);
      return -ECHILD;
    }
    if(killed(p)){
      release(&wait_lock);
      return -EINTR;
    }
    sleep(p, &wait_lock);
  }
}

// A racy look (no locks) for work, before an idle hart sleeps.
static int
any_runnable(void)
{
  for(struct proc *p = proc; p < &proc[NPROC]; p++)
    if(p->state == RUNNABLE)
      return 1;
  return 0;
}

// Each cpu runs this loop after setting itself up: pick a RUNNABLE process,
// switch to its page table and its context; when it gives the cpu back,
// return to the kernel page table. With nothing to run, sleep in wfi until
// an interrupt (a timer tick, a device, or an IPI from kick_idle_cpu).
void
scheduler(void)
{
  struct cpu *c = mycpu();

  c->proc = 0;
  for(;;){
    // Let devices interrupt, then turn interrupts off to avoid a lost
    // wakeup between the scan and wfi: wfi returns on a pending interrupt
    // even with interrupts disabled.
    intr_on();
    intr_off();

    int found = 0;
    for(struct proc *p = proc; p < &proc[NPROC]; p++){
      acquire(&p->lock);
      if(p->state == RUNNABLE){
        p->state = RUNNING;
        c->proc = p;
        w_satp(MAKE_SATP(__pa(p->mm->pgd)));
        sfence_vma();
        // Code written by stores (exec, on any hart) must be what this
        // hart fetches: harts like the U74 do not snoop their I-cache.
        asm volatile("fence.i");
        swtch(&c->context, &p->context);
        // Off the process's page table before its lock is released: once
        // it is, a parent may free that table.
        w_satp(kernel_satp());
        sfence_vma();
        c->proc = 0;
        found = 1;
      }
      release(&p->lock);
    }
    if(!found){
      // Announce idleness before the last look, so a wakeup in between
      // either is seen here or sends us an IPI.
      c->idle = 1;
      __sync_synchronize();
      if(!any_runnable())
        asm volatile("wfi");
      c->idle = 0;
    }
  }
}

// Switch to the scheduler. Must hold only p->lock, with p->state changed.
// intena belongs to this kernel thread, not the cpu: save and restore it.
void
sched(void)
{
  struct proc *p = myproc();

  if(!holding(&p->lock))
    panic("sched p->lock");
  if(mycpu()->noff != 1)
    panic("sched locks");
  if(p->state == RUNNING)
    panic("sched running");
  if(intr_get())
    panic("sched interruptible");

  int intena = mycpu()->intena;
  swtch(&p->context, &mycpu()->context);
  mycpu()->intena = intena;
}

void
yield(void)
{
  struct proc *p = myproc();
  acquire(&p->lock);
  p->state = RUNNABLE;
  sched();
  release(&p->lock);
}

// A new process's first scheduling lands here, still holding p->lock.
static void
forkret(void)
{
  static int first = 1;
  struct proc *p = myproc();

  release(&p->lock);

  if(first){
    // The file system is initialised here, not in kmain: reading the
    // disk sleeps, which needs a process.
    fsinit(ROOTDEV);
    first = 0;
    __sync_synchronize();
    p->cwd = namei("/");
    int r = kexec("/init", (char *[]){ "/init", 0 });
    if(r < 0)
      panic("cannot exec /init: error %d", r);
    p->trapframe.a0 = r;   // argc, as exec's return value
  }
  usertrapret();
}

// Release lk and sleep on chan; reacquire lk when woken.
void
sleep(void *chan, struct spinlock *lk)
{
  struct proc *p = myproc();

  // With p->lock held, no wakeup(chan) can run before we are SLEEPING:
  // wakeup takes p->lock too. So lk can be released.
  acquire(&p->lock);
  release(lk);

  p->chan = chan;
  p->state = SLEEPING;
  sched();
  p->chan = 0;

  release(&p->lock);
  acquire(lk);
}

// Wake every process sleeping on chan. Must be called without any p->lock.
void
wakeup(void *chan)
{
  int woke = 0;
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    if(p == myproc())
      continue;
    acquire(&p->lock);
    if(p->state == SLEEPING && p->chan == chan){
      p->state = RUNNABLE;
      woke++;
    }
    release(&p->lock);
  }
  if(woke)
    kick_idle_cpus(woke);
}

// Kill the process with the given pid: it exits at its next return to
// user space (or sooner, when an interruptible sleep notices). 0, -ESRCH,
// or -EPERM for init.
int
kkill(int pid)
{
  if(initproc && pid == initproc->pid)
    return -EPERM;   // init must not die: every orphan depends on it
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    acquire(&p->lock);
    if(p->pid == pid && p->state != UNUSED){
      // A zombie is already dead: success, as on Linux.
      int wake = p->state == SLEEPING;
      p->killed = 1;
      if(wake)
        p->state = RUNNABLE;   // wake it so it can notice
      release(&p->lock);
      if(wake)
        kick_idle_cpus(1);
      return 0;
    }
    release(&p->lock);
  }
  return -ESRCH;
}

// The live process with this pid, returned with p->lock held (it cannot
// exit and be freed until released), or 0.
struct proc*
proc_get(int pid)
{
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    acquire(&p->lock);
    if(p->pid == pid && p->state != UNUSED && p->state != ZOMBIE && p->mm)
      return p;
    release(&p->lock);
  }
  return 0;
}

void
setkilled(struct proc *p)
{
  acquire(&p->lock);
  p->killed = 1;
  release(&p->lock);
}

int
killed(struct proc *p)
{
  acquire(&p->lock);
  int k = p->killed;
  release(&p->lock);
  return k;
}

// Copy to a user address or a kernel address, as user_dst says.
int
either_copyout(int user_dst, uint64 dst, void *src, uint64 len)
{
  if(user_dst)
    return copyout(myproc()->mm->pgd, dst, src, len);
  memmove((char *)dst, src, len);
  return 0;
}

int
either_copyin(void *dst, int user_src, uint64 src, uint64 len)
{
  if(user_src)
    return copyin(myproc()->mm->pgd, dst, src, len);
  memmove(dst, (char*)src, len);
  return 0;
}

// ^P on the console: list processes. No locks, so a wedged machine can
// still print it.
void
procdump(void)
{
  static char *states[] = {
  [UNUSED]    "unused",
  [USED]      "used",
  [SLEEPING]  "sleep ",
  [RUNNABLE]  "runble",
  [RUNNING]   "run   ",
  [ZOMBIE]    "zombie"
  };

  printf("\n");
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    if(p->state == UNUSED)
      continue;
    printf("%d %s %s sz %ld\n", p->pid, states[p->state], p->name, p->mm ? p->mm->brk : 0);
  }
  printf("free pages: %ld\n", nr_free_pages());
}
