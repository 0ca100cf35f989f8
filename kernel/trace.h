// The mm tracepoints' records, shared by the kernel (trace.c) and user
// programs (user/trace.c, user/tracetest.c); docs/syscalls.md, trace_ctl
// and trace_read, has the calls.
//
// TRACE_EVENTS lists every event: its id, its name (what `trace -e`
// takes and the dump prints) and the layout of its fields f[0..], which
// the trace program follows to print them. A layout is a list of
// name:kind, each kind taking one field, except page (two: the frame
// number and trace_page_state's word) and str (three: up to 24 chars):
//   x hex, d decimal, pte a PTE's bits, fault FAULT_FLAG_*, foll FOLL_*,
//   page a frame and its counts, str a name.

#define TRACE_EVENTS(E) \
  E(MM_FAULT,           "mm_fault",           "va:x flags:fault pte:pte page:page") \
  E(MM_FAULT_ERROR,     "mm_fault_error",     "va:x flags:fault err:d") \
  E(MAP_PAGE,           "map_page",           "va:x pte:pte page:page") \
  E(ZERO_PAGE_MAP,      "zero_page_map",      "va:x pte:pte page:page") \
  E(ZAP_PAGE,           "zap_page",           "va:x pte:pte page:page") \
  E(COW_COPY,           "cow_copy",           "va:x pte:pte old:page new:page") \
  E(COW_UNSHARE,        "cow_unshare",        "va:x pte:pte old:page new:page") \
  E(COW_REUSE,          "cow_reuse",          "va:x pte:pte page:page unshare:d") \
  E(GUP_FAST,           "gup_fast",           "start:x npages:d flags:foll fast:d") \
  E(GUP_SLOW,           "gup_slow",           "va:x flags:foll err:d page:page") \
  E(PIN,                "pin",                "va:x page:page") \
  E(UNPIN,              "unpin",              "page:page") \
  E(FORK_SHARE,         "fork_share",         "va:x pte:pte page:page") \
  E(FORK_COPY,          "fork_copy",          "va:x pte:pte old:page new:page") \
  E(CLEAR_REFS_WP,      "clear_refs_wp",      "va:x pte:pte page:page") \
  E(TLB_FLUSH_LOCAL,    "tlb_flush_local",    "start:x end:x") \
  E(TLB_FLUSH_REMOTE,   "tlb_flush_remote",   "cpu:d start:x end:x") \
  E(TLB_FLUSH_DEFERRED, "tlb_flush_deferred", "pending:d") \
  E(TLB_FLUSH_DONE,     "tlb_flush_done",     "pending:d") \
  E(WRITEBACK_START,    "writeback_start",    "index:d page:page") \
  E(WRITEBACK_END,      "writeback_end",      "page:page") \
  E(DIO_SUBMIT,         "dio_submit",         "sector:d write:d nseg:d page:page") \
  E(DIO_COMPLETE,       "dio_complete",       "sector:d write:d err:d page:page") \
  E(VMSPLICE_GET,       "vmsplice_get",       "va:x len:d page:page") \
  E(VMSPLICE_PUT,       "vmsplice_put",       "page:page") \
  E(RACE_OPEN,          "race_open",          "window:str ms:d") \
  E(RACE_CLOSE,         "race_close",         "window:str ms:d") \
  E(TASK_FORK,          "task_fork",          "child:d thread:d") \
  E(TASK_EXEC,          "task_exec",          "comm:str")

#define TRACE_ID(id, name, fields) TRACE_##id,
enum trace_event { TRACE_EVENTS(TRACE_ID) NTRACE_EVENTS };
#undef TRACE_ID

#define TRACE_ALL ((1UL << NTRACE_EVENTS) - 1)
#define TRACE_NFIELDS 7

// One event, as trace_read returns it.
struct trace_entry {
  uint64 time;          // r_time(): timebase ticks since boot (TRACE_TIMEBASE)
  ushort event;         // enum trace_event
  ushort cpu;           // the hart it happened on
  int pid;              // the process (0: none, an interrupt at boot)
  int tid;              // the thread (its pid for the main thread)
  uint64 f[TRACE_NFIELDS];
};

// trace_ctl's operations.
#define TRACE_SET      0   // enable the events of mask arg (1 << TRACE_x); returns the old mask
#define TRACE_CLEAR    1   // empty every hart's buffer, zero the lost counts
#define TRACE_LOST     2   // events of hart arg overwritten before they were read
#define TRACE_TIMEBASE 3   // ticks per second of trace_entry.time
#define TRACE_NCPU     4   // harts, each with a buffer: trace_read's cpu is below

// A page field's second word (trace_page_state): the counts as the event
// saw them, 16 bits each (saturated), and flags.
#define TP_REF(w)   ((int)(((w) >> 48) & 0xffff))
#define TP_MAP(w)   ((int)(((w) >> 32) & 0xffff))
#define TP_PIN(w)   ((int)(((w) >> 16) & 0xffff))
#define TP_FLAGS(w) ((uint)((w) & 0xffff))
// TP_FLAGS: the PG_* bits of kernel/mm/mm.h (the PI_* of vmmap.h), and
#define TP_ZERO     (1u << 15)   // the shared zero page
