// Processes: creation, exit, wait, the per-cpu scheduler, sleep and wakeup.

#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "proc.h"
#include "defs.h"
#include "mm/mm_types.h"

struct cpu cpus[NCPU];
int ncpu = 1;

struct proc proc[NPROC];

struct proc *initproc;

static int nextpid = 1;
static struct spinlock pid_lock;

// The tables of open files, one per process, shared by its threads.
static struct files_struct files_table[NPROC];
static struct spinlock files_lock;   // guards each table's count

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
  initlock(&files_lock, "files");
  for(int i = 0; i < NPROC; i++)
    initlock(&files_table[i].lock, "files_struct");
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
  p->leader = p;
  memset(&p->trapframe, 0, sizeof(p->trapframe));
  memset(&p->context, 0, sizeof(p->context));
  p->context.ra = (uint64)forkret;
  p->context.sp = p->kstack + KSTACK_PAGES * PGSIZE;
  return p;
}

// Free a process slot; its memory and files are gone already (kexit).
// p->lock must be held.
static void
freeproc(struct proc *p)
{
  p->pid = 0;
  p->leader = 0;
  p->group_exit = 0;
  p->parent = 0;
  p->name[0] = 0;
  p->chan = 0;
  p->killed = 0;
  p->fp_used = 0;
  p->make_it_fail = 0;
  p->kthread = 0;
  p->xstate = 0;
  p->state = UNUSED;
}

// A new, empty table of open files, or 0.
static struct files_struct*
files_alloc(void)
{
  acquire(&files_lock);
  for(struct files_struct *fs = files_table; fs < &files_table[NPROC]; fs++){
    if(fs->count == 0){
      fs->count = 1;
      release(&files_lock);
      return fs;
    }
  }
  release(&files_lock);
  return 0;
}

// fork: a copy of old (the same open files, one more reference each).
static struct files_struct*
dup_files(struct files_struct *old)
{
  struct files_struct *fs = files_alloc();
  if(fs == 0)
    return 0;
  acquire(&old->lock);
  for(int i = 0; i < NOFILE; i++)
    if(old->fd[i])
      fs->fd[i] = filedup(old->fd[i]);
  fs->cwd = idup(old->cwd);
  release(&old->lock);
  return fs;
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
  if((p->files = files_alloc()) == 0)
    panic("userinit files");
  safestrcpy(p->name, "init", sizeof(p->name));
  p->state = RUNNABLE;
  release(&p->lock);
}

// Leave the address space: run on the kernel's page table from now on
// and drop this process's use of mm (the last user frees it, writing
// back what it dirtied in shared files).
static void
exit_mm(struct proc *p)
{
  struct mm_struct *mm = p->mm;
  acquire(&p->lock);
  p->mm = 0;   // from here the scheduler leaves whatever table is loaded
  release(&p->lock);
  // Load the kernel's table before the teardown, rather than stay on mm's
  // lazily: if this was mm's last user, no hart then caches its
  // translations, and unmapping and freeing its page tables need no TLB
  // flush (two whole-TLB flushes fewer per exit under QEMU).
  switch_mm(0);
  mmput(mm);
}

// Wake up to n idle harts so they pick up processes made runnable.
static void
kick_idle_cpus(int n)
{
  push_off();
  for(int i = 0; i < ncpu && n > 0; i++){
    // Taking the flag makes the IPI this waker's: one is enough.
    if(i != cpuid() && __atomic_exchange_n(&cpus[i].idle, 0, __ATOMIC_SEQ_CST)){
      sbi_send_ipi(i);
      n--;
    }
  }
  pop_off();
}

// Wake up the new process np (p->lock not held) on some idle hart.
static void
start_proc(struct proc *np)
{
  acquire(&np->lock);
  np->state = RUNNABLE;
  release(&np->lock);
  kick_idle_cpus(1);
}

// Create a child process that is a copy of the caller. Returns the
// child's pid to the parent, 0 to the child, or a negative errno.
int
kfork(void)
{
  struct proc *np;
  struct proc *p = myproc();

  if((np = allocproc()) == 0)
    return -EAGAIN;
  // A USED slot is ignored by everyone else: copy without np->lock,
  // which would keep interrupts off for the whole page-table walk.
  release(&np->lock);
  int err = -ENOMEM;
  if((np->mm = mm_alloc()) == 0 || (err = dup_mmap(np->mm, p->mm)) < 0 ||
     (np->files = dup_files(p->files)) == 0){
    if(np->mm)
      mmput(np->mm);
    np->mm = 0;
    acquire(&np->lock);
    freeproc(np);
    release(&np->lock);
    return err < 0 ? err : -ENOMEM;
  }
  np->trapframe = p->trapframe;
  np->fp = p->fp;   // saved at the fork system call's trap
  np->fp_used = p->fp_used;
  np->trapframe.a0 = 0;   // fork returns 0 in the child
  safestrcpy(np->name, p->name, sizeof(p->name));
  np->make_it_fail = p->leader->make_it_fail;
  int pid = np->pid;
  trace_task_fork(np, 0);

  acquire(&wait_lock);
  np->parent = p->leader;   // the process, whichever thread forked
  release(&wait_lock);
  start_proc(np);
  return pid;
}

