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
  [THP_FAULT_ALLOC] = "thp_fault_alloc",
  [THP_FAULT_FALLBACK] = "thp_fault_fallback",
  [THP_SPLIT_PMD] = "thp_split_pmd",
  [THP_ZERO_PAGE_ALLOC] = "thp_zero_page_alloc",
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

// The gauges, then the event counters: one record each. The gauges are a
// snapshot taken at one moment (buddy_info): the free frames, then the
// free blocks of each order (Linux's /proc/buddyinfo), which add up to them.
#define NR_GAUGES (1 + MAX_ORDER)
static const char *order_names[MAX_ORDER] = {
  "buddy_order0", "buddy_order1", "buddy_order2", "buddy_order3", "buddy_order4",
  "buddy_order5", "buddy_order6", "buddy_order7", "buddy_order8", "buddy_order9",
  "buddy_order10",
};

static void
fill_entry(struct vmstat_entry *e, int i, uint64 nr_free, uint64 *blocks)
{
  memset(e, 0, sizeof(*e));
  if(i == 0){
    safestrcpy(e->name, "nr_free_pages", sizeof(e->name));
    e->value = nr_free;
  } else if(i < NR_GAUGES){
    safestrcpy(e->name, (char *)order_names[i - 1], sizeof(e->name));
    e->value = blocks[i - 1];
  } else {
    safestrcpy(e->name, (char *)vm_event_names[i - NR_GAUGES], sizeof(e->name));
    e->value = vm_event(i - NR_GAUGES);
  }
}

// The vmstat system call: fill up to max entries at user uaddr with the
// gauges and the event counters. Returns the number filled.
int
vmstat_copyout(uint64 uaddr, int max)
{
  struct vmstat_entry e;
  uint64 blocks[MAX_ORDER];
  uint64 nr_free = buddy_info(blocks);
  int n = 0;

  if(max < 0)
    return -EINVAL;
  for(; n < NR_GAUGES + NR_VM_EVENTS && n < max; n++){
    fill_entry(&e, n, nr_free, blocks);
    if(copyout(myproc()->mm->pgd, uaddr + n * sizeof(e), (char *)&e, sizeof(e)) < 0)
      return -EFAULT;
  }
  return n;
}
