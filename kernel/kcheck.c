// Test hooks for the checkers (docs/debugging.md): kcheck(op, arg) lets a
// test count the reports of the checker built into this kernel (make
// KCSAN=1: the data-race detector; make LOCKDEP=1: the lock-order
// checker), and bring back, on purpose, a bug that each must find:
//
//  - KCHECK_FPOS_RACE: reads and writes of a shared file move f->off
//    without f->pos_lock, as before f->pos_lock existed (inode_read
//    moves the offset after the inode lock is dropped): a data race;
//  - KCHECK_INVERT: take a file's inode lock, then its f->pos_lock, the
//    reverse of the order of every read and write (pos_rw): a lock-order
//    inversion, which deadlocks if a read of the file runs at the same
//    time (each holds the lock the other waits for);
//  - KCHECK_BAD_RELEASE: an up_read of a rwsem this thread does not hold,
//    as an error path that unlocks mmap_lock twice would do (a fault that
//    returned VM_FAULT_RETRY has dropped it already). Nothing else
//    catches it: a rwsem keeps no owner, its reader count just goes
//    wrong. kcheck's own rwsem takes the blow and is reset after;
//  - KCHECK_IRQ_UNSAFE: a spin lock held with interrupts turned back on
//    while an interrupt comes, and the same lock taken in an interrupt
//    handler: had the handler come while the lock was held, its hart
//    would spin forever on itself. The two halves run one after the
//    other, on kcheck's own lock, so nothing hangs; the checker sees the
//    deadlock that could have been.
//
// The call exists in every kernel, so one test program serves all; a
// kernel without a checker answers KCHECK_REPORTS and KCHECK_FPOS_RACE
// with -ENOSYS, and its reads and writes never ask about the race (no
// one would find it; kcheck.h).

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "file.h"
#include "proc.h"
#include "defs.h"
#include "kcheck.h"

#ifdef KCHECKED
static int fpos_race;   // KCHECK_FPOS_RACE; atomic

// Should reads and writes of a shared file skip f->pos_lock (file.c)?
int
kcheck_fpos_race(void)
{
  return __atomic_load_n(&fpos_race, __ATOMIC_RELAXED);
}

static struct rw_semaphore bad_sem;   // KCHECK_BAD_RELEASE's; no one else uses it

static int
bad_release(void)
{
  init_rwsem(&bad_sem, "kcheck_sem");
  up_read(&bad_sem);   // never taken: its reader count goes to -1
  init_rwsem(&bad_sem, "kcheck_sem");
  return 0;
}

static struct spinlock irq_lock;   // KCHECK_IRQ_UNSAFE's; no one else takes it
static int ipi_takes_lock;         // the next IPI handler takes irq_lock; atomic
static int ipis_taken;             // IPI handlers that took it; atomic

// The IPI handler's hook (trap.c): take irq_lock in the handler if asked.
void
kcheck_ipi(void)
{
  if(__atomic_exchange_n(&ipi_takes_lock, 0, __ATOMIC_SEQ_CST)){
    acquire(&irq_lock);
    release(&irq_lock);
    __atomic_fetch_add(&ipis_taken, 1, __ATOMIC_SEQ_CST);
  }
}

static int
irq_unsafe(void)
{
  initlock(&irq_lock, "kcheck_irq");
  // Held with interrupts on while an IPI of this hart's own comes. The
  // timer stays masked meanwhile: its handler would yield, and a thread
  // may not sleep holding a spin lock.
  acquire(&irq_lock);
  csr_clear(sie, SIE_STIE);
  csr_set(sip, SIE_SSIE);
  intr_on();   // the bug: interrupts on under a spin lock
  while(r_sip() & SIE_SSIE)
    ;
  intr_off();
  csr_set(sie, SIE_STIE);
  release(&irq_lock);
  // Then taken in the handler of the next IPI, the lock free.
  int taken = __atomic_load_n(&ipis_taken, __ATOMIC_SEQ_CST);
  __atomic_store_n(&ipi_takes_lock, 1, __ATOMIC_SEQ_CST);
  push_off();
  csr_set(sip, SIE_SSIE);
  pop_off();   // interrupts back on (the system call runs with them on): taken at once
  int until = ticks + 10;
  while(__atomic_load_n(&ipis_taken, __ATOMIC_SEQ_CST) == taken && READ_ONCE(ticks) < until)
    ;
  __atomic_store_n(&ipi_takes_lock, 0, __ATOMIC_SEQ_CST);
  return __atomic_load_n(&ipis_taken, __ATOMIC_SEQ_CST) != taken ? 0 : -EAGAIN;
}
#endif

static int
reports(void)
{
#if defined(KCSAN)
  return __atomic_load_n(&kcsan_reports, __ATOMIC_SEQ_CST);
#elif defined(LOCKDEP)
  return __atomic_load_n(&lockdep_reports, __ATOMIC_SEQ_CST);
#else
  return -ENOSYS;
#endif
}

// The inverted pair, once: harmless by itself (the two are taken one
// after the other by one thread), a cycle for the lock-order checker.
static int
invert(int fd)
{
  struct file *f = fget(fd);
  if(f == 0)
    return -EBADF;
  int r = -EINVAL;
  if(f->type == FD_INODE){
    ilock(f->ip);
    acquiresleep(&f->pos_lock);
    releasesleep(&f->pos_lock);
    iunlock(f->ip);
    r = 0;
  }
  fileclose(f);
  return r;
}

uint64
sys_kcheck(void)
{
  int op, arg;
  argint(0, &op);
  argint(1, &arg);
  switch(op){
  case KCHECK_REPORTS:
    return reports();
  case KCHECK_FPOS_RACE:
#ifdef KCHECKED
    return __atomic_exchange_n(&fpos_race, arg != 0, __ATOMIC_SEQ_CST);
#else
    return -ENOSYS;
#endif
  case KCHECK_INTERVAL:
#ifdef KCSAN
    return arg > 0 ? kcsan_set_interval(arg) : -EINVAL;
#else
    return -ENOSYS;
#endif
  case KCHECK_INVERT:
    return invert(arg);
  case KCHECK_BAD_RELEASE:
  case KCHECK_IRQ_UNSAFE:
#ifdef KCHECKED
    return op == KCHECK_BAD_RELEASE ? bad_release() : irq_unsafe();
#else
    return -ENOSYS;
#endif
  }
  return -EINVAL;
}
