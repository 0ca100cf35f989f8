// threadtest: threads (clone through thread_spawn, thread_join,
// thread_exit, gettid) and TLB shootdown. Run it with several harts: the
// shootdown tests need a writing thread on another hart than the one that
// changes the page table.
//
// Semantics under test (docs/syscalls.md): threads share memory, open
// files and the current directory; exit() in any thread, a fatal fault in
// any thread, or kill(pid) ends every thread of the process; exec from the
// main thread ends the others first.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "user/user.h"
#include "user/testlib.h"

#define NT 4
#define STACK 8192

static char stacks[NT][STACK] __attribute__((aligned(16)));

static int
spawn(int i, int (*fn)(void *), void *arg)
{
  int tid = thread_spawn(fn, arg, stacks[i], STACK);
  CHECK(tid > 0, "thread_spawn: %s", strerror(errno));
  return tid;
}

static int
join(int tid)
{
  int st = -100;
  CHECK(thread_join(tid, &st) == 0, "thread_join(%d): %s", tid, strerror(errno));
  return st;
}

// Threads share memory and the process id; each has its own thread id.
static volatile uint64 slots[NT];
static volatile int arrived;
static int tids[NT];

static int
sharer(void *arg)
{
  int i = (int)(uint64)arg;
  tids[i] = gettid();
  __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
  while(__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < NT)
    ;   // all NT threads are alive at once
  for(int k = 0; k < 100000; k++)
    slots[i]++;
  return getpid() == gettid() ? -1 : 10 + i;
}

static void
share(void)
{
  int tid[NT];
  for(int i = 0; i < NT; i++)
    tid[i] = spawn(i, sharer, (void *)(uint64)i);
  for(int i = 0; i < NT; i++){
    int st = join(tid[i]);
    CHECK(st == 10 + i, "thread %d returned %d, want %d", i, st, 10 + i);
    CHECK(slots[i] == 100000, "thread %d counted to %d", i, (int)slots[i]);
    CHECK(tids[i] == tid[i], "thread %d has gettid %d, thread_spawn said %d", i, tids[i], tid[i]);
    CHECK(tid[i] != getpid(), "a thread has the process's id");
  }
  CHECK(gettid() == getpid(), "the main thread's id is not the pid");
}

// Open files and the current directory are shared.
static int fd_from_thread = -1;

static int
filer(void *arg)
{
  int mainfd = (int)(uint64)arg;
  fd_from_thread = open("ttfile", O_CREATE | O_RDWR);
  CHECK(fd_from_thread >= 0, "open in a thread: %s", strerror(errno));
  CHECK(write(fd_from_thread, "thread", 6) == 6, "write in a thread");
  CHECK(close(mainfd) == 0, "the thread cannot close the main thread's descriptor");
  CHECK(mkdir("ttdir") == 0 && chdir("ttdir") == 0, "mkdir/chdir in a thread: %s", strerror(errno));
  return 0;
}

static void
files(void)
{
  int mainfd = open("ttmain", O_CREATE | O_RDWR);
  CHECK(mainfd >= 0, "open: %s", strerror(errno));
  CHECK(join(spawn(0, filer, (void *)(uint64)mainfd)) == 0, "thread failed");
  struct stat st;
  CHECK(fstat(fd_from_thread, &st) == 0 && st.size == 6, "the thread's descriptor is not usable here");
  errno = 0;
  CHECK(write(mainfd, "x", 1) == -1 && errno == EBADF, "a descriptor the thread closed still works");
  int fd = open("inside", O_CREATE | O_RDWR);   // in ttdir: the thread's chdir
  CHECK(fd >= 0, "open after the thread's chdir: %s", strerror(errno));
  close(fd);
  CHECK(stat("/ttdir/inside", &st) == 0, "the thread's chdir did not apply to the main thread");
  close(fd_from_thread);
  unlink("inside");
  chdir("/");
  unlink("/ttdir");
  unlink("/ttfile");
  unlink("/ttmain");
}

// thread_join's errors, and thread_exit from deep inside a thread.
static int deep(int n);
static int (*volatile deeper)(int) = deep;

static int
deep(int n)
{
  if(n == 0)
    thread_exit(42);
  return deeper(n - 1) + 1;
}

static int
exiter(void *arg)
{
  deep(5);
  return 0;
}

static void
joining(void)
{
  int tid = spawn(0, exiter, 0);
  CHECK(join(tid) == 42, "thread_exit(42) deep in a thread: wrong status");
  errno = 0;
  CHECK(thread_join(tid, 0) == -1 && errno == ESRCH, "joining a thread twice: errno %d", errno);
  errno = 0;
  CHECK(thread_join(gettid(), 0) == -1 && errno == EDEADLK, "joining oneself: errno %d", errno);
  errno = 0;
  CHECK(thread_join(99999, 0) == -1 && errno == ESRCH, "joining no thread: errno %d", errno);
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    pause(10);
    exit(0);
  }
  errno = 0;
  CHECK(thread_join(pid, 0) == -1 && errno == ESRCH, "joining another process: errno %d", errno);
  CHECK(reap(pid) == 0, "child failed");
  errno = 0;
  CHECK(clone((void (*)(void *))0x1000, 0, (void *)(stacks[0] + 3)) == -1 && errno == EINVAL,
        "clone with a misaligned stack: errno %d", errno);
}

