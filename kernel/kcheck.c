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
//    time (each holds the lock the other waits for).
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
  }
  return -EINVAL;
}
