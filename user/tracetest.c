// tracetest: the mm tracepoints (kernel/trace.c). Each test makes the
// kernel do one thing and checks that its events came, from this
// process, with the right fields; "wrap" fills every hart's buffer from
// four threads while reading it; "trace_program" runs the trace program
// and reads its dump. Runs in the default (newest) era.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/vmmap.h"
#include "kernel/trace.h"
#include "user/user.h"
#include "user/testlib.h"

#define MAXREAD 30000
#define BIT(ev) (1UL << TRACE_##ev)

static struct trace_entry *ev;
static int nev;

// Record the events of mask from now on, from empty buffers.
static void
start(uint64 mask)
{
  CHECK(trace_ctl(TRACE_SET, 0) >= 0, "trace_ctl: %s", strerror(errno));
  CHECK(trace_ctl(TRACE_CLEAR, 0) == 0, "trace_ctl clear: %s", strerror(errno));
  CHECK(trace_ctl(TRACE_SET, mask) == 0, "trace_ctl set: %s", strerror(errno));
}

// Stop recording and read every hart's events into ev[0..nev).
static void
stop(void)
{
  trace_ctl(TRACE_SET, 0);
  if(ev == 0)
    CHECK((ev = malloc(MAXREAD * sizeof(*ev))) != 0, "malloc");
  nev = 0;
  int ncpu = trace_ctl(TRACE_NCPU, 0), n;
  for(int c = 0; c < ncpu; c++)
    while((n = trace_read(c, ev + nev, MAXREAD - nev)) > 0)
      nev += n;
}

// The first event of kind e from this process whose first field is f0
// (-1: any), after event *after (0: from the start); 0 if none.
static struct trace_entry *
find_after(struct trace_entry *after, int e, uint64 f0)
{
  struct trace_entry *best = 0;
  for(int i = 0; i < nev; i++){
    struct trace_entry *t = &ev[i];
    if(t->event != e || t->pid != getpid() || (f0 != -1 && t->f[0] != f0))
      continue;
    if(after && t->time < after->time)
      continue;
    if(best == 0 || t->time < best->time)
      best = t;
  }
  return best;
}

static struct trace_entry *
find(int e, uint64 f0)
{
  return find_after(0, e, f0);
}

static struct trace_entry *
need(int e, uint64 f0, char *what)
{
  struct trace_entry *t = find(e, f0);
  CHECK(t, "no %s event (%d events read)", what, nev);
  return t;
}

static uint64
pfn(void *va)
{
  return page_info_of(va)->pfn;
}

// Faults: the zero page on a read, a COW copy of it on the write; fork
// shares the copy, and after the child is gone the next write reuses it.
static void
fault_cow(void)
{
  char *p = map_anon(PGSIZE);
  uint64 va = (uint64)p;
  start(BIT(MM_FAULT) | BIT(ZERO_PAGE_MAP) | BIT(COW_COPY) | BIT(FORK_SHARE) |
        BIT(TASK_FORK) | BIT(COW_REUSE) | BIT(MAP_PAGE));
  volatile char c = p[0];
  (void)c;
  p[0] = 1;
  int go, pid = fork_holder(&go);
  CHECK(let_go(pid, go) == 0, "child");
  p[0] = 2;
  char *q = map_anon(PGSIZE);
  q[0] = 1;
  stop();
  struct trace_entry *f = need(TRACE_MM_FAULT, va, "mm_fault (read)");
  CHECK(f->f[1] == 0 && f->f[2] == 0, "read fault: flags %ld pte 0x%lx", f->f[1], f->f[2]);
  struct trace_entry *z = need(TRACE_ZERO_PAGE_MAP, va, "zero_page_map");
  CHECK(TP_FLAGS(z->f[3]) & TP_ZERO, "zero_page_map: not the zero page");
  struct trace_entry *w = find_after(z, TRACE_MM_FAULT, va);
  CHECK(w && w->f[1] == 1, "no write fault after the zero page");
  struct trace_entry *cp = need(TRACE_COW_COPY, va, "cow_copy");
  CHECK(TP_FLAGS(cp->f[3]) & TP_ZERO, "cow_copy: the old page is not the zero page");
  CHECK((TP_FLAGS(cp->f[5]) & (1 << 4)) && TP_REF(cp->f[5]) == 1, "cow_copy: new page not exclusive");
  CHECK(cp->f[1] & PTE_W, "cow_copy: the new PTE is not writable");
  struct trace_entry *fs = need(TRACE_FORK_SHARE, va, "fork_share");
  CHECK((fs->f[1] & (PTE_W | (1 << 8))) == (1 << 8), "fork_share: pte 0x%lx not COW", fs->f[1]);
  CHECK(fs->f[2] == cp->f[4], "fork_share: not the copy's frame");
  struct trace_entry *tf = need(TRACE_TASK_FORK, pid, "task_fork");
  CHECK(tf->f[1] == 0, "task_fork: a thread?");
  struct trace_entry *r = need(TRACE_COW_REUSE, va, "cow_reuse");
  CHECK(r->f[2] == pfn(p) && r->f[4] == 0, "cow_reuse: frame or unshare wrong");
  struct trace_entry *m = need(TRACE_MAP_PAGE, (uint64)q, "map_page");
  CHECK(m->f[2] == pfn(q) && (TP_FLAGS(m->f[3]) & (1 << 3)), "map_page: frame or anon wrong");
}