static int __attribute__((noreturn))
spinner(void *arg)
{
  for(;;)
    ;
}

static int
exit7(void *arg)
{
  pause(2);
  exit(7);
}

static int
crasher(void *arg)
{
  pause(2);
  *(volatile int *)0 = 1;   // text is read-only: a fatal fault
  return 0;
}

// How a process with threads ends: exit() in a thread, a fault in a
// thread, kill(pid). Every thread ends, and the parent sees the status.
static void
ending(void)
{
  int (*last[])(void *) = { exit7, crasher, spinner };
  int want[] = { 7, -1, -1 };
  for(int k = 0; k < 3; k++){
    int pid = fork();
    CHECK(pid >= 0, "fork");
    if(pid == 0){
      spawn(0, spinner, 0);
      spawn(1, spinner, 0);
      spawn(2, last[k], 0);
      for(;;)
        ;
    }
    if(k == 2){
      pause(2);
      CHECK(kill(pid) == 0, "kill: %s", strerror(errno));
    }
    int st = reap(pid);
    CHECK(st == want[k], "case %d: the process ended with %d, want %d", k, st, want[k]);
  }
}

// A thread grows the heap and forks; the main thread sees the memory and
// waits for the child.
static char *grown;
static int child_pid;

static int
grower(void *arg)
{
  grown = sbrk(PGSIZE);
  CHECK(grown != SBRK_ERROR, "sbrk in a thread");
  grown[0] = 'g';
  child_pid = fork();
  CHECK(child_pid >= 0, "fork in a thread");
  if(child_pid == 0)
    exit(5);
  return 0;
}

static void
heap_and_fork(void)
{
  CHECK(join(spawn(0, grower, 0)) == 0, "thread failed");
  CHECK(grown[0] == 'g', "the main thread does not see the thread's sbrk");
  int st;
  CHECK(wait(&st) == child_pid && st == 5, "the main thread cannot wait for the thread's child");
}

// exec ends the other threads; a thread other than the main one may not.
static int
exec_in_thread(void *arg)
{
  char *argv[] = { "echo", "threadtest: exec ok", 0 };
  errno = 0;
  exec("echo", argv);
  return errno;
}

static void
execing(void)
{
  CHECK(join(spawn(0, exec_in_thread, 0)) == EINVAL, "exec in a thread: not EINVAL");
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    spawn(0, spinner, 0);
    spawn(1, spinner, 0);
    char *argv[] = { "echo", "threadtest: exec ok", 0 };
    exec("echo", argv);
    exit(3);
  }
  CHECK(reap(pid) == 0, "exec with threads running failed");
}

// TLB shootdown. A thread on another hart writes a page as fast as it
// can; it has the page's writable translation in its TLB. The main thread
// write-protects the page (mprotect, or fork's copy-on-write). Once that
// returns, no write may land on the page any more: the other hart's TLB
// must have been flushed. Without the flush, the writer goes on writing
// through its stale TLB entry (QEMU models a TLB per hart) until its next
// context switch, and the checks below see the value change.
static int __attribute__((noreturn))
writer(void *arg)
{
  volatile uint64 *p = arg;
  for(;;)
    (*p)++;
}

// Did *p change within a short while? (much less than a tick, after which
// the writer's hart would switch context and flush anyway)
static int
still_written(volatile uint64 *p)
{
  uint64 v = *p;
  for(volatile int i = 0; i < 200000; i++)
    ;
  return *p != v;
}

// One round in a child process, which ends with status 0 (or -1: the
// writer's fault killed it, as it should), or 2 if a stale write was seen.
static void
shoot_round(int use_fork)
{
  volatile uint64 *p = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
  *p = 1;
  spawn(0, writer, (void *)p);
  while(*p < 100000)
    ;   // the writer runs, so its TLB has the page
  if(!use_fork){
    CHECK(mprotect((void *)p, PGSIZE, PROT_READ) == 0, "mprotect: %s", strerror(errno));
    exit(still_written(p) ? 2 : 0);
  }
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0)   // shares the page with the writer's process until it copies
    exit(still_written(p) ? 2 : 0);
  exit(reap(pid));
}

