// forkbench PAGES ITER [exit|write] [huge]: the cost of fork with PAGES
// touched pages of private anonymous memory (with huge: marked
// MADV_HUGEPAGE and 2 MiB aligned, so that they are transparent huge
// pages). In each mode (both, unless one is named) it runs ITER times:
// fork; the child exits at once ("exit") or first writes one byte into
// every page ("write"); the parent waits. One line per mode, for
// tools/bench.py (make bench), e.g.
//   forkbench pages=256 iters=20 mode=write touch=50210 traps=1000
//   trap=16110 ticks=1 time=270221 fork=9012 exit=8113 cow_fault=5120 cow_copy=5120
//   cow_reuse=0 zero_page_map=0 free_before=31872 free_min=31609
//   free_after=31872
// (on one line). touch: time-CSR units the first touch of the pages took
// (their page faults); trap: the units that traps null system calls
// (getpid) took, the floor under any fault's cost (a trap in and a return
// out); ticks: uptime() ticks (10 a second) spent in the loop;
// time: the same in units of the time CSR (rdtime: QEMU's virt counts
// 10 MHz), which tools/bench.py turns into ratios; fork: the part of it
// spent in the parent's fork calls; exit: the part from each child's
// exit() call until the parent's wait() returned (the child reads the
// clock last thing, into a shared page). The rest is each child's start
// (being scheduled, the return from fork) and its run.
// The counters are what the loop added to the kernel's vmstat counters:
// a fork that shares leaves cow_copy at 0 in mode=exit and makes it
// PAGES*ITER in mode=write. free_min is the free page count seen by one
// more child at its fullest (after its writes; its own bookkeeping costs
// a page or two), outside the measured loop.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmstat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define MAXCOUNTERS 64
#define HUGE (2 * 1024 * 1024)

enum { EXIT, WRITE };
static char *modename[] = { [EXIT] "exit", [WRITE] "write" };

// The counters a line reports, in this order; nr_free_pages comes apart.
static char *names[] = { "cow_fault", "cow_copy", "cow_reuse", "zero_page_map" };
#define NNAMES (sizeof(names) / sizeof(names[0]))

struct snapshot {
  uint64 free;
  uint64 count[NNAMES];
};

static struct vmstat_entry ebuf[MAXCOUNTERS];

static void
die(char *what)
{
  printf("forkbench: %s\n", what);
  exit(1);
}

// Pick the counters out of n vmstat entries.
static void
parse(struct vmstat_entry *e, int n, struct snapshot *s)
{
  if(n < 0)
    die("vmstat failed");
  memset(s, 0, sizeof(*s));
  for(int i = 0; i < n; i++){
    if(strcmp(e[i].name, "nr_free_pages") == 0)
      s->free = e[i].value;
    for(int j = 0; j < NNAMES; j++)
      if(strcmp(e[i].name, names[j]) == 0)
        s->count[j] = e[i].value;
  }
}

// Read the counters into s. The buffer and the stack are written before
// vmstat reads the counters: after a fork they are copy-on-write pages,
// and the faults they take must not land in the numbers being read.
static void
snap(struct snapshot *s)
{
  memset(ebuf, 0, sizeof(ebuf));
  memset(s, 0, sizeof(*s));
  parse(ebuf, vmstat(ebuf, MAXCOUNTERS), s);
}

// A MAP_SHARED page, where a child leaves the time at which it calls
// exit(): shared, not copy-on-write, so writing it copies nothing.
static volatile uint64 *stamp;

// What a child does before exiting. No stack or data writes besides the
// pages themselves, so that the only COW copies are the ones measured.
// The first store to the shared page faults it in (fork does not copy
// shared regions' PTEs): that is done first, not counted in exit.
static void
child(int mode, char *p, int pages)
{
  *stamp = 0;
  if(mode == WRITE)
    for(int i = 0; i < pages; i++)
      p[(uint64)i * PGSIZE] = 1;
}

// The measured loop, timed in ticks (left in *ticks) and closed by a
// vmstat into fresh; returns vmstat's result. The parent writes no memory
// between the first fork and that vmstat (wait(0) copies out no status):
// a write of its own to a page that fork left copy-on-write would be a
// fault that is not the children's doing. Hence also noinline and few
// live values: no stack spills after the loop.
static int __attribute__((noinline))
timed(int mode, char *p, int pages, int iters, struct vmstat_entry *fresh, int *ticks, uint64 *time,
      uint64 *forktime, uint64 *exittime)
{
  uint64 c0 = r_time(), infork = 0, inexit = 0;
  int t0 = uptime();
  for(int i = 0; i < iters; i++){
    uint64 f0 = r_time();
    int pid = fork();
    if(pid < 0)
      die("fork failed");
    if(pid == 0){
      child(mode, p, pages);
      *stamp = r_time();
      exit(0);
    }
    infork += r_time() - f0;   // the parent's side of fork; the rest is the child's run and exit
    if(wait(0) != pid)
      die("wait returned the wrong child");
    inexit += r_time() - *stamp;
  }
  int t1 = uptime();
  uint64 c1 = r_time();
  int n = vmstat(fresh, MAXCOUNTERS);
  *ticks = t1 - t0;
  *time = c1 - c0;
  *forktime = infork;
  *exittime = inexit;
  return n;
}

