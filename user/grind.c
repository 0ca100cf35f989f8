// grind: a random stress test of many system calls.  Runs until the
// machine is stopped; run it by hand, not from automated tests.
//
// Each round forks two workers that share the directory /grindir and
// perform a few thousand randomly chosen operations: file creation,
// links and unlinks that race with each other, private files whose
// contents are checked, pipes, exec, kill, sbrk (eager and lazy),
// copy-on-write memory after fork, and system calls given bad pointers.
// Races on shared names may fail harmlessly and are not checked;
// anything deterministic is.  A worker prints A or B every so often to
// show progress; a failure is reported and the next round begins.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "user/user.h"

#define PGSIZE 4096
#define ITERS  3000   // operations per worker per round
#define NSLOT  4      // files a worker keeps open between operations

static uint64 seed;
static int me;            // worker number, 0 or 1
static int nested;        // in a child forked by op_fork: no more forks
static int mypid;
static char *brk0;        // break when the worker started
static int slot[NSLOT];
static int lastup;

// Shared names, relative to /grindir: both workers use them at once.
static char *names[] = { "a", "b", "c", "dd", "dd/a", "dd/b", "../grindir/c" };
#define NNAMES (sizeof(names) / sizeof(names[0]))

static uint64
rnd(void)
{
  // xorshift64: small, fast, and good enough to pick operations.
  seed ^= seed << 13;
  seed ^= seed >> 7;
  seed ^= seed << 17;
  return seed;
}

static int
pick(int n)
{
  return rnd() % n;
}

static char *
anyname(void)
{
  return names[pick(NNAMES)];
}

static void
fail(const char *what)
{
  fprintf(2, "grind: worker %d (pid %d): %s (errno %s)\n", me, getpid(),
          what, strerror(errno));
  exit(1);
}

// A function that is never called: its address is a mapped but
// read-only (text) page that system calls must refuse to write.
static void __attribute__((noinline))
never_called(void)
{
  fprintf(2, "grind: never_called was called\n");
}

// Addresses that no system call may read or write for us.
static char *
badaddr(void)
{
  uint64 above = ((uint64)sbrk(0) + 2 * PGSIZE) & ~(uint64)(PGSIZE - 1);
  static uint64 fixed[] = {
    0x3fffffffffUL,        // top of the Sv39 user range (trampoline)
    0x3ffffff000UL,        // mapped for the kernel only
    0x4000000000UL,        // beyond the user address range
    0xffffffffffffffffUL,
    0x8000000000000000UL,
  };

  if(pick(3) == 0)
    return (char *)above;   // just past the heap
  return (char *)fixed[pick(sizeof(fixed) / sizeof(fixed[0]))];
}

// Wait for pid and return its exit status.
static int
reap(int pid)
{
  int st = -1, w;

  while((w = wait(&st)) != pid){
    if(w < 0)
      fail("wait found no child");
  }
  return st;
}

static int
xfork(void)
{
  int pid = fork();

  if(pid < 0)
    fail("fork");
  if(pid == 0)
    mypid = getpid();
  return pid;
}

// ----------------------------------------------------------- operations

static void
op_create(void)
{
  int fd = open(anyname(), O_CREATE | O_RDWR);

  if(fd >= 0)
    close(fd);
}

static void
op_unlink(void)
{
  unlink(anyname());
}

static void
op_link(void)
{
  link(anyname(), anyname());
}

static void
op_mkdir(void)
{
  mkdir(anyname());
}

static void
op_chdir(void)
{
  chdir(anyname());
  if(chdir("/grindir") < 0)
    fail("chdir back to /grindir");
}

// Keep a shared file open in a slot; the name may vanish meanwhile.
static void
op_keep(void)
{
  int i = pick(NSLOT);

  if(slot[i] >= 0)
    close(slot[i]);
  slot[i] = open(anyname(), pick(2) ? O_RDWR : O_RDONLY);
  if(slot[i] < 0 && pick(2))
    slot[i] = open(anyname(), O_CREATE | O_RDWR);
}

static void
op_slotio(void)
{
  char buf[300];
  int fd = slot[pick(NSLOT)];
  int n = pick(sizeof(buf));

  if(fd < 0)
    return;
  memset(buf, 'x', n);
  if(pick(2))
    write(fd, buf, n);   // fails on directories and read-only slots
  else
    read(fd, buf, n);
}

