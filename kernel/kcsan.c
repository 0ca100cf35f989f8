// The data-race detector (make KCSAN=1), after Linux's KCSAN: GCC's
// -fsanitize=thread makes every load and store of the kernel call one of
// the __tsan_* functions below first (this file itself, ksyms.c and
// string.c are built without). Now and then, about once in `interval`
// accesses per hart, an access is watched: the hart publishes a soft
// watchpoint (address, size, read or write) and waits a little with
// interrupts off. Any other hart that accesses the same bytes meanwhile,
// where at least one of the two is a write and not both are marked
// (atomics, READ_ONCE/WRITE_ONCE), finds the watchpoint and claims it: a
// data race, caught while both harts stand at their accesses. If the
// value changed during the wait and no access was seen (a hart in
// string.c's memmove, say, or a device), that is reported too.
//
// Accesses ordered by a lock never meet in the window: whoever watches
// holds the lock, so no other hart can be at a conflicting access. Only
// accesses that run at the same time are reported, so a race is found
// when the workload makes it happen, which is why make test runs the
// busiest workloads (usertests, the mm torture, the fuzzer) under it.
//
// A report names both accesses (function+offset and source line through
// ksyms.c, and a few callers), their harts and kinds and the address, is
// printed once per pair of places, and the kernel runs on. kcheck.c's
// KCHECK_REPORTS lets a test count them.

#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

#define KCSAN_WRITE   1
#define KCSAN_ATOMIC  2   // an atomic or a READ_ONCE/WRITE_ONCE
#define KCSAN_WORD    4   // with KCSAN_ATOMIC: a plain word store (PLAIN_WRITE)

#define NPCS 4            // the access and three callers
#define DELAY_US 100      // how long a watchpoint stays up
#define MAXREPORTS 128    // pairs of places reported (then: quiet)

struct access {
  uint64 addr;
  int size;
  int type;               // KCSAN_WRITE, KCSAN_ATOMIC, KCSAN_WORD
  int cpu;                // index into cpus[]
  uint64 pcs[NPCS];       // return addresses: the access's, then its callers'
};

// A hart's watchpoint: only that hart sets it up and takes it down;
// another hart that runs into it claims it and fills in other.
struct watchpoint {
  uint64 key;             // nonzero while up: a number new for each watch; atomic
  struct access a;        // the watched access; written before key is set
  uint64 claim;           // key of the watch an observer claimed; atomic
  uint64 done;            // that key again once other is filled in; atomic
  struct access other;    // the observer's access; written by the claimer
};

// A race found, printed when the hart holds no spin lock (flush).
struct report {
  int full;               // a report waits to be printed
  struct access a, other;
  int seen;               // other is known (else the value changed)
  uint64 old, new;        // the value before and after the watch
};

// Per hart, used only by that hart with interrupts off, or (skip and the
// test of pending.full) by whatever runs on it: a preempted thread may
// decrement another hart's countdown once, which only moves its next watch.
struct kcsan_cpu {
  int skip;               // accesses left before the next watch
  int disabled;           // >0: no checks (the detector itself, data_race())
  uint64 rng;             // xorshift state for the next skip
  uint64 seq;             // watches made, for the keys
  struct report pending;
};

static struct watchpoint watch[NCPU];
static struct kcsan_cpu kc[NCPU];
static int enabled;           // set once by kcsan_init; atomic
static int nwatching;         // watchpoints up; atomic (observers look only if >0)
static int interval = 2000;   // mean accesses between watches; atomic
int kcsan_reports;            // reports printed; atomic

static int report_lock;       // a bare flag: spinlocks are instrumented
static uint64 reported[MAXREPORTS][2];   // pairs of places printed; report_lock
static int nreported;                    // report_lock

static void
record(struct access *a, uint64 addr, int size, int type, uint64 pc, uint64 fp)
{
  a->addr = addr;
  a->size = size;
  a->type = type;
  a->cpu = r_tp();
  a->pcs[0] = pc;
  ksym_callers(fp, a->pcs + 1, NPCS - 1);
}

static void
print_access(struct access *a)
{
  printf("  %s%s of %d bytes at %p by hart %d (cpu %d):\n",
         a->type & KCSAN_WORD ? "" : a->type & KCSAN_ATOMIC ? "marked " : "",
         a->type & KCSAN_WRITE ? "write" : "read", a->size, (void *)a->addr,
         cpus[a->cpu].hartid, a->cpu);
  for(int i = 0; i < NPCS && a->pcs[i]; i++){
    printf("    ");
    ksym_print(a->pcs[i] - 4);   // the call instruction, not the one after it
    printf("\n");
  }
}

