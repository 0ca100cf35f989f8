// Fault injection (kernel/fault-inject.c), shared by the kernel and user
// programs (user/failtest.c, user/fail.c). Modelled on Linux's
// fail_page_alloc and fail_make_request (Documentation/fault-injection).

// What can be made to fail: failinject's first argument.
#define FAIL_PAGE_ALLOC    0   // alloc_page returns no page
#define FAIL_MAKE_REQUEST  1   // a disk request ends with an I/O error, not sent
#define NFAIL              2

// A failure point's settings. A call is eligible if the caller passes the
// task filter and it is the interval-th since the last eligible one; an
// eligible call fails with the given probability, while times allows.
struct fault_config {
  int probability;   // percent of eligible calls that fail, 0..100 (0: off)
  int interval;      // only every interval-th call is eligible (0, 1: all)
  int times;         // at most this many failures; -1: no limit
  int task_filter;   // 1: only in processes marked make-it-fail (below)
  uint64 seed;       // the pseudo-random sequence: the same seed, the same failures
};

// failinject(which, cfg): set which's settings (cfg 0: leave them).
// With task_filter set, the caller's process is marked make-it-fail; its
// children made by fork later are too, and exec keeps the mark (Linux's
// /proc/PID/make-it-fail). Returns the failures injected at which since
// its last setting, or -EINVAL (which, probability or interval out of
// range), -EFAULT.