static void
op_fstat(void)
{
  struct stat st;
  int fd = slot[pick(NSLOT)];

  if(fd < 0)
    return;
  if(fstat(fd, &st) < 0)
    fail("fstat of an open file");
  if(st.type != T_DIR && st.type != T_FILE && st.type != T_DEVICE)
    fail("fstat returned a bad type");
}

static void
op_dup(void)
{
  int fd = slot[pick(NSLOT)], d;

  if(fd < 0)
    return;
  if((d = dup(fd)) < 0){
    if(errno != EMFILE)
      fail("dup");
    return;
  }
  if(close(d) < 0)
    fail("close of a dup");
}

// Write a private file and read it back: nobody else touches it.
static void
op_private(void)
{
  static char buf[8 * 1024];
  char name[] = "priv0";
  struct stat st;
  int n = pick(sizeof(buf)), i, fd;
  char c = 'a' + pick(26);

  name[4] += me + 2 * nested;
  if((fd = open(name, O_CREATE | O_RDWR | O_TRUNC)) < 0)
    fail("create private file");
  for(i = 0; i < n; i++)
    buf[i] = c + i % 7;
  if(write(fd, buf, n) != n)
    fail("write private file");
  if(fstat(fd, &st) < 0 || st.size != n)
    fail("private file has the wrong size");
  close(fd);

  if((fd = open(name, O_RDONLY)) < 0)
    fail("reopen private file");
  memset(buf, 0, sizeof(buf));
  if(read(fd, buf, sizeof(buf)) != n)
    fail("read private file");
  close(fd);
  for(i = 0; i < n; i++)
    if(buf[i] != (char)(c + i % 7))
      fail("private file has the wrong contents");
  if(pick(4) == 0 && unlink(name) < 0)
    fail("unlink private file");
}

// Grow the heap eagerly, use it, and sometimes shrink it back.
static void
op_sbrk(void)
{
  int n = 1 + pick(64 * 1024), i;
  char *p = sbrk(n);

  if(p == SBRK_ERROR){
    if(errno != ENOMEM)
      fail("sbrk");
    return;
  }
  for(i = 0; i < n; i++)
    p[i] = i;
  for(i = 0; i < n; i += 97)
    if(p[i] != (char)i)
      fail("heap memory lost a value");
  if(pick(2) || sbrk(0) - brk0 > 1024 * 1024)
    if(sbrk(-(sbrk(0) - brk0)) == SBRK_ERROR)
      fail("sbrk shrink");
}

// Reserve lazily, touch a few pages, give it all back.
static void
op_lazy(void)
{
  int npages = 1 + pick(256), i, k;
  int n = npages * PGSIZE;
  char *p = sbrklazy(n);

  if(p == SBRK_ERROR){
    if(errno != ENOMEM)
      fail("sbrklazy");
    return;
  }
  for(k = 0; k < 8; k++){
    i = pick(npages);
    p[i * PGSIZE + k] = i + k;
    if(p[i * PGSIZE + k] != (char)(i + k))
      fail("lazy page lost a value");
  }
  if(sbrk(-n) == SBRK_ERROR)
    fail("shrink after sbrklazy");
}

// A few operations in a child, which must finish cleanly.
static void op_random(void);

static void
op_fork(void)
{
  int pid, k;

  if(nested)
    return;
  if((pid = fork()) < 0)
    return;   // running out of processes is allowed
  if(pid == 0){
    mypid = getpid();
    nested = 1;
    for(k = pick(20); k > 0; k--)
      op_random();
    exit(0);
  }
  if(reap(pid) != 0)
    fail("child of op_fork failed");
}

static void
op_pipe(void)
{
  char buf[700];
  int p[2], pid, n, got = 0, i;
  int len = 1 + pick(sizeof(buf));

  if(pipe(p) < 0){
    if(errno == EMFILE || errno == ENFILE)
      return;
    fail("pipe");
  }
  if((pid = xfork()) == 0){
    close(p[0]);
    for(i = 0; i < len; i++)
      buf[i] = i * 3;
    if(write(p[1], buf, len) != len)
      fail("pipe write");
    exit(0);
  }
  close(p[1]);
  while((n = read(p[0], buf + got, sizeof(buf) - got)) > 0)
    got += n;
  close(p[0]);
  if(n < 0 || got != len)
    fail("pipe read returned the wrong count");
  for(i = 0; i < len; i++)
    if(buf[i] != (char)(i * 3))
      fail("pipe corrupted data");
  if(reap(pid) != 0)
    fail("pipe writer");
}

