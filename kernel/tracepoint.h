// The mm tracepoints (kernel/trace.c): one named call where the story
// happens, as Linux's trace_<event>() calls. defs.h includes this file.
// A disabled event costs its call site one load and one branch that is
// predicted not taken: the inline wrapper tests trace_mask and only then
// calls the recorder (__trace_<event>) out of line.
#include "trace.h"

struct vm_area_struct;
struct mm_struct;
struct page;
struct blk_req;
struct proc;

// Enabled events, a bit per enum trace_event. Written by trace_ctl, read
// without a lock (atomic): an event that races the change may go either way.
extern uint64 trace_mask;
void trace_init(void);   // the buffers of the harts found at boot

static inline int
trace_on(uint64 events)
{
  return __builtin_expect((__atomic_load_n(&trace_mask, __ATOMIC_RELAXED) & events) != 0, 0);
}

// TRACEPOINT(name, events, (params), (args)): trace_name(params) records
// when one of events is on.
#define TRACEPOINT(name, events, params, args)                          \
  void __trace_##name params;                                           \
  static inline void trace_##name params                                \
  { if(trace_on(events)) __trace_##name args; }
#define TB(id) (1UL << TRACE_##id)

// memory.c: faults, mapping and unmapping, COW, fork
TRACEPOINT(mm_fault, TB(MM_FAULT), (struct vm_area_struct *vma, uint64 va, int flags), (vma, va, flags))
TRACEPOINT(mm_fault_error, TB(MM_FAULT_ERROR), (uint64 va, int flags, int err), (va, flags, err))
TRACEPOINT(map_page, TB(MAP_PAGE) | TB(ZERO_PAGE_MAP), (struct vm_area_struct *vma, uint64 va), (vma, va))
TRACEPOINT(zap_page, TB(ZAP_PAGE), (uint64 va, uint64 pte), (va, pte))
TRACEPOINT(cow_copy, TB(COW_COPY) | TB(COW_UNSHARE),
           (uint64 va, uint64 pte, struct page *old, struct page *new, int mode), (va, pte, old, new, mode))
TRACEPOINT(cow_reuse, TB(COW_REUSE), (uint64 va, uint64 pte, int unshare), (va, pte, unshare))
TRACEPOINT(fork_share, TB(FORK_SHARE), (uint64 va, uint64 pte), (va, pte))
TRACEPOINT(fork_copy, TB(FORK_COPY), (uint64 va, uint64 pte, struct page *old), (va, pte, old))
// gup.c
TRACEPOINT(gup_fast, TB(GUP_FAST), (uint64 start, int npages, int flags, int fast), (start, npages, flags, fast))
TRACEPOINT(gup_slow, TB(GUP_SLOW), (uint64 va, int flags, int err, struct page *pg), (va, flags, err, pg))
TRACEPOINT(pin, TB(PIN), (uint64 va, struct page *pg), (va, pg))
TRACEPOINT(unpin, TB(UNPIN), (struct page *pg), (pg))
// task_mmu.c, tlbflush.c
TRACEPOINT(clear_refs_wp, TB(CLEAR_REFS_WP), (uint64 va, uint64 pte), (va, pte))
TRACEPOINT(tlb_flush_local, TB(TLB_FLUSH_LOCAL), (uint64 start, uint64 end), (start, end))
TRACEPOINT(tlb_flush_remote, TB(TLB_FLUSH_REMOTE), (int cpu, uint64 start, uint64 end), (cpu, start, end))
TRACEPOINT(tlb_flush_deferred, TB(TLB_FLUSH_DEFERRED) | TB(TLB_FLUSH_DONE),
           (struct mm_struct *mm, int done), (mm, done))
// page-writeback.c, direct-io.c, pipe.c
TRACEPOINT(writeback, TB(WRITEBACK_START) | TB(WRITEBACK_END), (struct page *pg, int end), (pg, end))
TRACEPOINT(dio, TB(DIO_SUBMIT) | TB(DIO_COMPLETE), (struct blk_req *r, int done), (r, done))
TRACEPOINT(vmsplice, TB(VMSPLICE_GET) | TB(VMSPLICE_PUT), (struct page *pg, uint64 va, int len), (pg, va, len))
// race.c, proc.c, exec.c
TRACEPOINT(race, TB(RACE_OPEN) | TB(RACE_CLOSE), (const char *window, int ms, int close), (window, ms, close))
TRACEPOINT(task_fork, TB(TASK_FORK), (struct proc *child, int thread), (child, thread))
TRACEPOINT(task_exec, TB(TASK_EXEC), (struct proc *p), (p))