// A fault that fails says why; the process is killed.
static void
fault_error(void)
{
  start(BIT(MM_FAULT_ERROR));
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    *(volatile char *)0x3000000000L = 1;   // nothing is mapped there
    exit(0);
  }
  CHECK(reap(pid) == -1, "the child was not killed");
  stop();
  for(int i = 0; i < nev; i++)
    if(ev[i].event == TRACE_MM_FAULT_ERROR && ev[i].pid == pid){
      CHECK(ev[i].f[0] == 0x3000000000L && ev[i].f[1] == 1 && (long)ev[i].f[2] == -EFAULT,
            "mm_fault_error: va 0x%lx flags %ld err %ld", ev[i].f[0], ev[i].f[1], (long)ev[i].f[2]);
      return;
    }
  CHECK(0, "no mm_fault_error from the child");
}

// MADV_DONTNEED zaps the page and flushes this hart's TLB.
static void
zap(void)
{
  char *p = map_anon(PGSIZE);
  p[0] = 1;
  uint64 frame = pfn(p);
  start(BIT(ZAP_PAGE) | BIT(TLB_FLUSH_LOCAL));
  CHECK(madvise(p, PGSIZE, MADV_DONTNEED) == 0, "madvise");
  stop();
  struct trace_entry *z = need(TRACE_ZAP_PAGE, (uint64)p, "zap_page");
  CHECK(z->f[2] == frame, "zap_page: frame 0x%lx, not 0x%lx", z->f[2], frame);
  struct trace_entry *t = need(TRACE_TLB_FLUSH_LOCAL, -1, "tlb_flush_local");
  CHECK(t->f[0] <= (uint64)p && t->f[1] > (uint64)p, "tlb_flush_local: range");
}

// A pin of a present writable page is GUP-fast's; one of a missing page
// falls back to the slow path, which faults it in. Close unpins.
static void
gup_pin(void)
{
  char *p = map_anon(2 * PGSIZE);
  p[0] = 1;
  start(BIT(GUP_FAST) | BIT(GUP_SLOW) | BIT(PIN) | BIT(UNPIN));
  int fd = pin_user_pages(p, PGSIZE, FOLL_WRITE);
  CHECK(fd >= 0, "pin_user_pages: %s", strerror(errno));
  uint64 frame = pfn(p);
  close(fd);
  int fd2 = pin_user_pages(p + PGSIZE, PGSIZE, FOLL_WRITE);
  CHECK(fd2 >= 0, "pin_user_pages: %s", strerror(errno));
  close(fd2);
  stop();
  struct trace_entry *g = need(TRACE_GUP_FAST, (uint64)p, "gup_fast");
  CHECK(g->f[1] == 1 && g->f[3] == 1 && (g->f[2] & 0x40000), "gup_fast: npages, fast or FOLL_PIN");
  struct trace_entry *pin = need(TRACE_PIN, (uint64)p, "pin");
  CHECK(pin->f[1] == frame && TP_PIN(pin->f[2]) == 1, "pin: frame or pincount");
  struct trace_entry *u = find_after(pin, TRACE_UNPIN, frame);
  CHECK(u && TP_PIN(u->f[1]) == 0, "no unpin of the frame, or pincount not 0");
  g = need(TRACE_GUP_FAST, (uint64)p + PGSIZE, "gup_fast (fallback)");
  CHECK(g->f[3] == 0, "gup_fast took a missing page");
  struct trace_entry *s = need(TRACE_GUP_SLOW, (uint64)p + PGSIZE, "gup_slow");
  CHECK(s->f[2] == 0 && s->f[3] == pfn(p + PGSIZE), "gup_slow: err or frame");
}

