// The history engine: runtime knobs that bring back, one by one, the
// behaviour Linux had before each fix in the COW/GUP saga, so that one
// kernel can show a bug and its fix (docs/history.md). Each knob is read
// where its mechanism lives (knob(K_...)); the default is the modern era.
// vmknob(name, value) sets one and returns the old value.

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

struct knob_def {
  char *name;
  int max;        // values 0..max
  int modern;     // the default
};

static const struct knob_def defs[NKNOBS] = {
  [K_FOLL_COW]                = { "foll_cow", 2, 2 },
  [K_COW_REUSE]               = { "cow_reuse", 2, 2 },
  [K_GUP_READ_BREAKS_COW]     = { "gup_read_breaks_cow", 1, 0 },
  [K_FORK_COPIES_PINNED]      = { "fork_copies_pinned", 1, 1 },
  [K_FORK_GUP_FAST_SEQ]       = { "fork_gup_fast_seq", 1, 1 },
  [K_CLEAR_REFS_SKIPS_PINNED] = { "clear_refs_skips_pinned", 1, 1 },
  [K_CLEAR_REFS_MMAP_WRITE]   = { "clear_refs_mmap_write", 1, 1 },
  [K_WP_FLUSHES_TLB]          = { "wp_flushes_tlb", 1, 1 },
  [K_RO_PIN_UNSHARES]         = { "ro_pin_unshares", 1, 1 },
  [K_DIO_PINS]                = { "dio_pins", 1, 1 },
  [K_LONGTERM_FILE_WRITE_PIN] = { "longterm_file_write_pin", 1, 0 },
  [K_GUP_WAITS_WRITEBACK]     = { "gup_waits_writeback", 1, 1 },
  [K_COW]                     = { "cow", 1, 1 },
  [K_RACE_DELAY_MS]           = { "race_delay_ms", 1000, 0 },
};

static int values[NKNOBS];

void
knobs_init(void)
{
  for(int i = 0; i < NKNOBS; i++)
    values[i] = defs[i].modern;
}

int
knob(enum knob k)
{
  return __atomic_load_n(&values[k], __ATOMIC_SEQ_CST);
}

// vmknob(name, value): set knob name to value (-1: only read it). Returns
// the old value, or -EINVAL (unknown name or value), -EFAULT.
uint64
sys_vmknob(void)
{
  char name[32];
  int value;
  argint(1, &value);
  int r = argstr(0, name, sizeof(name));
  if(r < 0)
    return r == -ENAMETOOLONG ? -EINVAL : r;
  for(int i = 0; i < NKNOBS; i++){
    if(strncmp(name, defs[i].name, sizeof(name)) != 0)
      continue;
    if(value < -1 || value > defs[i].max)
      return -EINVAL;
    return value < 0 ? knob(i) : __atomic_exchange_n(&values[i], value, __ATOMIC_SEQ_CST);
  }
  return -EINVAL;
}

// Wait until *word is no longer val (word 0: never), for at most n times
// race_delay_ms; 1 if it changed. Spin with interrupts on: the other side
// of the race runs on another hart, or on this one when the timer preempts
// this thread (make a window at least a tick, 100 ms, for that). Yielding
// in a loop instead would send threads hopping between harts, and a thread
// that moves loses its TLB (stale_tlb needs it kept). Never called with a
// spinlock held.
static uint64
race_end(int n)
{
  return r_time() + (timebase / 1000) * n * knob(K_RACE_DELAY_MS);
}

int
race_wait(uint64 *word, uint64 val, int n)
{
  uint64 end = race_end(n);
  while(r_time() < end)
    if(word && __atomic_load_n(word, __ATOMIC_SEQ_CST) != val)
      return 1;
  return 0;
}

// Widen a race window to n times race_delay_ms.
void
race_delay(int n)
{
  race_wait(0, 0, n);
}

// gup_fast_fork's late pin (race_delay_ms): a pinner that no fork met at
// the top of gup_fast_one has read all it reads; in grab_page, about to
// pin, it waits for a fork to stand in its window at va, and then pins
// the page the fork looked at.
void
race_gup_fast_pin(struct mm_struct *mm, uint64 va)
{
  if(va == 0 || __atomic_load_n(&mm->race.pin_va, __ATOMIC_SEQ_CST) != va)
    return;
  race_wait(&mm->race.fork_va, 0, 4);
  __atomic_store_n(&mm->race.pin_va, 0, __ATOMIC_SEQ_CST);
}

// ro_pin_gupfast's window: GUP-fast, about to take its reference to pg
// for a short-term read-only pin, waits (at most 4 times race_delay_ms)
// until a whole fork of mm has run: write_protect_seq, odd while fork
// copies the page tables, reaches the next even value. Only where such a
// fork leaves no trace in the PTE: pg is exclusive and mapped read-only,
// so fork shares it (it is not pinned yet), clears its exclusive bit and
// leaves the PTE as it was. What GUP-fast learnt of pg before this call
// may then be stale; what it learns after taking the reference is not.
void
race_gup_fast_grab(struct mm_struct *mm, pte_t pte, struct page *pg, int flags)
{
  if(!knob(K_RACE_DELAY_MS) || (flags & (FOLL_PIN | FOLL_WRITE | FOLL_LONGTERM)) != FOLL_PIN ||
     (pte & PTE_W) || !PageAnonExclusive(pg))
    return;
  uint done = (__atomic_load_n(&mm->write_protect_seq, __ATOMIC_SEQ_CST) + 2) & ~1U;
  uint64 end = race_end(4);
  while(r_time() < end && (int)(__atomic_load_n(&mm->write_protect_seq, __ATOMIC_SEQ_CST) - done) < 0)
    ;
}
