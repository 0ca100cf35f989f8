// Fault injection: make page allocation fail, or disk requests end with
// an I/O error, on purpose, so that tests can show that every caller
// copes (no panic, an error for the system call, nothing leaked). Linux's
// lib/fault-inject.c is the model: should_fail() at the failure point,
// settings (probability, interval, times, a task filter) from user space,
// and a seed so that a failing run can be repeated.

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "fault_inject.h"

struct fault_attr {
  struct spinlock lock;
  struct fault_config cfg;   // lock
  uint64 calls;              // eligible calls seen (for interval); lock
  uint64 failures;           // injected since the last setting; lock
  uint64 rng;                // xorshift state, from cfg.seed; lock
};

static struct fault_attr attrs[NFAIL] = {
  [FAIL_PAGE_ALLOC]   = { .lock = { .name = "fail_page_alloc" } },
  [FAIL_MAKE_REQUEST] = { .lock = { .name = "fail_make_request" } },
};

// Does the current context take part? With the task filter, only a
// process marked make-it-fail (not interrupt handlers or the scheduler,
// nor kernel threads such as the flusher).
static int
fail_task(struct fault_attr *a)
{
  if(!a->cfg.task_filter)
    return 1;
  struct proc *p = myproc();
  return p && p->leader->make_it_fail;
}

static uint64
next_random(struct fault_attr *a)
{
  a->rng ^= a->rng << 13;
  a->rng ^= a->rng >> 7;
  a->rng ^= a->rng << 17;
  return a->rng;
}

// Should this call at failure point which fail? The one test every
// failure point makes; while a point is off it costs one load.
int
should_fail(int which)
{
  struct fault_attr *a = &attrs[which];
  if(__atomic_load_n(&a->cfg.probability, __ATOMIC_RELAXED) == 0)
    return 0;
  int fail = 0;
  acquire(&a->lock);
  if(a->cfg.probability > 0 && fail_task(a) && a->cfg.times != 0 &&
     ++a->calls % (a->cfg.interval > 1 ? a->cfg.interval : 1) == 0 &&
     next_random(a) % 100 < a->cfg.probability){
    fail = 1;
    a->failures++;
    if(a->cfg.times > 0)
      a->cfg.times--;
  }
  release(&a->lock);
  return fail;
}

uint64
sys_failinject(void)
{
  int which;
  uint64 ucfg;
  struct fault_config cfg;
  argint(0, &which);
  argaddr(1, &ucfg);
  if(which < 0 || which >= NFAIL)
    return -EINVAL;
  if(ucfg && copyin(myproc()->mm->pgd, (char *)&cfg, ucfg, sizeof(cfg)) < 0)
    return -EFAULT;
  if(ucfg && (cfg.probability < 0 || cfg.probability > 100 || cfg.interval < 0 || cfg.times < -1))
    return -EINVAL;
  struct fault_attr *a = &attrs[which];
  acquire(&a->lock);
  uint64 failures = a->failures;
  if(ucfg){
    a->cfg = cfg;
    a->calls = 0;
    a->failures = 0;
    a->rng = cfg.seed * 2 + 1;   // xorshift needs a state that is not 0
  }
  release(&a->lock);
  if(ucfg && cfg.task_filter)
    myproc()->leader->make_it_fail = 1;   // only the process itself writes it
  return failures;
}