// Is the pair of places p, q (0: no second access) new? Then it is
// remembered as reported.
static int
fresh_pair(uint64 p, uint64 q)
{
  uint64 lo = p < q ? p : q, hi = p < q ? q : p;
  int fresh = 1;

  while(__atomic_exchange_n(&report_lock, 1, __ATOMIC_ACQUIRE))
    ;
  for(int i = 0; i < nreported && fresh; i++)
    if(reported[i][0] == lo && reported[i][1] == hi)
      fresh = 0;
  if(fresh && nreported < MAXREPORTS){
    reported[nreported][0] = lo;
    reported[nreported][1] = hi;
    nreported++;
  } else
    fresh = 0;    // seen, or the table is full: quiet from here on
  __atomic_store_n(&report_lock, 0, __ATOMIC_RELEASE);
  return fresh;
}

// Print c's pending report. Only with no spin lock held on this hart
// (noff 0): printf takes pr_lock and the UART's lock, which the raced
// code itself may hold, or another hart that waits for this one.
// Interrupts are off.
static void
flush(struct kcsan_cpu *c)
{
  struct report *r = &c->pending;
  if(!r->full || cpus[r_tp()].noff != 0)
    return;
  c->disabled++;
  __atomic_fetch_add(&kcsan_reports, 1, __ATOMIC_SEQ_CST);
  printf("==================================================================\n");
  printf("KCSAN: data-race at %p%s\n", (void *)r->a.addr,
         r->seen ? "" : " (value changed, no access seen)");
  print_access(&r->a);
  if(r->seen)
    print_access(&r->other);
  else
    printf("  value: %p -> %p\n", (void *)r->old, (void *)r->new);
  printf("==================================================================\n");
  r->full = 0;
  c->disabled--;
}

// Report a race between a and other (0: the value changed from old to
// new and no access was seen), once per pair of places: now, or when
// this hart next holds no spin lock (flush).
static void
report(struct kcsan_cpu *c, struct access *a, struct access *other, uint64 old, uint64 new)
{
  struct report *r = &c->pending;
  if(r->full || !fresh_pair(a->pcs[0], other ? other->pcs[0] : 0))
    return;   // (one pending at a time: a race missed now comes again)
  r->a = *a;
  r->seen = other != 0;
  if(other)
    r->other = *other;
  r->old = old;
  r->new = new;
  r->full = 1;
  flush(c);
}

// The size bytes at addr, read one at a time (an access may be unaligned).
static uint64
peek(uint64 addr, int size)
{
  uint64 v = 0;
  for(int i = 0; i < size; i++)
    v |= (uint64)((volatile uchar *)addr)[i] << (8 * i);
  return v;
}

static int
overlap(uint64 a, int asize, uint64 b, int bsize)
{
  return a < b + bsize && b < a + asize;
}

// Does another hart watch bytes of [addr, addr+size) that this access
// races with? Then claim its watchpoint and tell it who we are.
static void __attribute__((noinline))
observe(uint64 addr, int size, int type, uint64 pc, uint64 fp)
{
  int me = r_tp();
  for(int i = 0; i < ncpu; i++){
    struct watchpoint *w = &watch[i];
    uint64 key = __atomic_load_n(&w->key, __ATOMIC_ACQUIRE);
    if(i == me || key == 0)
      continue;
    if(!overlap(w->a.addr, w->a.size, addr, size) || !((w->a.type | type) & KCSAN_WRITE))
      continue;
    // The watched access is never marked (see check): it is a race.
    // Interrupts off while claimed: the watcher waits for done.
    uint64 zero = 0;
    int on = intr_get();
    intr_off();
    if(__atomic_load_n(&w->key, __ATOMIC_ACQUIRE) == key &&
       __atomic_compare_exchange_n(&w->claim, &zero, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)){
      record(&w->other, addr, size, type, pc, fp);
      __atomic_store_n(&w->done, key, __ATOMIC_RELEASE);
    }
    if(on)
      intr_on();
  }
}