static void
shootdown(void)
{
  uint64 sd0 = counter("tlb_shootdown");
  for(int round = 0; round < 6; round++){
    int use_fork = round % 2;
    int pid = fork();
    CHECK(pid >= 0, "fork");
    if(pid == 0)
      shoot_round(use_fork);
    int st = reap(pid);
    CHECK(st != 2, "round %d: a thread wrote the page after %s returned: stale TLB entry",
          round, use_fork ? "fork" : "mprotect");
    CHECK(st == 0 || st == -1, "round %d: status %d", round, st);
  }
  printf("shootdown: %d remote TLB flushes\n", (int)(counter("tlb_shootdown") - sd0));
}

// A file offset shared by threads, or by a parent's children after fork,
// moves atomically with each transfer (Linux's f_pos_lock): NT readers of
// 2048 4-byte records, 4 bytes at a time, read every record exactly once,
// and NT writers of 2048/NT records each through one descriptor leave a
// file of all 2048, none written over. Records are their own numbers.
#define NREC 2048

static int offset_fd;
static int seen[NREC];      // readers' counts (threads share it)

// Read records through offset_fd until the end; count each in counts.
static void
read_records(int *counts)
{
  int rec;
  while(read(offset_fd, &rec, 4) == 4)
    if(rec >= 0 && rec < NREC)
      __atomic_add_fetch(&counts[rec], 1, __ATOMIC_SEQ_CST);
}

// Writer k's records: k, k+NT, k+2NT, ...
static void
write_records(int k)
{
  for(int rec = k; rec < NREC; rec += NT)
    CHECK(write(offset_fd, &rec, 4) == 4, "write: %s", strerror(errno));
}

static int
offset_thread(void *arg)
{
  int k = (int)(uint64)arg;
  if(k < 0)
    read_records(seen);
  else
    write_records(k);
  return 0;
}

// NT workers (threads or child processes) read (writer 0) or write
// through offset_fd, which is open on path.
static void
offset_workers(int use_fork, int writer)
{
  int tid[NT], pipes[NT][2];
  for(int i = 0; i < NT; i++){
    void *arg = (void *)(uint64)(writer ? i : -1);
    if(!use_fork){
      tid[i] = spawn(i, offset_thread, arg);
      continue;
    }
    CHECK(pipe(pipes[i]) == 0, "pipe: %s", strerror(errno));
    tid[i] = fork();
    CHECK(tid[i] >= 0, "fork: %s", strerror(errno));
    if(tid[i] == 0){
      offset_thread(arg);
      // A child's counts reach the parent through its pipe.
      CHECK(write(pipes[i][1], seen, sizeof(seen)) == sizeof(seen), "write to the pipe");
      exit(0);
    }
    close(pipes[i][1]);
  }
  for(int i = 0; i < NT; i++){
    if(!use_fork){
      CHECK(join(tid[i]) == 0, "worker %d failed", i);
      continue;
    }
    static int counts[NREC];
    int got = 0, n;
    while(got < sizeof(counts) && (n = read(pipes[i][0], (char *)counts + got, sizeof(counts) - got)) > 0)
      got += n;
    CHECK(got == sizeof(counts), "child %d sent %d bytes of counts", i, got);
    close(pipes[i][0]);
    CHECK(reap(tid[i]) == 0, "child %d failed", i);
    for(int r = 0; r < NREC; r++)
      seen[r] += counts[r];
  }
}

// Every record was seen exactly once.
static void
check_seen(char *how)
{
  int twice = 0, never = 0;
  for(int r = 0; r < NREC; r++){
    twice += seen[r] > 1;
    never += seen[r] == 0;
  }
  CHECK(twice == 0 && never == 0, "%s: %d records seen more than once, %d never", how, twice, never);
}

static void
offset_round(int use_fork)
{
  char *how = use_fork ? "forked processes" : "threads";
  // Readers.
  int fd = open("ttrec", O_CREATE | O_TRUNC | O_RDWR);
  CHECK(fd >= 0, "open: %s", strerror(errno));
  for(int rec = 0; rec < NREC; rec++)
    CHECK(write(fd, &rec, 4) == 4, "write: %s", strerror(errno));
  close(fd);
  offset_fd = open("ttrec", O_RDONLY);
  memset(seen, 0, sizeof(seen));
  offset_workers(use_fork, 0);
  close(offset_fd);
  check_seen(how);
  // Writers, then the file read back by one reader.
  offset_fd = open("ttrec", O_CREATE | O_TRUNC | O_WRONLY);
  CHECK(offset_fd >= 0, "open: %s", strerror(errno));
  offset_workers(use_fork, 1);
  close(offset_fd);
  struct stat st;
  CHECK(stat("ttrec", &st) == 0 && st.size == NREC * 4,
        "%s wrote a file of %d bytes, want %d", how, (int)st.size, NREC * 4);
  offset_fd = open("ttrec", O_RDONLY);
  memset(seen, 0, sizeof(seen));
  read_records(seen);
  close(offset_fd);
  check_seen(how);
  unlink("ttrec");
}

