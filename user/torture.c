// torture [seconds] [seed]: the memory manager under concurrent load.
//
// NT threads of one process run at once, each on a region of its own
// that it maps, writes and checks with a known pattern (byte k of
// generation g is pattern(g, k)), while it and the others pin (short- and
// long-term), fork (the child checks its snapshot, then writes its own
// copy), vmsplice, do O_DIRECT to and from the mapped memory, msync,
// clear_refs (the whole process), madvise(MADV_DONTNEED), mprotect and
// unmap (also while pinned). The data is checked by the thread, by the
// fork children, by the pin descriptor's device view, by the pipe, and by
// reading the files back. The regions are private to a thread, so each
// check knows what it must see; what the threads share is the kernel:
// one mm, one page table, TLBs on every hart, the page cache, the log.
//
// torture SECONDS SEED huge puts each anonymous region inside a 2 MiB
// transparent huge page (a MADV_HUGEPAGE range of a larger mapping, at a
// random page of it), so that the operations split, share, pin and unmap
// huge pages.
//
// Runs for the given seconds (default 10), in rounds: a round is a child
// process with NT threads; every round must end with status 0, and round
// r draws its operations from seed + r. Prints usertests' "free pages"
// lines around the rounds (no page may be lost), "torture: N rounds, M
// operations", and "test torture: OK" (or FAILED after the first check
// that failed, which says what it saw).
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/vmmap.h"
#include "user/user.h"
#include "user/testlib.h"

#define NT 4
#define NPAGES 4
#define LEN (NPAGES * PGSIZE)
#define STACK 16384
#define ROUND_OPS 60      // operations per thread per round

static char stacks[NT][STACK] __attribute__((aligned(16)));
static char dbufs[NT][LEN] __attribute__((aligned(PGSIZE)));   // O_DIRECT reads land here
static volatile int *ops;   // shared by the rounds (MAP_SHARED)

struct worker {
  int id;
  uint64 rng;
  char *region;     // LEN bytes, or 0 while unmapped
  char *base;       // the mapping that holds it: region, or a huge page's (torture huge)
  uint64 baselen;
  int shared;       // a MAP_SHARED mapping of the file fname (else anonymous)
  int gen;          // the generation the region holds; 0: zeros
  int pinfd;        // a pin kept across operations, or -1
  int follows;      // the pinned frames are still the region's (see below)
  int pingen;       // else: the generation they kept
  char fname[8];    // its file (shared mappings, O_DIRECT)
};

static struct worker workers[NT];
static int huge;   // regions inside transparent huge pages

#define HPAGE (2 * 1024 * 1024)

static uint64
rnd(struct worker *w)
{
  return xorshift(&w->rng);
}

static char
pattern(int gen, int k)
{
  return gen == 0 ? 0 : (char)(gen * 31 + k * 7 + k / PGSIZE);
}

// A check failed: say which, and end the whole round (every thread).
static void
fail(struct worker *w, char *what, int k, int got, int want)
{
  printf("torture: thread %d: %s: byte %d is %d, want %d (generation %d, %s)\n",
         w->id, what, k, got, want, w->gen, w->shared ? "shared file" : "anonymous");
  exit(1);
}

static void
check_bytes(struct worker *w, char *what, char *p, int gen, int n)
{
  for(int k = 0; k < n; k++)
    if(p[k] != pattern(gen, k))
      fail(w, what, k, p[k], pattern(gen, k));
}

static void
must(struct worker *w, int ok, char *what)
{
  if(!ok){
    printf("torture: thread %d: %s: %s\n", w->id, what, strerror(errno));
    exit(1);
  }
}

static void
fill(struct worker *w)
{
  w->gen++;
  for(int k = 0; k < LEN; k++)
    w->region[k] = pattern(w->gen, k);
}

// The pinned frames stay the region's through writes, fork (the child
// gets copies), clear_refs and mprotect: the device sees what the thread
// writes. MADV_DONTNEED of private memory gives the region new frames:
// the pinned ones keep what they had.
static void
detach_pin(struct worker *w)
{
  if(w->pinfd >= 0 && w->follows){
    w->follows = 0;
    w->pingen = w->gen;
  }
}

static void
unpin(struct worker *w)
{
  if(w->pinfd >= 0){
    static char dev[NT][64];
    must(w, lseek(w->pinfd, 0, SEEK_SET) == 0 && read(w->pinfd, dev[w->id], 64) == 64, "read pin fd");
    check_bytes(w, "the pinned frames (device view)", dev[w->id], w->follows ? w->gen : w->pingen, 64);
    close(w->pinfd);
    w->pinfd = -1;
  }
}

