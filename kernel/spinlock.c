// Spin locks, and the interrupt-disable nesting that goes with them.

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "lockdep.h"

void
initlock(struct spinlock *lk, char *name)
{
  lk->name = name;
  lk->locked = 0;
  lk->cpu = 0;
}

// Spin until the lock is ours. Interrupts stay off while it is held, or an
// interrupt handler on this hart that wants the same lock would deadlock.
void
acquire(struct spinlock *lk)
{
  push_off();
  if(holding(lk))
    panic("acquire %s", lk->name);
  lockdep_acquire(lk, lk->name, LD_SPIN, CALLER_PC());
  // amoswap.w.aq: atomic exchange with acquire ordering.
  while(__sync_lock_test_and_set(&lk->locked, 1) != 0)
    ;
  // Loads and stores of the critical section stay after the acquire.
  __sync_synchronize();
  WRITE_ONCE(lk->cpu, mycpu());   // other harts read it in holding()
}

void
release(struct spinlock *lk)
{
  lockdep_release(lk, lk->name, LD_SPIN, CALLER_PC());
  if(!holding(lk))
    panic("release %s", lk->name);
  WRITE_ONCE(lk->cpu, 0);
  __sync_synchronize();
  __sync_lock_release(&lk->locked);
  pop_off();
}

// Is this cpu holding the lock? Interrupts must be off.
int
holding(struct spinlock *lk)
{
  // Racy on purpose: any hart may ask about a lock another hart holds.
  // lk->cpu equals this cpu only if this cpu set it and still holds the
  // lock, so a stale value never gives a wrong answer.
  return READ_ONCE(lk->locked) && READ_ONCE(lk->cpu) == mycpu();
}

// push_off/pop_off are intr_off/intr_on that nest: two push_off()s need two
// pop_off()s, and interrupts come back on only if they were on at the first.
void
push_off(void)
{
  int old = intr_get();

  intr_off();
  if(mycpu()->noff == 0)
    mycpu()->intena = old;
  mycpu()->noff += 1;
}

void
pop_off(void)
{
  struct cpu *c = mycpu();
  if(intr_get())
    panic("pop_off - interruptible");
  if(c->noff < 1)
    panic("pop_off");
  c->noff -= 1;
  if(c->noff == 0 && c->intena)
    intr_on();
}