// Watch this access: publish it, wait, and see whether another hart came
// by or the value changed.
static void __attribute__((noinline))
watch_access(uint64 addr, int size, int type, uint64 pc, uint64 fp)
{
  int on = intr_get();
  intr_off();
  struct kcsan_cpu *c = &kc[r_tp()];   // no hart change from here on
  struct watchpoint *w = &watch[r_tp()];

  c->rng ^= c->rng << 13;
  c->rng ^= c->rng >> 7;
  c->rng ^= c->rng << 17;
  c->skip = 1 + c->rng % (2 * __atomic_load_n(&interval, __ATOMIC_RELAXED));
  c->disabled++;
  record(&w->a, addr, size > 8 ? 8 : size, type, pc, fp);
  __atomic_store_n(&w->claim, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&w->done, 0, __ATOMIC_RELAXED);
  uint64 key = (++c->seq << 8) | (r_tp() + 1);
  __atomic_store_n(&w->key, key, __ATOMIC_RELEASE);
  __atomic_fetch_add(&nwatching, 1, __ATOMIC_SEQ_CST);

  uint64 old = peek(addr, w->a.size);
  uint64 end = r_time() + timebase * DELAY_US / 1000000;
  while(r_time() < end && __atomic_load_n(&w->claim, __ATOMIC_RELAXED) == 0)
    ;
  uint64 new = peek(addr, w->a.size);

  __atomic_store_n(&w->key, 0, __ATOMIC_RELEASE);
  __atomic_fetch_sub(&nwatching, 1, __ATOMIC_SEQ_CST);
  // 1 is never a key: an observer that saw the key too late fails to claim.
  uint64 claimed = __atomic_exchange_n(&w->claim, 1, __ATOMIC_ACQ_REL);
  if(claimed == key){
    // The observer fills in its side with a few loads; give it a moment.
    uint64 wait = r_time() + timebase / 1000;
    while(__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) != key && r_time() < wait)
      ;
    if(__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) == key)
      report(c, &w->a, &w->other, 0, 0);
  } else if(old != new)
    report(c, &w->a, 0, old, new);
  c->disabled--;
  if(on)
    intr_on();
}

// Print this hart's pending report if it can now.
static void __attribute__((noinline))
flush_pending(void)
{
  int on = intr_get();
  intr_off();
  flush(&kc[r_tp()]);
  if(on)
    intr_on();
}

// Every instrumented access comes here first. The common case costs a
// few loads: nothing watched anywhere, and not yet this hart's turn.
static inline __attribute__((always_inline)) void
check(uint64 addr, int size, int type, uint64 pc, uint64 fp)
{
  if(!__atomic_load_n(&enabled, __ATOMIC_RELAXED))
    return;
  struct kcsan_cpu *c = &kc[r_tp()];
  if(c->disabled)
    return;
  if(c->pending.full)
    flush_pending();
  if(__atomic_load_n(&nwatching, __ATOMIC_RELAXED))
    observe(addr, size, type, pc, fp);
  // Marked accesses are never watched: two of them do not race, and
  // device registers (volatile) must not be read twice.
  if((type & KCSAN_ATOMIC) || --c->skip > 0 || addr < PAGE_OFFSET)
    return;
  watch_access(addr, size, type, pc, fp);
}

#define CHECK(addr, size, type) \
  check((uint64)(addr), size, type, (uint64)__builtin_return_address(0), \
        (uint64)__builtin_frame_address(0))

void
kcsan_init(void)
{
  for(int i = 0; i < NCPU; i++){
    kc[i].rng = 0x9e3779b97f4a7c15ULL * (i + 1);
    kc[i].skip = 1 + kc[i].rng % (2 * interval);
  }
  __atomic_store_n(&enabled, 1, __ATOMIC_SEQ_CST);
  printf("KCSAN: enabled, a watchpoint about every %d accesses per hart\n", interval);
}

// The mean number of accesses between watches (kcheck.c: a test that
// wants its race found soon watches more often). Returns the old one.
int
kcsan_set_interval(int n)
{
  return __atomic_exchange_n(&interval, n, __ATOMIC_SEQ_CST);
}

// data_race(): no checks on this hart until kcsan_enable. Interrupts
// stay off in between, so the thread cannot move to another hart.
void
kcsan_disable(void)
{
  push_off();
  kc[r_tp()].disabled++;
}

void
kcsan_enable(void)
{
  kc[r_tp()].disabled--;
  pop_off();
}

// The entry points GCC's -fsanitize=thread calls (their names and
// arguments are GCC's, from libtsan's interface).

void __tsan_init(void) { }

// As Linux assumes by default (KCSAN_ASSUME_PLAIN_WRITES_ATOMIC), a plain
// aligned store of at most a word is one store on RISC-V and counts as
// marked: a flag set without WRITE_ONCE is no report, but a plain load
// racing with it is (the compiler may reload or tear that).
#define PLAIN_WRITE(a, n) \
  ((n) <= 8 && (uint64)(a) % (n) == 0 ? KCSAN_WORD | KCSAN_ATOMIC | KCSAN_WRITE : KCSAN_WRITE)