// Run a program with stdin and stdout on pipes and check what it prints.
static void
runprog(char **argv, const char *input, const char *want)
{
  int in[2], out[2], pid, n, got = 0, len = strlen(want);
  char buf[128];

  if(pipe(in) < 0)
    return;
  if(pipe(out) < 0){
    close(in[0]);
    close(in[1]);
    return;
  }
  if((pid = xfork()) == 0){
    close(0);
    dup(in[0]);
    close(1);
    dup(out[1]);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    for(n = 0; n < NSLOT; n++)
      if(slot[n] >= 0)
        close(slot[n]);
    exec(argv[0], argv);
    fail("exec");
  }
  close(in[0]);
  close(out[1]);
  // Small enough for the pipe's buffer, so this cannot deadlock.
  write(in[1], input, strlen(input));
  close(in[1]);
  while(got < sizeof(buf) - 1 &&
        (n = read(out[0], buf + got, sizeof(buf) - 1 - got)) > 0)
    got += n;
  close(out[0]);
  buf[got] = 0;
  if(reap(pid) != 0)
    fail("exec'd program exited with an error");
  if(got != len || strcmp(buf, want) != 0)
    fail("exec'd program printed the wrong thing");
}

static void
op_exec(void)
{
  char *echo[] = { "/echo", "hi", "there", 0 };
  char *cat[] = { "/cat", 0 };

  if(pick(2))
    runprog(echo, "", "hi there\n");
  else
    runprog(cat, "grind\nline two\n", "grind\nline two\n");
}

// Kill a child that is running, sleeping or blocked on a pipe.
static void
op_kill(void)
{
  int pid, p[2], how = pick(3);
  char c;

  if(how == 2 && pipe(p) < 0)
    how = 0;
  if((pid = fork()) < 0){
    if(how == 2){
      close(p[0]);
      close(p[1]);
    }
    return;
  }
  if(pid == 0){
    if(how == 0)
      for(;;)
        getpid();
    if(how == 1)
      for(;;)
        sleep(100);
    close(p[1]);
    read(p[0], &c, 1);   // nothing ever arrives
    exit(0);
  }
  if(how == 2)
    close(p[0]);
  if(pick(2))
    sleep(1);
  if(kill(pid) < 0)
    fail("kill of a live child");
  reap(pid);
  if(how == 2)
    close(p[1]);
  if(kill(pid) == 0)
    fail("kill of a reaped child succeeded");
}

// System calls handed bad pointers must fail, not crash or corrupt.
static void
op_badptr(void)
{
  char *bad = pick(4) ? badaddr() : (char *)never_called;
  char *argv[] = { "/echo", 0 };
  int p[2], fd;

  if(pipe(p) < 0)
    return;
  write(p[1], "xyz", 3);
  if(read(p[0], bad, 3) >= 0)
    fail("read into a bad address succeeded");
  if(bad != (char *)never_called && write(p[1], bad, 3) >= 0)
    fail("write from a bad address succeeded");
  close(p[0]);
  close(p[1]);

  if(bad == (char *)never_called)
    return;   // text is readable: the calls below could succeed
  if((fd = open(bad, O_RDONLY)) >= 0)
    fail("open of a bad path pointer succeeded");
  if(exec(bad, argv) >= 0 || exec("/echo", (char **)bad) >= 0)
    fail("exec with a bad pointer returned success");
  if(pipe((int *)bad) >= 0)
    fail("pipe into a bad address succeeded");
  if(fstat(0, (struct stat *)bad) >= 0)
    fail("fstat into a bad address succeeded");
}

