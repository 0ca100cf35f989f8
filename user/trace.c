// trace: run a command with the mm tracepoints on and print what its
// processes did, one event a line, in the layout of Linux's `trace-cmd
// report` (with ftrace's record-tgid: thread name-tid, (process id),
// [hart], seconds, event, fields).
//
//   trace -l                      list the events
//   trace [-e EV[,EV...]] CMD ARGS   run CMD traced (default: every event)
//
// The events are those of kernel/trace.h. A thread (of the trace program)
// empties the kernel's per-hart buffers every tick while the command
// runs; events the buffers overwrote before that are counted as lost and
// reported at the end, per hart. The command's processes are the one it
// runs (from its exec on) and every process they fork.
//
// A loop that repeats the same events (a thread calling MADV_DONTNEED
// thousands of times, say) is shown twice and then folded into one line,
// "folded: events=N period=P": N more events, the last P over and over.
#include "kernel/types.h"
#include "kernel/trace.h"
#include "user/user.h"

#define MAXEV    60000   // events kept (80 bytes each)
#define MAXTHR   64      // threads named and folded
#define HIST     16      // events of a thread compared for folding
#define MAXPERIOD (HIST / 2)
#define NPROC_TRACED 64  // processes followed
#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

#define TRACE_NAME(id, name, fields) name,
#define TRACE_FIELDS(id, name, fields) fields,
static const char *names[] = { TRACE_EVENTS(TRACE_NAME) };
static const char *layouts[] = { TRACE_EVENTS(TRACE_FIELDS) };

static struct trace_entry *ev;   // ev[0..nev): as read, hart by hart
static int nev, dropped;         // dropped: no room in ev
static int ncpu;
static volatile int done;
static char stack[8192] __attribute__((aligned(16)));

// Move every hart's events into ev.
static void
drain(void)
{
  for(int c = 0; c < ncpu; c++){
    int n;
    while((n = trace_read(c, &ev[nev], nev < MAXEV ? MAXEV - nev : 0)) > 0)
      nev += n;
    if(nev == MAXEV){   // no room: read to throw away
      struct trace_entry junk[16];
      while((n = trace_read(c, junk, 16)) > 0)
        dropped += n;
    }
  }
}

static int
drainer(void *arg)
{
  while(!done){
    drain();
    sleep(1);
  }
  return 0;
}

// ev sorted by time (each hart's run is sorted; merge sort keeps ties in
// hart order), as indices.
static int *
by_time(void)
{
  int *a = malloc(nev * sizeof(int)), *b = malloc(nev * sizeof(int));
  if(a == 0 || b == 0){
    fprintf(2, "trace: out of memory\n");
    exit(1);
  }
  for(int i = 0; i < nev; i++)
    a[i] = i;
  for(int w = 1; w < nev; w *= 2){
    for(int lo = 0; lo < nev; lo += 2 * w){
      int mid = lo + w < nev ? lo + w : nev, hi = lo + 2 * w < nev ? lo + 2 * w : nev;
      int i = lo, j = mid, k = lo;
      while(i < mid || j < hi)
        b[k++] = (j >= hi || (i < mid && ev[a[i]].time <= ev[a[j]].time)) ? a[i++] : a[j++];
    }
    int *t = a; a = b; b = t;
  }
  return a;
}

// The threads seen: their names and what folding needs.
struct thread {
  int tid;
  char comm[16];
  int hist[HIST], nh;   // the thread's last events (indices into ev)
  int period;           // folding a repeating run of this many events, or 0
  int folded, last;     // events folded so far; the last one
};
static struct thread thr[MAXTHR];
static int nthr;

static void
set_comm(struct thread *t, const char *name)
{
  int n = 0;
  for(; n < sizeof(t->comm) - 1 && name[n]; n++)
    t->comm[n] = name[n];
  t->comm[n] = 0;
}

static struct thread *
thread_of(int tid, int make)
{
  for(int i = 0; i < nthr; i++)
    if(thr[i].tid == tid)
      return &thr[i];
  if(!make || nthr == MAXTHR)
    return 0;
  memset(&thr[nthr], 0, sizeof(thr[nthr]));
  thr[nthr].tid = tid;
  set_comm(&thr[nthr], "<...>");
  return &thr[nthr++];
}

// The same event with the same fields (time and hart aside)?
static int
same(int i, int j)
{
  return ev[i].event == ev[j].event && memcmp(ev[i].f, ev[j].f, sizeof(ev[i].f)) == 0;
}