static void
map_region(struct worker *w)
{
  w->shared = rnd(w) % 2;
  int fd = -1;
  if(w->shared){
    fd = open(w->fname, O_CREATE | O_RDWR | O_TRUNC);
    must(w, fd >= 0, "open");
    static char zero[NT][PGSIZE];
    for(int i = 0; i < NPAGES; i++)
      must(w, write(fd, zero[w->id], PGSIZE) == PGSIZE, "write");
  }
  int inhuge = huge && !w->shared;
  w->baselen = inhuge ? 2 * HPAGE : LEN;
  w->base = mmap(0, w->baselen, PROT_READ | PROT_WRITE,
                 w->shared ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS, fd, 0);
  must(w, w->base != MAP_FAILED, "mmap");
  w->region = w->base;
  if(inhuge){
    char *h = (char *)(((uint64)w->base + HPAGE - 1) & ~(uint64)(HPAGE - 1));
    must(w, madvise(h, HPAGE, MADV_HUGEPAGE) == 0, "madvise");
    w->region = h + (rnd(w) % (HPAGE / PGSIZE - NPAGES + 1)) * PGSIZE;
  }
  if(fd >= 0)
    close(fd);   // the mapping keeps the file
  w->gen = 0;
}

// The operations. Each leaves the region mapped with w->gen's pattern.
static void
op_rewrite(struct worker *w)
{
  fill(w);
  check_bytes(w, "after writing", w->region, w->gen, LEN);
}

static void
op_pin(struct worker *w)
{
  if(w->pinfd >= 0){
    unpin(w);
    return;
  }
  int flags = FOLL_WRITE | (rnd(w) % 2 ? FOLL_LONGTERM : 0);
  if(w->shared && (flags & FOLL_LONGTERM))
    flags &= ~FOLL_WRITE;   // long-term write pins of file pages are refused
  w->pinfd = pin_user_pages(w->region, LEN, flags);
  must(w, w->pinfd >= 0, "pin_user_pages");
  w->follows = 1;
  if(rnd(w) % 2)
    unpin(w);   // short-term: at once; else kept across what follows
}

// wait() reaps any child of the process, whichever thread forked it: one
// thread at a time forks and waits (the others go on meanwhile).
static volatile int forking;

static void
op_fork(struct worker *w)
{
  while(__atomic_exchange_n(&forking, 1, __ATOMIC_SEQ_CST))
    ;
  int pid = fork();
  must(w, pid >= 0, "fork");
  if(pid == 0){
    // The child: its snapshot, then a copy of its own.
    check_bytes(w, "a fork child's snapshot", w->region, w->gen, LEN);
    fill(w);
    check_bytes(w, "a fork child's own copy", w->region, w->gen, LEN);
    exit(0);
  }
  int st = -100;
  must(w, wait(&st) == pid, "wait");
  __atomic_store_n(&forking, 0, __ATOMIC_SEQ_CST);
  if(st != 0){
    printf("torture: thread %d: a fork child failed (%d)\n", w->id, st);
    exit(1);
  }
  // A shared mapping is shared with the child: it has the child's bytes.
  if(w->shared)
    w->gen++;
  check_bytes(w, "after the fork child wrote", w->region, w->gen, LEN);
}

static void
op_vmsplice(struct worker *w)
{
  int p[2];
  must(w, pipe(p) == 0, "pipe");
  int n = PGSIZE + rnd(w) % (2 * PGSIZE);
  must(w, vmsplice(p[1], w->region, n, 0) == n, "vmsplice");
  static char got[NT][3 * PGSIZE];
  int m = 0, r;
  while(m < n && (r = read(p[0], got[w->id] + m, n - m)) > 0)
    m += r;
  must(w, m == n, "read from the pipe");
  check_bytes(w, "what the pipe gave", got[w->id], w->gen, n);
  close(p[0]);
  close(p[1]);
}

static void
op_direct(struct worker *w)
{
  char name[12];
  snprintf(name, sizeof(name), "%sd", w->fname);
  int fd = open(name, O_CREATE | O_RDWR | O_DIRECT);
  must(w, fd >= 0, "open O_DIRECT");
  must(w, write(fd, w->region, LEN) == LEN, "direct write from the mapping");
  must(w, lseek(fd, 0, SEEK_SET) == 0, "lseek");
  if(rnd(w) % 2){
    // Into the mapping itself, over other bytes.
    memset(w->region, 0x5a, LEN);
    must(w, read(fd, w->region, LEN) == LEN, "direct read into the mapping");
    check_bytes(w, "a direct read into the mapping", w->region, w->gen, LEN);
  } else {
    must(w, read(fd, dbufs[w->id], LEN) == LEN, "direct read");
    check_bytes(w, "a direct read of what the mapping wrote", dbufs[w->id], w->gen, LEN);
  }
  close(fd);
}

static void
op_msync(struct worker *w)
{
  if(!w->shared)
    return;
  must(w, msync(w->region, LEN, MS_SYNC) == 0, "msync");
  int fd = open(w->fname, O_RDONLY);
  must(w, fd >= 0, "open");
  static char got[NT][LEN];
  must(w, read(fd, got[w->id], LEN) == LEN, "read the file");
  check_bytes(w, "the file after msync", got[w->id], w->gen, LEN);
  close(fd);
}