// One more child, outside the measured loop: it does what the loop's
// children do, then reports the free page count through a pipe, so that
// the table shows how much memory a child costs at its fullest.
static uint64
free_min(int mode, char *p, int pages)
{
  int fds[2];
  if(pipe(fds) < 0)
    die("pipe failed");
  int pid = fork();
  if(pid < 0)
    die("fork failed");
  if(pid == 0){
    struct snapshot s;
    child(mode, p, pages);
    snap(&s);
    write(fds[1], &s.free, sizeof(s.free));
    exit(0);
  }
  int st = -1;
  uint64 free = 0;
  if(wait(&st) != pid || st != 0)
    die("probe child failed");
  if(read(fds[0], &free, sizeof(free)) != sizeof(free))
    die("probe child sent nothing");
  close(fds[0]);
  close(fds[1]);
  return free;
}

static uint64 touchtime;   // the first touch of the pages, in time-CSR units
static uint64 traptime;    // TRAPS null system calls, in time-CSR units
#define TRAPS 1000

static void
bench(int mode, char *p, int pages, int iters)
{
  struct snapshot before, after;
  // The closing vmstat writes into a page no fork has shared (reserved
  // lazily, so not even mapped yet): a fault on a page the children
  // shared would count in the very numbers it reads.
  char *spare = sbrklazy(sizeof(ebuf) + PGSIZE);
  if(spare == SBRK_ERROR)
    die("sbrklazy failed");
  struct vmstat_entry *fresh = (struct vmstat_entry *)PGROUNDUP((uint64)spare);

  int ticks;
  uint64 time, forktime, exittime;
  snap(&before);
  parse(fresh, timed(mode, p, pages, iters, fresh, &ticks, &time, &forktime, &exittime), &after);
  uint64 low = free_min(mode, p, pages);

  printf("forkbench pages=%d iters=%d mode=%s touch=%lu traps=%d trap=%lu ticks=%d "
         "time=%lu fork=%lu exit=%lu", pages, iters, modename[mode], touchtime, TRAPS, traptime, ticks,
         time, forktime, exittime);
  for(int j = 0; j < NNAMES; j++)
    printf(" %s=%lu", names[j], after.count[j] - before.count[j]);
  printf(" free_before=%lu free_min=%lu free_after=%lu\n", before.free, low, after.free);
}

static int
number(char *s)
{
  if(*s < '0' || *s > '9')
    return -1;
  return atoi(s);
}

int
main(int argc, char *argv[])
{
  int only = -1;
  int huge = argc > 3 && strcmp(argv[argc - 1], "huge") == 0;
  argc -= huge;

  if(argc == 4){
    for(int m = EXIT; m <= WRITE; m++)
      if(strcmp(argv[3], modename[m]) == 0)
        only = m;
  }
  if((argc != 3 && argc != 4) || (argc == 4 && only < 0)){
    fprintf(2, "usage: forkbench PAGES ITER [exit|write] [huge]\n");
    exit(1);
  }
  int pages = number(argv[1]);
  int iters = number(argv[2]);
  // Two copies of the pages (mode=write, or knob cow 0) must fit in the
  // memory the kernel has free, with room for page tables and the rest.
  struct snapshot now;
  snap(&now);
  int most = (int)(now.free / 2) - 256;
  if(pages < 1 || pages > most || iters < 1){
    fprintf(2, "forkbench: PAGES must be 1..%d here (half of the free memory), "
            "ITER at least 1\n", most);
    exit(1);
  }

  stamp = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if(stamp == MAP_FAILED)
    die("mmap of the shared page failed");
  *stamp = 0;
  uint64 len = (uint64)pages * PGSIZE;
  char *p = mmap(0, len + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if(p == MAP_FAILED)
    die("mmap failed");
  p = (char *)(((uint64)p + HUGE - 1) & ~(uint64)(HUGE - 1));
  if(huge && madvise(p, len, MADV_HUGEPAGE) < 0)
    die("madvise failed");
  // Real pages, not the shared zero page: fork must have something to share.
  uint64 t0 = r_time();
  for(int i = 0; i < pages; i++)
    p[(uint64)i * PGSIZE] = i;
  touchtime = r_time() - t0;
  t0 = r_time();
  for(int i = 0; i < TRAPS; i++)
    getpid();
  traptime = r_time() - t0;

  for(int m = EXIT; m <= WRITE; m++)
    if(only < 0 || only == m)
      bench(m, p, pages, iters);
  exit(0);
}