// A read-only pin of a page shared with a child unshares it (5.19).
static void
unshare(void)
{
  char *p = map_anon(PGSIZE);
  p[0] = 1;
  int go, pid = fork_holder(&go);
  start(BIT(COW_UNSHARE));
  int fd = pin_user_pages(p, PGSIZE, 0);
  CHECK(fd >= 0, "pin_user_pages: %s", strerror(errno));
  stop();
  close(fd);
  CHECK(let_go(pid, go) == 0, "child");
  struct trace_entry *u = need(TRACE_COW_UNSHARE, (uint64)p, "cow_unshare");
  CHECK(!(u->f[1] & PTE_W) && u->f[4] == pfn(p), "cow_unshare: PTE writable or wrong frame");
}

// fork copies a pinned page for the child (5.9).
static void
fork_copy(void)
{
  char *p = map_anon(PGSIZE);
  p[0] = 1;
  int fd = pin_user_pages(p, PGSIZE, FOLL_WRITE);
  CHECK(fd >= 0, "pin_user_pages: %s", strerror(errno));
  start(BIT(FORK_COPY));
  int go, pid = fork_holder(&go);
  stop();
  CHECK(let_go(pid, go) == 0, "child");
  close(fd);
  struct trace_entry *c = need(TRACE_FORK_COPY, (uint64)p, "fork_copy");
  CHECK(c->f[2] == pfn(p) && TP_PIN(c->f[3]) == 1 && c->f[4] != c->f[2], "fork_copy: frames");
}

// clear_refs write-protects, with its TLB flush deferred to the end.
static void
clear_refs_wp(void)
{
  char *p = map_anon(PGSIZE);
  p[0] = 1;
  start(BIT(CLEAR_REFS_WP) | BIT(TLB_FLUSH_DEFERRED) | BIT(TLB_FLUSH_DONE));
  CHECK(clear_refs(0, CLEAR_REFS_SOFT_DIRTY) == 0, "clear_refs");
  stop();
  struct trace_entry *d = need(TRACE_TLB_FLUSH_DEFERRED, -1, "tlb_flush_deferred");
  struct trace_entry *w = find_after(d, TRACE_CLEAR_REFS_WP, (uint64)p);
  CHECK(w && !(w->f[1] & (PTE_W | (1 << 9))), "no clear_refs_wp after the deferral, or still W/SD");
  CHECK(find_after(w, TRACE_TLB_FLUSH_DONE, -1), "no tlb_flush_done after the write-protect");
}

static volatile int spin_stop;
static char spin_stack[4096] __attribute__((aligned(16)));

static int
spinner(void *arg)
{
  while(!spin_stop)
    ;
  return 0;
}

// With a thread of ours on another hart, a flush reaches it.
static void
tlb_remote(void)
{
  if(trace_ctl(TRACE_NCPU, 0) < 2)
    return;
  char *p = map_anon(PGSIZE);
  p[0] = 1;
  int tid = thread_spawn(spinner, 0, spin_stack, sizeof(spin_stack));
  CHECK(tid > 0, "thread_spawn");
  // Until the two threads run on different harts at once.
  for(int i = 0; i < 20; i++){
    sleep(1);
    p[0] = 1;
    start(BIT(TLB_FLUSH_REMOTE));
    CHECK(madvise(p, PGSIZE, MADV_DONTNEED) == 0, "madvise");
    stop();
    if(find(TRACE_TLB_FLUSH_REMOTE, -1))
      break;
  }
  spin_stop = 1;
  thread_join(tid, 0);
  struct trace_entry *r = need(TRACE_TLB_FLUSH_REMOTE, -1, "tlb_flush_remote");
  CHECK(r->f[0] != r->cpu && r->f[1] <= (uint64)p && r->f[2] > (uint64)p, "tlb_flush_remote: fields");
}