static void
pte_bits(char *s, uint64 pte)
{
  if(!(pte & 1)){
    strcpy(s, "none");
    return;
  }
  const char *bits = "VRWXU-AD";
  int n = 0;
  for(int b = 0; b < 8; b++)
    if(b != 5)
      s[n++] = (pte >> b) & 1 ? bits[b] : '-';
  s[n] = 0;
  if(pte & (1 << 8))
    strcpy(s + strlen(s), "+cow");
  if(pte & (1 << 9))
    strcpy(s + strlen(s), "+sd");
}

static void
flag_names(char *s, uint64 v, const char **names, const uint64 *bits, int n)
{
  s[0] = 0;
  for(int i = 0; i < n; i++)
    if(v & bits[i]){
      if(s[0])
        strcpy(s + strlen(s), "|");
      strcpy(s + strlen(s), names[i]);
    }
  if(s[0] == 0)
    strcpy(s, "0");
}

static const char *foll_names[] = { "WRITE", "GET", "FORCE", "PIN", "LONGTERM", "COW" };
static const uint64 foll_bits[] = { 0x01, 0x04, 0x10, 0x40000, 0x100, 0x4000 };
static const char *fault_names[] = { "write", "unshare" };
static const uint64 fault_bits[] = { 0x1, 0x2 };
static const char *page_names[] = { "locked", "dirty", "writeback", "anon", "excl", "zero" };
static const uint64 page_bits[] = { 1, 2, 4, 8, 16, TP_ZERO };

// One field of layout kind k (trace.h) from f; returns the words used.
static int
print_field(const char *name, int nlen, const char *k, uint64 *f)
{
  char s[64];
  printf(" %s", "");
  for(int i = 0; i < nlen; i++)
    printf("%c", name[i]);
  if(strncmp(k, "page", 4) == 0){
    if(f[0] == 0)
      printf("=-");
    else {
      flag_names(s, TP_FLAGS(f[1]), page_names, page_bits, NELEM(page_bits));
      printf("=0x%lx{ref=%d map=%d pin=%d %s}", f[0], TP_REF(f[1]), TP_MAP(f[1]), TP_PIN(f[1]),
             strcmp(s, "0") == 0 ? "-" : s);
    }
    return 2;
  }
  if(strncmp(k, "str", 3) == 0){
    memmove(s, f, 24);
    s[24] = 0;
    printf("=%s", s);
    return 3;
  }
  if(strncmp(k, "pte", 3) == 0)
    pte_bits(s, f[0]);
  else if(strncmp(k, "fault", 5) == 0)
    flag_names(s, f[0], fault_names, fault_bits, NELEM(fault_bits));
  else if(strncmp(k, "foll", 4) == 0)
    flag_names(s, f[0], foll_names, foll_bits, NELEM(foll_bits));
  else if(k[0] == 'x')
    snprintf(s, sizeof(s), "0x%lx", f[0]);
  else
    snprintf(s, sizeof(s), "%ld", (long)f[0]);
  printf("=%s", s);
  return 1;
}

static void
print_head(struct thread *t, struct trace_entry *e, uint64 hz, const char *event)
{
  uint64 us = e->time % hz * 1000000 / hz;
  printf("%16s-%-5d (%5d) [%03d] %5d.%06d: %-18s", t->comm, e->tid, e->pid, e->cpu,
         (int)(e->time / hz), (int)us, event);
}

static void
print_event(struct thread *t, int i, uint64 hz)
{
  struct trace_entry *e = &ev[i];
  char ename[24];
  snprintf(ename, sizeof(ename), "%s:", names[e->event]);
  print_head(t, e, hz, ename);
  const char *l = layouts[e->event];
  int w = 0;
  while(*l && w < TRACE_NFIELDS){
    const char *colon = strchr(l, ':'), *k = colon + 1;
    w += print_field(l, colon - l, k, &e->f[w]);
    l = strchr(k, ' ');
    if(l == 0)
      break;
    l++;
  }
  printf("\n");
}

static void
end_fold(struct thread *t, uint64 hz)
{
  if(t->folded == 0)
    return;
  print_head(t, &ev[t->last], hz, "folded:");
  printf(" events=%d period=%d\n", t->folded, t->period);
  t->folded = 0;
}

// Print event i of thread t, or fold it into a repeating run.
static void
report(struct thread *t, int i, uint64 hz)
{
  if(t->period && same(i, t->hist[(t->nh - t->period) % HIST])){
    t->folded++;
    t->last = i;
    t->hist[t->nh++ % HIST] = i;
    return;
  }
  end_fold(t, hz);
  t->period = 0;
  print_event(t, i, hz);
  t->hist[t->nh++ % HIST] = i;
  // The last 2P events: the same P twice? Then fold what repeats them.
  for(int p = 1; p <= MAXPERIOD && 2 * p <= t->nh; p++){
    int k = 0;
    while(k < p && same(t->hist[(t->nh - 1 - k) % HIST], t->hist[(t->nh - 1 - k - p) % HIST]))
      k++;
    if(k == p){
      t->period = p;
      break;
    }
  }
}