// After fork, parent and child each see their own copy of the heap, also
// when one of them writes through a system call (read into the page).
static void
op_cow(void)
{
  int n = PGSIZE * (1 + pick(4)), pid, i, p[2];
  char *mem = sbrk(n);

  if(mem == SBRK_ERROR)
    return;
  for(i = 0; i < n; i++)
    mem[i] = 'P';
  if(pipe(p) < 0){
    sbrk(-n);
    return;
  }
  if((pid = fork()) < 0){
    close(p[0]);
    close(p[1]);
    sbrk(-n);
    return;
  }
  if(pid == 0){
    for(i = 0; i < n; i += PGSIZE / 4)
      if(mem[i] != 'P')
        fail("child does not see the parent's memory");
    memset(mem, 'C', n / 2);
    write(p[1], "kernel", 6);
    if(read(p[0], mem + n - 6, 6) != 6)
      fail("read into a copy-on-write page");
    if(memcmp(mem + n - 6, "kernel", 6) != 0 || mem[0] != 'C')
      fail("child's copy is wrong");
    exit(0);
  }
  close(p[0]);
  close(p[1]);
  if(pick(2))
    memset(mem + n / 2, 'Q', n / 2);   // while the child may still run
  if(reap(pid) != 0)
    fail("copy-on-write child");
  if(mem[0] != 'P' || mem[n / 2 - 1] != 'P')
    fail("the child's writes reached the parent");
  if(mem[n - 1] != 'P' && mem[n - 1] != 'Q')
    fail("the child's read() reached the parent");
  sbrk(-n);
}

// Errors must come back as -1 with the right errno.
static void
op_errno(void)
{
  errno = 0;
  if(open("no-such-file", O_RDONLY) >= 0 || errno != ENOENT)
    fail("open of a missing file: expected ENOENT");
  errno = 0;
  if(close(NSLOT + 64) >= 0 || errno != EBADF)
    fail("close of a bad fd: expected EBADF");
  errno = 0;
  if(read(-1, 0, 1) >= 0 || errno != EBADF)
    fail("read of fd -1: expected EBADF");
  if(unlink(".") >= 0)
    fail("unlink of . succeeded");
  if(mkdir("/grindir") >= 0)
    fail("mkdir of an existing directory succeeded");
}

static void
op_misc(void)
{
  int t;

  if(getpid() != mypid)
    fail("getpid changed");
  t = uptime();
  if(t < lastup)
    fail("uptime went backwards");
  lastup = t;
  if(pick(8) == 0)
    sleep(pick(2));
}

static void (*ops[])(void) = {
  op_create, op_unlink, op_link, op_mkdir, op_chdir, op_keep, op_slotio,
  op_fstat, op_dup, op_private, op_sbrk, op_lazy, op_fork, op_pipe,
  op_exec, op_kill, op_badptr, op_cow, op_errno, op_misc,
  op_create, op_unlink, op_keep, op_slotio, op_private,
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

static void
op_random(void)
{
  ops[pick(NOPS)]();
}

// ---------------------------------------------------------------- rounds

static void
worker(int id)
{
  int i;

  me = id;
  mypid = getpid();
  seed = seed * 2 + id + 1;
  for(i = 0; i < 10; i++)
    rnd();
  for(i = 0; i < NSLOT; i++)
    slot[i] = -1;
  if(chdir("/grindir") < 0)
    fail("chdir /grindir");
  brk0 = sbrk(0);

  for(i = 0; i < ITERS; i++){
    if(i % 250 == 0)
      write(1, id ? "B" : "A", 1);
    op_random();
  }
  exit(0);
}

// Run both workers; if one fails, stop the other.  Exit status 0 if both
// finished cleanly.
static void
run_round(void)
{
  int pid[2], st, st2, w, other, i;

  for(i = 0; i < 2; i++){
    if((pid[i] = fork()) < 0){
      fprintf(2, "grind: fork: %s\n", strerror(errno));
      exit(1);
    }
    if(pid[i] == 0)
      worker(i);
  }
  w = wait(&st);
  other = w == pid[0] ? pid[1] : pid[0];
  if(st != 0)
    kill(other);
  if(wait(&st2) < 0 || st2 != 0)
    st = 1;
  exit(st != 0);
}

int
main(void)
{
  int pid, st, n;
  uint64 base = 0x5eed;

  if(mkdir("/grindir") < 0 && errno != EEXIST){
    fprintf(2, "grind: mkdir /grindir: %s\n", strerror(errno));
    exit(1);
  }
  for(n = 1; ; n++){
    seed = base + n;
    if((pid = fork()) < 0){
      fprintf(2, "grind: fork: %s\n", strerror(errno));
      sleep(100);
      continue;
    }
    if(pid == 0)
      run_round();
    if(wait(&st) != pid || st != 0)
      printf("\ngrind: round %d failed\n", n);
    else if(n % 10 == 0)
      printf("\ngrind: %d rounds\n", n);
    sleep(20);
  }
}