// msync writes a dirty shared file page back.
static void
writeback(void)
{
  int fd = page_file("trace.wb", 'a');
  char *m = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED, "mmap");
  m[0] = 'b';
  uint64 frame = pfn(m);
  start(BIT(WRITEBACK_START) | BIT(WRITEBACK_END));
  CHECK(msync(m, PGSIZE, MS_SYNC) == 0, "msync");
  stop();
  munmap(m, PGSIZE);
  close(fd);
  unlink("trace.wb");
  struct trace_entry *s = need(TRACE_WRITEBACK_START, -1, "writeback_start");
  CHECK(s->f[0] == 0 && s->f[1] == frame && (TP_FLAGS(s->f[2]) & (1 << 2)), "writeback_start: fields");
  struct trace_entry *e = find_after(s, TRACE_WRITEBACK_END, frame);
  CHECK(e && !(TP_FLAGS(e->f[1]) & (1 << 2)), "no writeback_end of the page");
}

// An O_DIRECT read: a request goes to the disk and comes back, into our page.
static void
dio(void)
{
  int fd = page_file("trace.dio", 'd');
  close(fd);
  CHECK((fd = open("trace.dio", O_RDONLY | O_DIRECT)) >= 0, "open O_DIRECT");
  char *p = map_anon(PGSIZE);
  p[0] = 1;
  start(BIT(DIO_SUBMIT) | BIT(DIO_COMPLETE));
  CHECK(read(fd, p, 512) == 512, "read: %s", strerror(errno));
  stop();
  close(fd);
  unlink("trace.dio");
  struct trace_entry *s = need(TRACE_DIO_SUBMIT, -1, "dio_submit");
  CHECK(s->f[1] == 0 && s->f[2] == 1 && s->f[3] == pfn(p), "dio_submit: write, nseg or frame");
  struct trace_entry *c = find_after(s, TRACE_DIO_COMPLETE, s->f[0]);
  CHECK(c && c->f[2] == 0 && c->f[3] == pfn(p), "no dio_complete of the request");
}

// vmsplice takes a reference; the pipe's reader drops it.
static void
splice(void)
{
  int fds[2];
  char buf[16];
  CHECK(pipe(fds) == 0, "pipe");
  char *p = map_anon(PGSIZE);
  p[0] = 1;
  start(BIT(VMSPLICE_GET) | BIT(VMSPLICE_PUT));
  CHECK(vmsplice(fds[1], p, 16, 0) == 16, "vmsplice");
  CHECK(read(fds[0], buf, 16) == 16, "read");
  stop();
  close(fds[0]);
  close(fds[1]);
  struct trace_entry *g = need(TRACE_VMSPLICE_GET, (uint64)p, "vmsplice_get");
  CHECK(g->f[1] == 16 && g->f[2] == pfn(p) && TP_REF(g->f[3]) == 2, "vmsplice_get: fields");
  struct trace_entry *u = find_after(g, TRACE_VMSPLICE_PUT, pfn(p));
  CHECK(u, "no vmsplice_put of the page");
}

// A forced write opens dirtycow's window (race_delay_ms) in GUP.
static void
race(void)
{
  char *p = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED, "mmap");
  int old = vmknob("race_delay_ms", 5);
  start(BIT(RACE_OPEN) | BIT(RACE_CLOSE));
  int n = memwrite(0, p, "x", 1);
  stop();
  vmknob("race_delay_ms", old);
  CHECK(n == 1, "memwrite: %s", strerror(errno));
  struct trace_entry *o = need(TRACE_RACE_OPEN, -1, "race_open");
  CHECK(strcmp((char *)o->f, "__get_user_pages") == 0 && o->f[3] == 5, "race_open: %s %ld",
        (char *)o->f, o->f[3]);
  struct trace_entry *c = find_after(o, TRACE_RACE_CLOSE, -1);
  CHECK(c && c->time - o->time >= 5 * trace_ctl(TRACE_TIMEBASE, 0) / 1000, "race_close missing or early");
}