// clone(entry, arg, stack): a new thread of the calling process, sharing
// its address space and its open files, starting at entry(arg) on the
// given stack (the user library's thread_create wraps it). Returns the
// new thread's id, or a negative errno.
int
kclone(uint64 entry, uint64 arg, uint64 stack)
{
  struct proc *np, *p = myproc();

  if(entry >= MAXVA || stack >= MAXVA || stack % 16)
    return -EINVAL;
  if((np = allocproc()) == 0)
    return -EAGAIN;
  release(&np->lock);
  acquire(&wait_lock);   // zap_other_threads must see it
  np->leader = p->leader;
  np->killed = p->leader->group_exit != 0;   // the process is ending already
  release(&wait_lock);
  np->mm = p->mm;
  __atomic_add_fetch(&np->mm->mm_users, 1, __ATOMIC_SEQ_CST);
  np->files = p->files;
  acquire(&files_lock);
  np->files->count++;
  release(&files_lock);
  np->trapframe = p->trapframe;
  np->trapframe.epc = entry;
  np->trapframe.a0 = arg;
  np->trapframe.sp = stack;
  np->trapframe.ra = 0;   // returning from entry faults: thread_create's wrapper exits
  np->fp_used = 0;
  safestrcpy(np->name, p->name, sizeof(p->name));
  int tid = np->pid;
  trace_task_fork(np, 1);
  start_proc(np);
  return tid;
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

// Is pp another thread of leader's process? Caller holds wait_lock.
// A racy look at slots that allocproc may be filling meanwhile (under
// pp->lock only): such a slot's leader is 0 or the slot itself, never a
// live process's main thread, so it is never taken for a thread of
// leader's; clone makes it one only under wait_lock.
static int
other_thread(struct proc *pp, struct proc *leader)
{
  return READ_ONCE(pp->leader) == leader && pp != leader && READ_ONCE(pp->state) != UNUSED;
}

// Tell every other thread of the process to exit (kill them), why: 1
// exit, 2 exec. The first reason wins. Caller holds wait_lock.
static void
zap_other_threads(struct proc *p, int why, int status)
{
  struct proc *leader = p->leader;
  if(leader->group_exit)
    return;
  leader->group_exit = why;
  leader->group_status = status;
  for(struct proc *pp = proc; pp < &proc[NPROC]; pp++){
    // The main thread too; racy as in other_thread.
    if(READ_ONCE(pp->leader) == leader && pp != p && READ_ONCE(pp->state) != UNUSED){
      acquire(&pp->lock);
      pp->killed = 1;
      if(pp->state == SLEEPING)
        pp->state = RUNNABLE;
      release(&pp->lock);
    }
  }
  kick_idle_cpus(ncpu);
}

// The main thread waits until every other thread has exited, and frees
// them. Caller holds wait_lock.
static void
reap_threads(struct proc *leader)
{
  for(;;){
    int alive = 0;
    for(struct proc *pp = proc; pp < &proc[NPROC]; pp++){
      if(!other_thread(pp, leader))
        continue;
      acquire(&pp->lock);
      if(pp->state == ZOMBIE)
        freeproc(pp);
      else
        alive = 1;
      release(&pp->lock);
    }
    if(!alive)
      return;
    sleep(leader, &wait_lock);
  }
}

// exec in a process with threads: the other threads exit first (the
// exec'ing one must be the main thread). 0, -EINVAL, or -EINTR if another
// thread began exiting the process first.
int
exec_zap_threads(void)
{
  struct proc *p = myproc();
  int err = 0;
  if(p != p->leader)
    return -EINVAL;
  acquire(&wait_lock);
  zap_other_threads(p, 2, 0);
  reap_threads(p);
  if(p->group_exit == 2)
    p->group_exit = 0;
  else
    err = -EINTR;   // the process exits; kexit finds the status
  release(&wait_lock);
  return err;
}

// Drop this thread's use of the shared open-file table; the last user
// closes the files and the current directory.
static void
put_files(struct files_struct *fs)
{
  acquire(&files_lock);
  int last = --fs->count == 0;
  if(last)
    fs->count = -1;   // not free until it is empty
  release(&files_lock);
  if(!last)
    return;
  for(int fd = 0; fd < NOFILE; fd++){
    if(fs->fd[fd]){
      fileclose(fs->fd[fd]);
      fs->fd[fd] = 0;
    }
  }
  begin_op();
  iput(fs->cwd);
  end_op();
  fs->cwd = 0;
  acquire(&files_lock);
  fs->count = 0;
  release(&files_lock);
}

// A thread ends: it leaves the files and the address space, and waits as
// a zombie for thread_join or the main thread's exit.
static void
exit_thread(struct proc *p, int status)
{
  put_files(p->files);
  p->files = 0;
  exit_mm(p);
  acquire(&wait_lock);
  wakeup(p->leader);   // a joiner, or the main thread in reap_threads
  acquire(&p->lock);
  p->xstate = status;
  p->state = ZOMBIE;
  release(&wait_lock);
  sched();
  panic("zombie thread exit");
}

// thread_exit(status): end the calling thread; in the main thread, end the
// process (as exit).
void
kthread_exit(int status)
{
  struct proc *p = myproc();
  if(p != p->leader)
    exit_thread(p, status);
  kexit(status);
}

// thread_join(tid, status): wait for thread tid of this process to end and
// free it. 0, -ESRCH (no such thread here), -EDEADLK (itself), -EINTR, or
// -EFAULT (the thread is freed anyway).
int
kthread_join(int tid, uint64 addr)
{
  struct proc *p = myproc();
  if(tid == p->pid)
    return -EDEADLK;
  acquire(&wait_lock);
  for(;;){
    struct proc *t = 0;
    for(struct proc *pp = proc; pp < &proc[NPROC]; pp++)
      if(other_thread(pp, p->leader) && pp->pid == tid)
        t = pp;
    if(t == 0){
      release(&wait_lock);
      return -ESRCH;
    }
    acquire(&t->lock);
    if(t->state == ZOMBIE){
      int xstate = t->xstate;
      freeproc(t);
      release(&t->lock);
      release(&wait_lock);
      if(addr && copyout(p->mm->pgd, addr, (char *)&xstate, sizeof(xstate)) < 0)
        return -EFAULT;
      return 0;
    }
    release(&t->lock);
    if(killed(p)){
      release(&wait_lock);
      return -EINTR;
    }
    sleep(p->leader, &wait_lock);
  }
}

// Exit the current process (from any of its threads, or because it was
// killed): every thread ends, and the main thread stays a zombie with the
// status until the parent waits.
void
kexit(int status)
{
  struct proc *p = myproc();

  if(p == initproc)
    panic("init exiting");

  acquire(&wait_lock);
  zap_other_threads(p, 1, status);
  release(&wait_lock);
  if(p != p->leader)
    exit_thread(p, status);

  acquire(&wait_lock);
  reap_threads(p);
  release(&wait_lock);
  put_files(p->files);
  p->files = 0;
  exit_mm(p);

  acquire(&wait_lock);
  reparent(p);
  wakeup(p->parent);
  acquire(&p->lock);
  p->xstate = p->group_exit == 1 ? p->group_status : status;
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
      if(pp->parent != p->leader)   // the children of any thread
        continue;
      acquire(&pp->lock);
      havekids = 1;
      if(pp->state == ZOMBIE){
        int pid = pp->pid, xstate = pp->xstate;
        freeproc(pp);
        release(&pp->lock);
        release(&wait_lock);
        // Not under the locks: the copy may fault and sleep. As on Linux,
        // a bad address still reaps the child.
        if(addr != 0 && copyout(p->mm->pgd, addr, (char *)&xstate, sizeof(xstate)) < 0)
          return -EFAULT;
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
    sleep(p->leader, &wait_lock);
  }
}

// A racy look (no locks) for work, before an idle hart sleeps.
static int
any_runnable(void)
{
  for(struct proc *p = proc; p < &proc[NPROC]; p++)
    if(READ_ONCE(p->state) == RUNNABLE)   // a stale state: see scheduler
      return 1;
  return 0;
}

// Should this cpu leave p alone for now? A thread that another hart
// preempted a moment ago (its timer tick) is about to be taken again there,
// with its caches and TLB still warm; when two harts' ticks come together,
// taking it here would swap threads between harts for nothing (Linux: the
// migration cost of its load balancer). After MIGRATION_COST_US anyone
// may take it. Threads woken from sleep are not held back.
static int
cache_hot(struct proc *p)
{
  return p->preempted_at && p->preempted_cpu != cpuid() &&
         r_time() - p->preempted_at < timebase / 1000000 * MIGRATION_COST_US;
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
      // A first look without the lock, as any_runnable's: one made
      // RUNNABLE just after it is found by the next pass (a waker that
      // finds this cpu idle sends it an IPI).
      if(READ_ONCE(p->state) != RUNNABLE)
        continue;
      acquire(&p->lock);
      if(p->state == RUNNABLE && !cache_hot(p)){
        p->state = RUNNING;
        p->preempted_at = 0;
        c->proc = p;
        if(p->mm)   // a kernel thread runs on whatever table is loaded
          switch_mm(p->mm);
        // Code written by stores (exec, on any hart) must be what this
        // hart fetches: harts like the U74 do not snoop their I-cache.
        asm volatile("fence.i");
        swtch(&c->context, &p->context);
        // Lazily stay on its table, unless no thread uses it any more
        // (p was a kernel thread that ran here lazily on an mm whose last
        // user exited meanwhile; exit_mm itself leaves first): then let
        // it go now, so that its root page is freed.
        if(c->active_mm && __atomic_load_n(&c->active_mm->mm_users, __ATOMIC_SEQ_CST) == 0)
          switch_mm(0);
        c->proc = 0;
        found = 1;
      }
      release(&p->lock);
    }
    if(!found){
      // Announce idleness before the last look, so a wakeup in between
      // either is seen here or sends us an IPI.
      __atomic_store_n(&c->idle, 1, __ATOMIC_SEQ_CST);   // orders it before the look
      if(!any_runnable()){
        switch_mm(0);   // an idle cpu holds no mm, so flushes skip it
        asm volatile("wfi");
      }
      __atomic_store_n(&c->idle, 0, __ATOMIC_SEQ_CST);
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
  p->preempted_cpu = cpuid();
  p->preempted_at = r_time();
  sched();
  release(&p->lock);
}

// A kernel thread's first scheduling lands here, holding p->lock.
static void
kthread_main(void)
{
  struct proc *p = myproc();
  release(&p->lock);
  p->kthread();
  panic("kernel thread %s returned", p->name);
}

// A kernel thread: a process that never leaves the kernel (the flusher).
// Its empty address space is never used.
void
kthread_start(void (*fn)(void), char *name)
{
  struct proc *p = allocproc();
  if(p == 0)
    panic("kthread_start %s", name);
  p->kthread = fn;
  p->context.ra = (uint64)kthread_main;
  safestrcpy(p->name, name, sizeof(p->name));
  p->state = RUNNABLE;
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
    p->files->cwd = namei("/");
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

  // SLEEPING on chan before lk goes: a wakeup(chan) can come as soon as
  // lk is free (its caller holds lk), and its first look at this slot is
  // without p->lock; taking lk made our two stores visible to it. With
  // p->lock held, it then waits until sched() has switched away.
  acquire(&p->lock);
  p->chan = chan;
  p->state = SLEEPING;
  release(lk);
  sched();
  p->chan = 0;

  release(&p->lock);
  acquire(lk);
}

// Wake every process sleeping on chan. Must be called without any p->lock,
// and (as xv6 has it) after taking the lock the sleeper gave sleep(): then
// a thread asleep on chan shows SLEEPING and chan even to a look without
// its p->lock, so a slot that shows anything else is passed over without
// taking the lock (under QEMU each lock costs two exits from translated
// code, and most of the slots sleep on something else or nothing).
void
wakeup(void *chan)
{
  int woke = 0;
  struct proc *me = myproc();
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    if(p == me || READ_ONCE(p->state) != SLEEPING || READ_ONCE(p->chan) != chan)
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
    if(p->pid == pid && p->state != UNUSED && p->kthread){
      release(&p->lock);
      return -EPERM;   // nor may the kernel's own threads
    }
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

// Is process pid (any of its threads) the caller's process or one of its
// descendants? pids are never reused, so the answer stays true while the
// process lives.
int
is_descendant(int pid)
{
  struct proc *me = myproc()->leader;
  int found = 0;
  acquire(&wait_lock);   // parent pointers change only under it
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    if(p->pid != pid || p->state == UNUSED)
      continue;
    for(struct proc *q = p->leader; q; q = q->parent)
      if(q == me)
        found = 1;
    break;
  }
  release(&wait_lock);
  return found;
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
    printf("%d %s %s sz %ld", p->pid, states[p->state], p->name, p->mm ? p->mm->brk : 0);
    if(p->state == SLEEPING)
      printf(" wchan %p", p->chan);   // what it sleeps on: look it up in kernel/kernel.sym
    printf("\n");
  }
  printf("free pages: %ld\n", nr_free_pages());
}