// Print the events of the processes of the command (pid) in time order.
static void
print_trace(int pid, char *cmd)
{
  uint64 hz = trace_ctl(TRACE_TIMEBASE, 0);
  int *order = by_time();
  int pids[NPROC_TRACED], npids = 1, started = 0;
  pids[0] = pid;
  printf("# trace of %s: %d events\ncpus=%d\n", cmd, nev, ncpu);
  for(int n = 0; n < nev; n++){
    int i = order[n], ours = 0;
    struct trace_entry *e = &ev[i];
    for(int k = 0; k < npids; k++)
      ours |= e->pid == pids[k];
    if(!ours)
      continue;
    struct thread *t = thread_of(e->tid, 1);
    if(e->event == TRACE_TASK_EXEC){
      set_comm(t, (char *)e->f);
      started |= e->pid == pid;
    }
    if(!started)   // the command's process before its exec: the trace program
      continue;
    if(e->event == TRACE_TASK_FORK){
      struct thread *c = thread_of(e->f[0], 1);
      if(c)
        set_comm(c, t->comm);
      if(!e->f[1] && npids < NPROC_TRACED)
        pids[npids++] = e->f[0];
    }
    if(t)
      report(t, i, hz);
  }
  for(int k = 0; k < nthr; k++)
    end_fold(&thr[k], hz);
  printf("# lost events:");
  for(int c = 0; c < ncpu; c++)
    printf(" cpu%d=%d", c, trace_ctl(TRACE_LOST, c));
  printf(" (not kept: %d)\n", dropped);
}

static uint64
parse_events(char *list)
{
  uint64 mask = 0;
  while(*list){
    char *comma = strchr(list, ',');
    if(comma)
      *comma = 0;
    int i = 0;
    while(i < NTRACE_EVENTS && strcmp(names[i], list) != 0)
      i++;
    if(strcmp(list, "all") == 0)
      mask |= TRACE_ALL;
    else if(i < NTRACE_EVENTS)
      mask |= 1UL << i;
    else {
      fprintf(2, "trace: no event %s (trace -l lists them)\n", list);
      exit(1);
    }
    if(!comma)
      break;
    list = comma + 1;
  }
  return mask;
}

static void
usage(void)
{
  fprintf(2, "usage: trace -l | trace [-e EVENT[,EVENT...]] COMMAND [ARGS...]\n");
  exit(1);
}

int
main(int argc, char *argv[])
{
  uint64 mask = TRACE_ALL;
  int a = 1;
  if(argc == 2 && strcmp(argv[1], "-l") == 0){
    for(int i = 0; i < NTRACE_EVENTS; i++)
      printf("%-20s %s\n", names[i], layouts[i]);
    exit(0);
  }
  if(argc > 2 && strcmp(argv[1], "-e") == 0){
    mask = parse_events(argv[2]) | (1UL << TRACE_TASK_FORK) | (1UL << TRACE_TASK_EXEC);
    a = 3;
  }
  if(a >= argc)
    usage();
  // The child execs the command once tracing is on; the event store is
  // allocated after the fork, which then has less to copy.
  int go[2];
  char c = 0;
  if(pipe(go) < 0){
    perror("trace: pipe");
    exit(1);
  }
  int pid = fork();
  if(pid < 0){
    perror("trace: fork");
    exit(1);
  }
  if(pid == 0){
    close(go[1]);
    if(read(go[0], &c, 1) != 1)
      exit(1);
    exec(argv[a], argv + a);
    fprintf(2, "trace: exec %s: %s\n", argv[a], strerror(errno));
    exit(1);
  }
  close(go[0]);
  ncpu = trace_ctl(TRACE_NCPU, 0);
  if((ev = malloc(MAXEV * sizeof(*ev))) == 0){
    fprintf(2, "trace: out of memory\n");
    kill(pid);
    exit(1);
  }
  trace_ctl(TRACE_SET, 0);
  trace_ctl(TRACE_CLEAR, 0);
  trace_ctl(TRACE_SET, mask);
  write(go[1], &c, 1);
  close(go[1]);
  int tid = thread_spawn(drainer, 0, stack, sizeof(stack));
  int status;
  wait(&status);
  done = 1;
  if(tid > 0)
    thread_join(tid, 0);
  trace_ctl(TRACE_SET, 0);
  drain();
  print_trace(pid, argv[a]);
  exit(0);
}
