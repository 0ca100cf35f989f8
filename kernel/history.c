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
  [K_FOLL_COW]                 = { "foll_cow", 2, 2 },
  [K_COW_REUSE]                = { "cow_reuse", 2, 2 },
  [K_GUP_READ_BREAKS_COW]      = { "gup_read_breaks_cow", 1, 0 },
  [K_FORK_COPIES_PINNED]       = { "fork_copies_pinned", 1, 1 },
  [K_FORK_GUP_FAST_SEQ]        = { "fork_gup_fast_seq", 1, 1 },
  [K_CLEAR_REFS_SKIPS_PINNED]  = { "clear_refs_skips_pinned", 1, 1 },
  [K_CLEAR_REFS_MMAP_WRITE]    = { "clear_refs_mmap_write", 1, 1 },
  [K_WP_FLUSHES_TLB]           = { "wp_flushes_tlb", 1, 1 },
  [K_RO_PIN_UNSHARES]          = { "ro_pin_unshares", 1, 1 },
  [K_RO_LONGTERM_UNSHARES_ANY] = { "ro_longterm_unshares_any", 1, 1 },
  [K_DIO_PINS]                 = { "dio_pins", 1, 1 },
  [K_LONGTERM_FILE_WRITE_PIN]  = { "longterm_file_write_pin", 1, 0 },
  [K_GUP_WAITS_WRITEBACK]      = { "gup_waits_writeback", 1, 1 },
  [K_COW]                      = { "cow", 1, 1 },
  [K_TOUCH_PMD_DIRTY]          = { "touch_pmd_dirty", 1, 0 },
  [K_THP_COW_HUGE]             = { "thp_cow_huge", 1, 0 },
  [K_THP_REUSE_REFCOUNT]       = { "thp_reuse_refcount", 1, 1 },
  [K_RACE_DELAY_MS]            = { "race_delay_ms", 1000, 0 },
  // Not history: the policy of Linux's transparent_hugepage/enabled,
  // 0 never, 1 madvise, 2 always (huge_memory.c).
  [K_THP]                      = { "transparent_hugepage", 2, 1 },
};

int knob_values[NKNOBS];

void
knobs_init(void)
{
  for(int i = 0; i < NKNOBS; i++)
    knob_values[i] = defs[i].modern;
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
    return value < 0 ? knob(i) : __atomic_exchange_n(&knob_values[i], value, __ATOMIC_SEQ_CST);
  }
  return -EINVAL;
}
