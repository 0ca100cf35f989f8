// Counters of memory-management events (Linux: mm/vmstat.c), read by the
// vmstat system call. Plain atomic adds: they are statistics, not locks.

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../proc.h"
#include "../vmstat.h"
#include "../defs.h"

static uint64 events[NR_VM_EVENTS];

const char *vm_event_names[NR_VM_EVENTS] = {
  [COW_FAULT] = "cow_fault",
  [COW_COPY]  = "cow_copy",
  [COW_REUSE] = "cow_reuse",
  [UNSHARE_FAULT] = "unshare_fault",
  [ZERO_PAGE_MAP] = "zero_page_map",
  [PGCACHE_HIT] = "pgcache_hit",
  [PGCACHE_MISS] = "pgcache_miss",
  [PGWRITEBACK] = "pgwriteback",
  [TLB_SHOOTDOWN] = "tlb_shootdown",
  [GUP_FAST_PAGES] = "gup_fast_pages",
  [GUP_SLOW_PAGES] = "gup_slow_pages",
  [GUP_FAST_FALLBACK] = "gup_fast_fallback",
  [GUP_WRITEBACK_WAIT] = "gup_writeback_wait",
  [NR_FOLL_PIN_ACQUIRED] = "nr_foll_pin_acquired",
  [NR_FOLL_PIN_RELEASED] = "nr_foll_pin_released",
};

void
count_vm_event(enum vm_event_item item)
{
  __atomic_add_fetch(&events[item], 1, __ATOMIC_RELAXED);
}

uint64
vm_event(enum vm_event_item item)
{
  return __atomic_load_n(&events[item], __ATOMIC_RELAXED);
}

// The vmstat system call: fill up to max entries at user uaddr with the
// gauges (free pages) and the event counters. Returns the number filled.
int
vmstat_copyout(uint64 uaddr, int max)
{
  struct vmstat_entry e;
  int n = 0;

  if(max < 0)
    return -EINVAL;
  for(int i = -1; i < NR_VM_EVENTS && n < max; i++, n++){
    memset(&e, 0, sizeof(e));
    safestrcpy(e.name, i < 0 ? "nr_free_pages" : (char *)vm_event_names[i], sizeof(e.name));
    e.value = i < 0 ? nr_free_pages() : vm_event(i);
    if(copyout(myproc()->mm->pgd, uaddr + n * sizeof(e), (char *)&e, sizeof(e)) < 0)
      return -EFAULT;
  }
  return n;
}