#define PLAIN(n) \
  void __tsan_read##n(void *a) { CHECK(a, n, 0); } \
  void __tsan_write##n(void *a) { CHECK(a, n, PLAIN_WRITE(a, n)); } \
  void __tsan_unaligned_read##n(void *a) { CHECK(a, n, 0); } \
  void __tsan_unaligned_write##n(void *a) { CHECK(a, n, KCSAN_WRITE); } \
  void __tsan_volatile_read##n(void *a) { CHECK(a, n, KCSAN_ATOMIC); } \
  void __tsan_volatile_write##n(void *a) { CHECK(a, n, KCSAN_ATOMIC | KCSAN_WRITE); }
PLAIN(1)
PLAIN(2)
PLAIN(4)
PLAIN(8)
PLAIN(16)

// Struct copies: checked against watchpoints, never watched themselves.
void __tsan_read_range(void *a, unsigned long n) { CHECK(a, n, KCSAN_ATOMIC); }
void __tsan_write_range(void *a, unsigned long n) { CHECK(a, n, KCSAN_ATOMIC | KCSAN_WRITE); }

// Atomics: marked accesses, then the operation itself. The memory order
// is a variable here, which GCC treats as the strongest (seq_cst).
#define ATOMICS(bits, T) \
  T __tsan_atomic##bits##_load(volatile T *a, int mo) \
    { CHECK(a, bits / 8, KCSAN_ATOMIC); return __atomic_load_n(a, mo); } \
  void __tsan_atomic##bits##_store(volatile T *a, T v, int mo) \
    { CHECK(a, bits / 8, KCSAN_ATOMIC | KCSAN_WRITE); __atomic_store_n(a, v, mo); } \
  T __tsan_atomic##bits##_exchange(volatile T *a, T v, int mo) \
    { CHECK(a, bits / 8, KCSAN_ATOMIC | KCSAN_WRITE); return __atomic_exchange_n(a, v, mo); } \
  T __tsan_atomic##bits##_fetch_add(volatile T *a, T v, int mo) \
    { CHECK(a, bits / 8, KCSAN_ATOMIC | KCSAN_WRITE); return __atomic_fetch_add(a, v, mo); } \
  T __tsan_atomic##bits##_fetch_sub(volatile T *a, T v, int mo) \
    { CHECK(a, bits / 8, KCSAN_ATOMIC | KCSAN_WRITE); return __atomic_fetch_sub(a, v, mo); } \
  T __tsan_atomic##bits##_fetch_and(volatile T *a, T v, int mo) \
    { CHECK(a, bits / 8, KCSAN_ATOMIC | KCSAN_WRITE); return __atomic_fetch_and(a, v, mo); } \
  T __tsan_atomic##bits##_fetch_or(volatile T *a, T v, int mo) \
    { CHECK(a, bits / 8, KCSAN_ATOMIC | KCSAN_WRITE); return __atomic_fetch_or(a, v, mo); } \
  T __tsan_atomic##bits##_fetch_xor(volatile T *a, T v, int mo) \
    { CHECK(a, bits / 8, KCSAN_ATOMIC | KCSAN_WRITE); return __atomic_fetch_xor(a, v, mo); } \
  int __tsan_atomic##bits##_compare_exchange_strong(volatile T *a, T *c, T v, int mo, int fmo) \
    { CHECK(a, bits / 8, KCSAN_ATOMIC | KCSAN_WRITE); \
      return __atomic_compare_exchange_n(a, c, v, 0, mo, fmo); } \
  int __tsan_atomic##bits##_compare_exchange_weak(volatile T *a, T *c, T v, int mo, int fmo) \
    { CHECK(a, bits / 8, KCSAN_ATOMIC | KCSAN_WRITE); \
      return __atomic_compare_exchange_n(a, c, v, 1, mo, fmo); } \
  T __tsan_atomic##bits##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fmo) \
    { CHECK(a, bits / 8, KCSAN_ATOMIC | KCSAN_WRITE); \
      __atomic_compare_exchange_n(a, &c, v, 0, mo, fmo); return c; }
ATOMICS(32, uint32)
ATOMICS(64, uint64)

void __tsan_atomic_thread_fence(int mo) { __atomic_thread_fence(mo); }
void __tsan_atomic_signal_fence(int mo) { __atomic_signal_fence(mo); }