static void
op_clear_refs(struct worker *w)
{
  must(w, clear_refs(0, CLEAR_REFS_SOFT_DIRTY) == 0, "clear_refs");
  fill(w);   // write faults on write-protected PTEs, on every hart
  check_bytes(w, "after clear_refs", w->region, w->gen, LEN);
}

static void
op_dontneed(struct worker *w)
{
  if(!w->shared)
    detach_pin(w);
  must(w, madvise(w->region, LEN, MADV_DONTNEED) == 0, "madvise");
  if(!w->shared)
    w->gen = 0;   // private anonymous memory reads as zeros again
  check_bytes(w, "after MADV_DONTNEED", w->region, w->gen, LEN);
}

static void
op_mprotect(struct worker *w)
{
  must(w, mprotect(w->region, LEN, PROT_READ) == 0, "mprotect read-only");
  check_bytes(w, "read-only", w->region, w->gen, LEN);
  must(w, mprotect(w->region, LEN, PROT_READ | PROT_WRITE) == 0, "mprotect read-write");
  fill(w);
}

static void
op_remap(struct worker *w)
{
  if(w->shared)
    must(w, msync(w->region, LEN, MS_SYNC) == 0, "msync");
  detach_pin(w);
  must(w, munmap(w->base, w->baselen) == 0, "munmap");   // also while pinned
  unpin(w);   // the frames outlive the mapping while pinned
  map_region(w);
  fill(w);
}

static void (*operations[])(struct worker *) = {
  op_rewrite, op_pin, op_fork, op_vmsplice, op_direct, op_msync,
  op_clear_refs, op_dontneed, op_mprotect, op_remap,
};
#define NOPS (sizeof(operations) / sizeof(operations[0]))

static int
run_worker(void *arg)
{
  struct worker *w = arg;
  map_region(w);
  fill(w);
  for(int i = 0; i < ROUND_OPS; i++){
    operations[rnd(w) % NOPS](w);
    __atomic_add_fetch(ops, 1, __ATOMIC_SEQ_CST);
  }
  unpin(w);
  must(w, munmap(w->base, w->baselen) == 0, "munmap");
  return 0;
}

// One round: NT threads in a new process. Its exit status.
static int
round(uint64 seed)
{
  int pid = fork();
  if(pid < 0)
    return -2;
  if(pid == 0){
    int tids[NT];
    for(int i = 0; i < NT; i++){
      struct worker *w = &workers[i];
      w->id = i;
      w->rng = seed * 0x9E3779B97F4A7C15ULL + i + 1;
      w->pinfd = -1;
      snprintf(w->fname, sizeof(w->fname), "tt%d", i);
      tids[i] = thread_spawn(run_worker, w, stacks[i], STACK);
      must(w, tids[i] > 0, "thread_spawn");
    }
    for(int i = 0; i < NT; i++){
      int st = -1;
      if(thread_join(tids[i], &st) < 0 || st != 0)
        exit(1);
    }
    exit(0);
  }
  int st = -100;
  wait(&st);
  return st;
}

int
main(int argc, char *argv[])
{
  int seconds = argc > 1 ? atoi(argv[1]) : 10;
  uint64 seed = argc > 2 ? atoi(argv[2]) : uptime();
  huge = argc > 3 && strcmp(argv[3], "huge") == 0;
  printf("torture: %d s, seed %d (torture %d %d repeats it)\n", seconds, (int)seed, seconds, (int)seed);
  // The rounds count their operations here, in memory they share.
  ops = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if(ops == MAP_FAILED){
    printf("torture: mmap: %s\n", strerror(errno));
    exit(1);
  }
  *ops = 0;
  counter("nr_free_pages");   // its buffer is in memory before the count
  printf("free pages: %d\n", (int)counter("nr_free_pages"));
  int t0 = uptime(), rounds = 0, st = 0;
  while(st == 0 && uptime() - t0 < seconds * 10){
    st = round(seed + rounds);
    rounds++;
    if(rounds % 10 == 0)
      printf("torture: %d rounds, %d operations\n", rounds, *ops);
  }
  for(int i = 0; i < NT; i++){
    char name[12];
    snprintf(name, sizeof(name), "tt%d", i);
    unlink(name);
    snprintf(name, sizeof(name), "tt%dd", i);
    unlink(name);
  }
  printf("free pages after: %d\n", (int)counter("nr_free_pages"));
  printf("torture: %d rounds, %d operations, seed %d\n", rounds, *ops, (int)seed);
  if(st != 0)
    printf("torture: round %d (seed %d) ended with status %d\n", rounds - 1, (int)(seed + rounds - 1), st);
  printf("test torture: %s\n", st == 0 ? "OK" : "FAILED");
  exit(st != 0);
}