// A child's exec names it.
static void
exec_event(void)
{
  start(BIT(TASK_EXEC));
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    char *argv[] = { "echo", 0 };
    exec("echo", argv);
    exit(1);
  }
  CHECK(reap(pid) == 0, "echo");
  stop();
  for(int i = 0; i < nev; i++)
    if(ev[i].event == TRACE_TASK_EXEC && ev[i].pid == pid){
      CHECK(strcmp((char *)ev[i].f, "echo") == 0, "task_exec: comm %s", (char *)ev[i].f);
      return;
    }
  CHECK(0, "no task_exec of the child");
}

// Tracing off: nothing is recorded.
static void
off(void)
{
  start(0);
  char *p = map_anon(PGSIZE);
  p[0] = 1;
  madvise(p, PGSIZE, MADV_DONTNEED);
  stop();
  CHECK(nev == 0, "%d events recorded with tracing off", nev);
}

// Bad calls fail cleanly.
static void
errors(void)
{
  struct trace_entry e;
  int ncpu = trace_ctl(TRACE_NCPU, 0);
  CHECK(ncpu >= 1, "TRACE_NCPU");
  CHECK(trace_ctl(99, 0) < 0 && errno == EINVAL, "unknown op: %d", errno);
  CHECK(trace_ctl(TRACE_SET, TRACE_ALL + 1) < 0 && errno == EINVAL, "unknown event bits");
  CHECK(trace_ctl(TRACE_LOST, ncpu) < 0 && errno == EINVAL, "TRACE_LOST of a missing hart");
  CHECK(trace_read(-1, &e, 1) < 0 && errno == EINVAL, "cpu -1");
  CHECK(trace_read(ncpu, &e, 1) < 0 && errno == EINVAL, "cpu ncpu");
  CHECK(trace_read(0, &e, -1) < 0 && errno == EINVAL, "n < 0");
  start(BIT(MM_FAULT));
  char *p = map_anon(PGSIZE);
  p[0] = 1;
  trace_ctl(TRACE_SET, 0);
  int bad = 0;
  for(int c = 0; c < ncpu; c++)
    if(trace_read(c, (struct trace_entry *)0x3fffff0000L, 1) < 0 && errno == EFAULT)
      bad++;
  CHECK(bad == 1, "a bad buffer: %d harts said EFAULT", bad);
}

// Four threads fill the buffers (each overwrites its oldest events)
// while this one reads them now and then: every event read is whole, in
// time order on its hart, and read + lost accounts for every event made.
// The events: read faults of untouched pages, each answered with the
// zero page (no memory used).
#define WRAP_THREADS 4
#define WRAP_PAGES 10000   // per thread
static char *wrap_region;
static char wrap_stack[WRAP_THREADS][4096] __attribute__((aligned(16)));
static int wrap_done;   // threads finished (atomic)
static uint64 wrap_last[64];   // the time of the last event read from each hart

static int
wrapper(void *arg)
{
  volatile char *p = wrap_region + (uint64)arg * WRAP_PAGES * PGSIZE, c;
  for(int i = 0; i < WRAP_PAGES; i++)
    c = p[(uint64)i * PGSIZE];   // mm_fault, zero_page_map
  (void)c;
  __atomic_add_fetch(&wrap_done, 1, __ATOMIC_SEQ_CST);
  return 0;
}

// Read what the harts have and check each event; how many were read.
static int
wrap_check(int ncpu)
{
  uint64 lo = (uint64)wrap_region, hi = lo + WRAP_THREADS * WRAP_PAGES * PGSIZE;
  int read = 0, n;
  for(int c = 0; c < ncpu; c++)
    while((n = trace_read(c, ev, 100)) > 0){
      for(int i = 0; i < n; i++){
        struct trace_entry *e = &ev[i];
        CHECK(e->cpu == c && e->time >= wrap_last[c], "hart %d: event from hart %d, or out of order",
              c, e->cpu);
        wrap_last[c] = e->time;
        CHECK(e->event == TRACE_MM_FAULT || e->event == TRACE_ZERO_PAGE_MAP,
              "event %d was not enabled", e->event);
        if(e->pid != getpid() || e->event != TRACE_ZERO_PAGE_MAP)
          continue;
        CHECK(e->f[0] >= lo && e->f[0] < hi && e->f[0] % PGSIZE == 0 && (TP_FLAGS(e->f[3]) & TP_ZERO),
              "zero_page_map of 0x%lx (flags 0x%x): not a wrap page", e->f[0], TP_FLAGS(e->f[3]));
      }
      read += n;
    }
  return read;
}

