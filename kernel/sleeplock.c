// Sleeping locks: a process waiting for one gives up its cpu.

#include "types.h"
#include "riscv.h"
#include "defs.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "proc.h"
#include "lockdep.h"

void
initsleeplock(struct sleeplock *lk, char *name)
{
  initlock(&lk->lk, "sleep lock");
  lk->name = name;
  lk->locked = 0;
  lk->pid = 0;
  lk->waiters = 0;
}

void
acquiresleep(struct sleeplock *lk)
{
  lockdep_acquire(lk, lk->name, LD_SLEEP, CALLER_PC());
  acquire(&lk->lk);
  while(lk->locked){
    lk->waiters++;
    sleep(lk, &lk->lk);
    lk->waiters--;
  }
  lk->locked = 1;
  lk->pid = myproc()->pid;
  release(&lk->lk);
}

// Take lk only if it is free: 1 if taken, 0 (at once) if not. It never
// waits, so it may be called holding a spin lock, and the lock-order
// checker records no order for it: a caller that knows the lock is free
// (iput) says so with this, and panics if it was wrong.
int
tryacquiresleep(struct sleeplock *lk)
{
  acquire(&lk->lk);
  int taken = !lk->locked;
  if(taken){
    lk->locked = 1;
    lk->pid = myproc()->pid;
    lockdep_acquire(lk, lk->name, LD_SLEEP | LD_TRY, CALLER_PC());
  }
  release(&lk->lk);
  return taken;
}

void
releasesleep(struct sleeplock *lk)
{
  lockdep_release(lk, lk->name, LD_SLEEP, CALLER_PC());
  acquire(&lk->lk);
  lk->locked = 0;
  lk->pid = 0;
  // wakeup looks at every process: a lock that no one waits for (the
  // usual case: a page fault's mmap_lock, an inode's) skips it.
  if(lk->waiters)
    wakeup(lk);
  release(&lk->lk);
}

int
holdingsleep(struct sleeplock *lk)
{
  int r;

  acquire(&lk->lk);
  r = lk->locked && (lk->pid == myproc()->pid);
  release(&lk->lk);
  return r;
}

void
init_rwsem(struct rw_semaphore *s, char *name)
{
  initlock(&s->lk, "rwsem");
  s->readers = 0;
  s->writer = 0;
  s->waiters = 0;
  s->name = name;
}

void
down_read(struct rw_semaphore *s)
{
  lockdep_acquire(s, s->name, LD_SLEEP, CALLER_PC());
  acquire(&s->lk);
  while(s->writer){
    s->waiters++;
    sleep(s, &s->lk);
    s->waiters--;
  }
  s->readers++;
  release(&s->lk);
}

void
up_read(struct rw_semaphore *s)
{
  lockdep_release(s, s->name, LD_SLEEP, CALLER_PC());
  acquire(&s->lk);
  if(--s->readers == 0 && s->waiters)
    wakeup(s);
  release(&s->lk);
}

void
down_write(struct rw_semaphore *s)
{
  lockdep_acquire(s, s->name, LD_SLEEP, CALLER_PC());
  acquire(&s->lk);
  while(s->writer || s->readers){
    s->waiters++;
    sleep(s, &s->lk);
    s->waiters--;
  }
  s->writer = 1;
  release(&s->lk);
}

void
up_write(struct rw_semaphore *s)
{
  lockdep_release(s, s->name, LD_SLEEP, CALLER_PC());
  acquire(&s->lk);
  s->writer = 0;
  if(s->waiters)
    wakeup(s);
  release(&s->lk);
}