static void
shared_offset(void)
{
  offset_round(0);
  offset_round(1);
}

// Writeback only reads the page it writes. One thread stores a new value
// into every word of a shared file mapping and reads each back, round
// after round, while another writes the mapping back with msync(MS_SYNC)
// in a loop. A writeback that copied the page onto itself would undo the
// stores that land between its load and its store of a word (the first
// store after msync write-protected the page faults and makes it writable
// again while the copy runs).
#define SPAGES 8
#define SWORDS (SPAGES * PGSIZE / 8)
#define SSYNCS 100     // msyncs and
#define SROUNDS 20     // rounds of stores (a busy host may run the syncer
                       // alone for a while: both must happen), or
#define STICKS 60      // ticks: at 1 hart the threads take turns, slowly

static volatile int storing, syncs;

static int
syncer(void *p)
{
  while(__atomic_load_n(&storing, __ATOMIC_SEQ_CST)){
    CHECK(msync(p, SPAGES * PGSIZE, MS_SYNC) == 0, "msync: %s", strerror(errno));
    __atomic_add_fetch(&syncs, 1, __ATOMIC_SEQ_CST);
  }
  return 0;
}

static void
msync_stores(void)
{
  int fd = open("ttmsync", O_CREATE | O_TRUNC | O_RDWR);
  CHECK(fd >= 0, "open: %s", strerror(errno));
  static char zero[PGSIZE];
  for(int i = 0; i < SPAGES; i++)
    CHECK(write(fd, zero, PGSIZE) == PGSIZE, "write: %s", strerror(errno));
  volatile uint64 *p = mmap(0, SPAGES * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
  storing = 1;
  int tid = spawn(0, syncer, (void *)p);
  int lost = 0;
  uint64 r = 0;
  int t0 = uptime();
  do {
    r++;
    for(int w = 0; w < SWORDS; w++)
      p[w] = r << 32 | w;
    for(int w = 0; w < SWORDS; w++)
      lost += p[w] != (r << 32 | w);
  } while((__atomic_load_n(&syncs, __ATOMIC_SEQ_CST) < SSYNCS || r < SROUNDS) &&
          uptime() - t0 < STICKS);
  storing = 0;
  CHECK(join(tid) == 0, "the msync thread failed");
  CHECK(lost == 0, "%d stores were undone during %d msyncs", lost, syncs);
  // What the last round stored is the file's content, after one more msync.
  CHECK(msync((void *)p, SPAGES * PGSIZE, MS_SYNC) == 0, "msync: %s", strerror(errno));
  static uint64 back[SWORDS];
  CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek: %s", strerror(errno));
  CHECK(read(fd, back, sizeof(back)) == sizeof(back), "read back: %s", strerror(errno));
  for(int w = 0; w < SWORDS; w++)
    CHECK(back[w] == (r << 32 | w), "word %d of the file is %p", w, (void *)back[w]);
  printf("msync_stores: %d msyncs, %d rounds of stores\n", syncs, (int)r);
  munmap((void *)p, SPAGES * PGSIZE);
  close(fd);
  unlink("ttmsync");
}

// A call that fails after putting files in the descriptor table takes
// out only its own: another thread may have closed them (and opened
// others at their numbers) meanwhile. One thread makes pipe() fail at
// its very end (a bad address for the descriptors) again and again,
// while another closes every descriptor it finds; a double close would
// panic the kernel (found by the fuzzer).
static volatile int racing;

static int
closer(void *arg)
{
  while(__atomic_load_n(&racing, __ATOMIC_SEQ_CST))
    for(int fd = 3; fd < NOFILE; fd++)
      close(fd);
  return 0;
}

static void
close_race(void)
{
  racing = 1;
  int tid = spawn(0, closer, 0);
  int t0 = uptime();
  for(int i = 0; i < 3000 && uptime() - t0 < 50; i++){
    // (errno is the process's, and the closer sets it too: not checked)
    CHECK(pipe((int *)(MAXVA - 4)) == -1, "pipe with a bad address succeeded");
    int p[2];
    if(pipe(p) == 0){   // and files the closer takes away at once
      close(p[0]);
      close(p[1]);
    }
  }
  racing = 0;
  CHECK(join(tid) == 0, "the closing thread failed");
}

static struct test tests[] = {
  { share, "share" },
  { files, "files" },
  { joining, "join" },
  { ending, "ending" },
  { heap_and_fork, "heap_and_fork" },
  { execing, "exec" },
  { shootdown, "shootdown" },
  { shared_offset, "shared_offset" },
  { msync_stores, "msync_stores" },
  { close_race, "close_race" },
};

int
main(int argc, char *argv[])
{
  exit(run_tests("threadtest", tests, NELEM(tests), argc, argv, 0) != 0);
}