static void
wrap(void)
{
  int ncpu = trace_ctl(TRACE_NCPU, 0), tids[WRAP_THREADS];
  wrap_region = mmap(0, WRAP_THREADS * WRAP_PAGES * PGSIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(wrap_region != MAP_FAILED, "mmap");
  CHECK((ev = malloc(100 * sizeof(*ev))) != 0, "malloc");
  start(BIT(MM_FAULT) | BIT(ZERO_PAGE_MAP));
  for(int t = 0; t < WRAP_THREADS; t++)
    CHECK((tids[t] = thread_spawn(wrapper, (void *)(uint64)t, wrap_stack[t], 4096)) > 0, "thread_spawn");
  int read = 0;
  while(__atomic_load_n(&wrap_done, __ATOMIC_SEQ_CST) < WRAP_THREADS){
    read += wrap_check(ncpu);
    sleep(1);   // meanwhile the buffers wrap
  }
  for(int t = 0; t < WRAP_THREADS; t++)
    thread_join(tids[t], 0);
  trace_ctl(TRACE_SET, 0);
  read += wrap_check(ncpu);
  int lost = 0;
  for(int c = 0; c < ncpu; c++)
    lost += trace_ctl(TRACE_LOST, c);
  CHECK(read + lost >= 2 * WRAP_THREADS * WRAP_PAGES, "read %d + lost %d < %d made", read, lost,
        2 * WRAP_THREADS * WRAP_PAGES);
  CHECK(lost > 0, "the buffers never wrapped (read %d)", read);
  printf("wrap: read %d, lost %d\n", read, lost);
}

static int
contains(char *s, char *what)
{
  for(int n = strlen(what); *s; s++)
    if(strncmp(s, what, n) == 0)
      return 1;
  return 0;
}

// The trace program runs a command and prints its events.
static void
trace_program(void)
{
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    close(1);
    dup(fds[1]);
    close(fds[0]);
    close(fds[1]);
    char *argv[] = { "trace", "-e", "zap_page", "echo", "hi", 0 };
    exec("trace", argv);
    exit(1);
  }
  close(fds[1]);
  static char out[8192];
  int n = 0, r;
  while(n < sizeof(out) - 1 && (r = read(fds[0], out + n, sizeof(out) - 1 - n)) > 0)
    n += r;
  out[n] = 0;
  close(fds[0]);
  CHECK(reap(pid) == 0, "trace exited non-zero");
  CHECK(contains(out, "# trace of echo"), "no header");
  CHECK(contains(out, "task_exec:") && contains(out, "comm=echo"), "no task_exec of echo");
  CHECK(contains(out, "echo-"), "events not named after echo");
  CHECK(contains(out, "zap_page:"), "no zap_page (exit unmaps echo's pages)");
  CHECK(contains(out, "# lost events: cpu0="), "no lost counts");
  CHECK(!contains(out, "mm_fault:"), "an event that was not asked for");
}

static struct test tests[] = {
  { fault_cow, "fault_cow" },
  { fault_error, "fault_error" },
  { zap, "zap" },
  { gup_pin, "gup_pin" },
  { unshare, "unshare" },
  { fork_copy, "fork_copy" },
  { clear_refs_wp, "clear_refs_wp" },
  { tlb_remote, "tlb_remote" },
  { writeback, "writeback" },
  { dio, "dio" },
  { splice, "splice" },
  { race, "race" },
  { exec_event, "exec_event" },
  { off, "off" },
  { errors, "errors" },
  { wrap, "wrap" },
  { trace_program, "trace_program" },
};

int
main(int argc, char *argv[])
{
  int failed = run_tests("tracetest", tests, NELEM(tests), argc, argv, 0);
  trace_ctl(TRACE_SET, 0);
  exit(failed ? 1 : 0);
}
