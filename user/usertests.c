// usertests: cowpin's system-call test suite.
//
//   usertests         run every test
//   usertests -q      run the quick tests only (skip the slow ones)
//   usertests NAME    run only the test called NAME
//
// It checks at least everything MIT xv6-riscv's usertests checks (the
// tests keep xv6's names so results can be compared), and adds cowpin's
// own checks: the Linux errno convention, privacy of memory after fork,
// lazy-allocation corner cases and the kernel half of the address space.
//
// Every test runs in a child process, so a crash or a kill fails only
// that test; a test passes when its process exits with status 0. Some
// tests fault on purpose, so the kernel's messages about killed
// processes are expected. Before and after the tests the free physical
// pages are counted; fewer pages afterwards means something leaked.

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "kernel/fcntl.h"
#include "kernel/syscall.h"
#include "kernel/errno.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "user/user.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

// Lowest address of the kernel half; nothing at or above it, or at or
// above MAXVA, may ever be reachable through a user pointer.
#define KSPACE 0xffffffc000000000UL

// The memory the kernel had free when usertests started (countfree): the
// kernel finds RAM in the device tree, so the compile-time PHYSTOP says
// nothing about it. Sizes that must exceed memory, or fill much of it,
// derive from it (capped where a test touches every page).
static uint64 memsize;
// At most 256 MiB of it: the part a test may touch page by page.
#define TOUCHABLE (memsize < (1UL << 28) ? memsize : (1UL << 28))
// More than the machine has, yet still an int (sbrk's argument type).
#define TOOMUCH ((int)(memsize < (1UL << 30) ? (1UL << 30) : 0x7ffff000UL))
// xv6's "big" allocation: 100 MiB out of 128 MiB, scaled to the RAM size.
#define BIG ((int)(TOUCHABLE / 128 * 100))
// Size of the lazily reserved regions (virtual only, mostly untouched).
#define REGION (1 << 30)

// Larger than the log, so that one write spans several transactions.
#define BUFSZ ((MAXOPBLOCKS + 2) * BSIZE)

// A plain file that main() creates for the tests to read, link and
// exec (xv6's tests use README; this image's name for it may differ).
#define DATAFILE "ut-data"
#define DATASIZE (3 * BSIZE)

static char buf[BUFSZ];
static char *tname = "usertests";   // the running test, for messages

// ---------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------

// Fail the running test: print why and end its process with status 1.
#define FAIL(...)                 \
  do {                            \
    printf("%s: ", tname);        \
    printf(__VA_ARGS__);          \
    printf("\n");                 \
    exit(1);                      \
  } while(0)

#define CHECK(cond, ...)          \
  do {                            \
    if(!(cond))                  \
      FAIL(__VA_ARGS__);          \
  } while(0)

static void
want_err(long r, int want, char *what)
{
  if(r != -1)
    FAIL("%s returned %d, expected -1 with errno %s", what, (int)r,
         strerror(want));
  if(errno != want)
    FAIL("%s: errno %d (%s), expected %d (%s)", what, errno,
         strerror(errno), want, strerror(want));
}

// The call must fail: return -1 (or SBRK_ERROR, which is also -1) and
// set errno to want. errno is cleared first so that a value left over
// from an earlier call cannot pass for the right one.
#define EXPECT_ERR(call, want)    \
  do {                            \
    errno = 0;                    \
    long r_ = (long)(call);       \
    want_err(r_, (want), #call);  \
  } while(0)

// A transfer to or from a bad user address must move nothing. Like xv6
// we let the console and pipes answer 0 instead of -1 (strict == 0);
// any -1 must come with EFAULT. The caller clears errno before the call.
static void
refused(int n, int strict, char *what, uint64 addr)
{
  if(n > 0 || (strict && n != -1))
    FAIL("%s with address %p returned %d, expected -1", what, (void *)addr,
         n);
  if(n == -1 && errno != EFAULT)
    FAIL("%s with address %p: errno %d (%s), expected EFAULT", what,
         (void *)addr, errno, strerror(errno));
}

// Turn a number into a pointer behind the compiler's back, so that it
// neither warns about nor optimises away accesses to odd addresses.
static void *
ptr(uint64 a)
{
  asm volatile("" : "+r"(a));
  return (void *)a;
}

static uint64
cur_sp(void)
{
  uint64 sp;
  asm volatile("mv %0, sp" : "=r"(sp));
  return sp;
}

// fork, waiting out a process table that is full only because init has
// not reaped the orphans of an earlier test yet (EAGAIN, as Linux says
// when it runs out of processes): on a slow kernel (make LOCKDEP=1) init
// can fall seconds behind reparent's 200 orphans.
static int
fork_patiently(void)
{
  int pid;
  for(int i = 0; (pid = fork()) < 0 && errno == EAGAIN && i < 50; i++)
    pause(2);
  return pid;
}

static int
xfork(void)
{
  int pid = fork_patiently();
  if(pid < 0)
    FAIL("fork failed (errno %d)", errno);
  return pid;
}

// Wait for child pid and return its exit status.
static int
reap(int pid)
{
  int st = 0;
  int r = wait(&st);
  if(r != pid)
    FAIL("wait returned %d, expected child %d", r, pid);
  return st;
}

// In a child, load (store == 0) or store a byte at addr. The kernel must
// kill the child, which xv6 reports as exit status -1.
static void
must_fault(uint64 addr, int store)
{
  int pid = xfork();
  if(pid == 0){
    volatile char *p = ptr(addr);
    if(store){
      *p = 99;
      printf("%s: store to %p went through\n", tname, (void *)addr);
    } else {
      int v = *p;
      printf("%s: load from %p gave %d\n", tname, (void *)addr, v);
    }
    exit(1);
  }
  int st = reap(pid);
  CHECK(st == -1, "%s at %p: child exited with %d, expected to be killed",
        store ? "store" : "load", (void *)addr, st);
}

// The lowest free descriptor number; open() and dup() must hand it out.
static int
lowest_free_fd(void)
{
  int fd = dup(0);
  CHECK(fd >= 0, "dup(0) failed (errno %d)", errno);
  close(fd);
  return fd;
}

static void
makefile(char *name, char *data)
{
  int fd = open(name, O_CREATE | O_WRONLY | O_TRUNC);
  CHECK(fd >= 0, "cannot create %s (errno %d)", name, errno);
  int n = strlen(data);
  CHECK(write(fd, data, n) == n, "cannot write %s", name);
  close(fd);
}

// Round the break up to a page boundary and return it.
static char *
alignbrk(void)
{
  uint64 top = (uint64)sbrk(0);
  if(top % PGSIZE)
    sbrk(PGSIZE - top % PGSIZE);
  top = (uint64)sbrk(0);
  CHECK(top % PGSIZE == 0, "cannot page-align the break (%p)", (void *)top);
  return (char *)top;
}

// Give back memory until the break is at old. Shrinks in steps because
// sbrk takes an int.
static void
shrinkto(char *old)
{
  while((uint64)sbrk(0) > (uint64)old){
    uint64 d = (uint64)sbrk(0) - (uint64)old;
    if(d > (1UL << 30))
      d = 1UL << 30;
    if(sbrk(-(int)d) == SBRK_ERROR)
      break;
  }
}

// Grow the heap eagerly until memory runs out, touching each page so it
// surely holds a frame. Big steps first to save system calls; the final
// steps are single pages, so at most a page or so stays free. Returns
// the number of bytes obtained.
static uint64
fillmem(void)
{
  uint64 got = 0;
  for(int chunk = 1 << 20; chunk >= PGSIZE; chunk /= 2){
    for(;;){
      char *p = sbrk(chunk);
      if(p == SBRK_ERROR)
        break;
      for(int off = chunk - 1; off >= 0; off -= PGSIZE)
        p[off] = 1;
      got += chunk;
    }
  }
  return got;
}

// Addresses no user pointer may reach: RAM's physical base (never mapped
// for users; user space is small), the pages where xv6 keeps its
// trapframe and trampoline, MAXVA itself, and the kernel half.
static const uint64 wild[] = {
  KERNBASE,
  MAXVA - 2 * PGSIZE,
  MAXVA - PGSIZE,
  MAXVA,
  KSPACE,
  KSPACE + KERNBASE,
  0xffffffff80000000UL,
  0xffffffffffffffffUL,
};

// ---------------------------------------------------------------------
// Quick tests, in xv6's order
// ---------------------------------------------------------------------

// The kernel reading user memory (copyin) from wild addresses must
// refuse rather than read kernel data or crash.
static void
copyin(char *s)
{
  for(int i = 0; i < NELEM(wild); i++){
    char *p = ptr(wild[i]);
    int fds[2];

    int fd = open("copyin1", O_CREATE | O_WRONLY);
    CHECK(fd >= 0, "cannot create copyin1");
    errno = 0;
    refused(write(fd, p, 8192), 1, "write(file)", wild[i]);
    close(fd);
    unlink("copyin1");

    errno = 0;
    refused(write(1, p, 8192), 0, "write(console)", wild[i]);

    CHECK(pipe(fds) == 0, "pipe failed");
    errno = 0;
    refused(write(fds[1], p, 8192), 0, "write(pipe)", wild[i]);
    close(fds[0]);
    close(fds[1]);
  }
}

// The kernel writing user memory (copyout) to wild addresses, or to our
// own read-only text at address 0, must refuse.
static void
copyout(char *s)
{
  for(int i = -1; i < NELEM(wild); i++){
    uint64 a = i < 0 ? 0 : wild[i];
    char *p = ptr(a);
    int fds[2];

    int fd = open(DATAFILE, O_RDONLY);
    CHECK(fd >= 0, "cannot open %s", DATAFILE);
    errno = 0;
    refused(read(fd, p, 8192), 1, "read(file)", a);
    close(fd);

    CHECK(pipe(fds) == 0, "pipe failed");
    CHECK(write(fds[1], "x", 1) == 1, "pipe write failed");
    errno = 0;
    refused(read(fds[0], p, 8192), 0, "read(pipe)", a);
    close(fds[0]);
    close(fds[1]);
  }
}

// Path strings at wild addresses.
static void
copyinstr1(char *s)
{
  for(int i = 0; i < NELEM(wild); i++){
    errno = 0;
    refused(open(ptr(wild[i]), O_CREATE | O_WRONLY), 1, "open", wild[i]);
  }
}

// A path of exactly MAXPATH bytes: its terminator would land one past a
// MAXPATH-sized kernel buffer. And exec arguments too big for the stack.
static void
copyinstr2(char *s)
{
  char path[MAXPATH + 1];
  char *args[] = { "xx", 0 };

  memset(path, 'x', MAXPATH);
  path[MAXPATH] = 0;
  CHECK(unlink(path) == -1, "unlink of a MAXPATH-long path succeeded");
  CHECK(open(path, O_CREATE | O_WRONLY) == -1,
        "open of a MAXPATH-long path succeeded");
  CHECK(link(path, path) == -1, "link of a MAXPATH-long path succeeded");
  CHECK(exec(path, args) == -1, "exec of a MAXPATH-long path returned");

  int pid = xfork();
  if(pid == 0){
    static char huge[PGSIZE + 1];
    memset(huge, 'x', PGSIZE);
    char *hargs[] = { huge, huge, huge, 0 };
    exec("echo", hargs);
    exit(42);   // exec failed, as it should; echo would exit with 0
  }
  CHECK(reap(pid) == 42, "exec(echo, three one-page arguments) did not fail");
}

// A path that runs off the end of user memory without a terminator.
static void
copyinstr3(char *s)
{
  char *args[] = { "xx", 0 };

  sbrk(8192);
  char *b = alignbrk() - 1;   // last byte we own
  *b = 'x';
  EXPECT_ERR(unlink(b), EFAULT);
  EXPECT_ERR(open(b, O_CREATE | O_WRONLY), EFAULT);
  EXPECT_ERR(link(b, b), EFAULT);
  EXPECT_ERR(exec(b, args), EFAULT);
}

// Memory given back with sbrk must no longer be usable by system calls.
static void
rwsbrk(char *s)
{
  char *a = sbrk(8192);
  CHECK(a != SBRK_ERROR, "sbrk(8192) failed");
  CHECK(sbrk(-8192) != SBRK_ERROR, "sbrk(-8192) failed");

  int fd = open("rwsbrk", O_CREATE | O_WRONLY);
  CHECK(fd >= 0, "cannot create rwsbrk");
  EXPECT_ERR(write(fd, a + PGSIZE, 1024), EFAULT);
  close(fd);
  unlink("rwsbrk");

  fd = open(DATAFILE, O_RDONLY);
  CHECK(fd >= 0, "cannot open %s", DATAFILE);
  EXPECT_ERR(read(fd, a + PGSIZE, 10), EFAULT);
  close(fd);
}

// O_TRUNC empties a file under descriptors that are already open.
static void
truncate1(char *s)
{
  char b[32];

  unlink("truncfile");
  int w = open("truncfile", O_CREATE | O_WRONLY | O_TRUNC);
  CHECK(w >= 0, "cannot create truncfile");
  CHECK(write(w, "abcd", 4) == 4, "write failed");
  close(w);

  int r1 = open("truncfile", O_RDONLY);
  int n = read(r1, b, sizeof(b));
  CHECK(n == 4, "read %d bytes, expected 4", n);

  w = open("truncfile", O_WRONLY | O_TRUNC);
  CHECK(w >= 0, "cannot reopen truncfile with O_TRUNC");

  int r2 = open("truncfile", O_RDONLY);
  n = read(r2, b, sizeof(b));
  CHECK(n == 0, "fresh descriptor read %d bytes after truncation", n);
  n = read(r1, b, sizeof(b));
  CHECK(n == 0, "old descriptor read %d bytes after truncation", n);

  CHECK(write(w, "abcdef", 6) == 6, "write after truncation failed");
  n = read(r2, b, sizeof(b));
  CHECK(n == 6, "read %d bytes, expected 6", n);
  n = read(r1, b, sizeof(b));   // r1 sits at offset 4
  CHECK(n == 2, "read %d bytes at offset 4, expected 2", n);

  unlink("truncfile");
  close(w);
  close(r1);
  close(r2);
}

// Writing through a descriptor whose offset is now past the end of the
// truncated file fails on xv6 (no holes), but must not crash.
static void
truncate2(char *s)
{
  unlink("truncfile");
  int fd1 = open("truncfile", O_CREATE | O_TRUNC | O_WRONLY);
  CHECK(fd1 >= 0, "cannot create truncfile");
  CHECK(write(fd1, "abcd", 4) == 4, "write failed");
  int fd2 = open("truncfile", O_TRUNC | O_WRONLY);
  int n = write(fd1, "x", 1);
  CHECK(n == -1, "write past the end returned %d, expected -1", n);
  unlink("truncfile");
  close(fd1);
  close(fd2);
}

// Truncation racing with writes and reads from another process.
static void
truncate3(char *s)
{
  close(open("truncfile", O_CREATE | O_TRUNC | O_WRONLY));

  int pid = xfork();
  if(pid == 0){
    char b[32];
    for(int i = 0; i < 100; i++){
      int fd = open("truncfile", O_WRONLY);
      CHECK(fd >= 0, "child: open failed");
      int n = write(fd, "1234567890", 10);
      CHECK(n == 10, "child: write returned %d, expected 10", n);
      close(fd);
      fd = open("truncfile", O_RDONLY);
      read(fd, b, sizeof(b));
      close(fd);
    }
    exit(0);
  }
  for(int i = 0; i < 150; i++){
    int fd = open("truncfile", O_CREATE | O_WRONLY | O_TRUNC);
    CHECK(fd >= 0, "open failed");
    int n = write(fd, "xxx", 3);
    CHECK(n == 3, "write returned %d, expected 3", n);
    close(fd);
  }
  int st = reap(pid);
  unlink("truncfile");
  exit(st);
}

// Unlinking a directory while another process is opening it.
static void
openiput(char *s)
{
  CHECK(mkdir("oidir") == 0, "mkdir oidir failed");
  int pid = xfork();
  if(pid == 0){
    // Either it is still there (a directory: no writing) or it is gone.
    exit(open("oidir", O_RDWR) >= 0 ? 1 : 0);
  }
  pause(1);
  CHECK(unlink("oidir") == 0, "unlink oidir failed");
  exit(reap(pid));
}

// A process exits while its cwd is an unlinked directory.
static void
exitiput(char *s)
{
  int pid = xfork();
  if(pid == 0){
    CHECK(mkdir("iputdir") == 0, "mkdir failed");
    CHECK(chdir("iputdir") == 0, "chdir iputdir failed");
    CHECK(unlink("../iputdir") == 0, "unlink ../iputdir failed");
    exit(0);
  }
  exit(reap(pid));
}

// chdir away from a cwd that was unlinked.
static void
iput(char *s)
{
  CHECK(mkdir("iputdir") == 0, "mkdir failed");
  CHECK(chdir("iputdir") == 0, "chdir iputdir failed");
  CHECK(unlink("../iputdir") == 0, "unlink ../iputdir failed");
  CHECK(chdir("/") == 0, "chdir / failed");
}

static void
opentest(char *s)
{
  int fd = open("echo", O_RDONLY);
  CHECK(fd >= 0, "cannot open echo");
  close(fd);
  EXPECT_ERR(open("doesnotexist", O_RDONLY), ENOENT);
}

static void
writetest(char *s)
{
  enum { N = 100, SZ = 10 };

  int fd = open("small", O_CREATE | O_RDWR);
  CHECK(fd >= 0, "cannot create small");
  for(int i = 0; i < N; i++){
    CHECK(write(fd, "aaaaaaaaaa", SZ) == SZ, "write %d of a's failed", i);
    CHECK(write(fd, "bbbbbbbbbb", SZ) == SZ, "write %d of b's failed", i);
  }
  close(fd);

  fd = open("small", O_RDONLY);
  CHECK(fd >= 0, "cannot open small");
  int n = read(fd, buf, N * SZ * 2);
  CHECK(n == N * SZ * 2, "read %d bytes, expected %d", n, N * SZ * 2);
  for(int i = 0; i < n; i++)
    CHECK(buf[i] == ((i / SZ) % 2 ? 'b' : 'a'), "wrong byte at %d", i);
  close(fd);
  CHECK(unlink("small") == 0, "unlink small failed");
}

// A file of the largest size the inode can describe (direct + indirect).
static void
writebig(char *s)
{
  int fd = open("big", O_CREATE | O_RDWR);
  CHECK(fd >= 0, "cannot create big");
  for(int i = 0; i < MAXFILE; i++){
    ((int *)buf)[0] = i;
    CHECK(write(fd, buf, BSIZE) == BSIZE, "write of block %d failed", i);
  }
  close(fd);

  fd = open("big", O_RDONLY);
  CHECK(fd >= 0, "cannot open big");
  int nblocks = 0;
  for(;;){
    int n = read(fd, buf, BSIZE);
    if(n == 0)
      break;
    CHECK(n == BSIZE, "read returned %d", n);
    CHECK(((int *)buf)[0] == nblocks, "block %d holds %d", nblocks,
          ((int *)buf)[0]);
    nblocks++;
  }
  CHECK(nblocks == MAXFILE, "read %d blocks, expected %d", nblocks,
        (int)MAXFILE);
  close(fd);
  CHECK(unlink("big") == 0, "unlink big failed");
}

// Many creates, then unlinks.
static void
createtest(char *s)
{
  enum { N = 52 };
  char name[3] = { 'a', 0, 0 };

  for(int i = 0; i < N; i++){
    name[1] = '0' + i;
    int fd = open(name, O_CREATE | O_RDWR);
    CHECK(fd >= 0, "cannot create %s", name);
    close(fd);
  }
  for(int i = 0; i < N; i++){
    name[1] = '0' + i;
    CHECK(unlink(name) == 0, "cannot unlink %s", name);
  }
}

static void
dirtest(char *s)
{
  CHECK(mkdir("dir0") == 0, "mkdir failed");
  CHECK(chdir("dir0") == 0, "chdir dir0 failed");
  CHECK(chdir("..") == 0, "chdir .. failed");
  CHECK(unlink("dir0") == 0, "unlink dir0 failed");
}

// exec with stdout redirected to a file.
static void
exectest(char *s)
{
  char *echoargv[] = { "echo", "OK", 0 };
  char b[3];

  unlink("echo-ok");
  int pid = xfork();
  if(pid == 0){
    int errfd = dup(1);
    CHECK(errfd >= 0, "dup failed");
    close(1);
    int fd = open("echo-ok", O_CREATE | O_WRONLY);
    if(fd != 1){
      fprintf(errfd, "%s: create gave fd %d, expected 1\n", s, fd);
      exit(1);
    }
    exec("echo", echoargv);
    fprintf(errfd, "%s: exec echo failed\n", s);
    exit(1);
  }
  int st = reap(pid);
  CHECK(st == 0, "echo exited with %d", st);

  int fd = open("echo-ok", O_RDONLY);
  CHECK(fd >= 0, "cannot open echo-ok");
  CHECK(read(fd, b, 3) == 3, "short read of echo-ok");
  close(fd);
  unlink("echo-ok");
  CHECK(b[0] == 'O' && b[1] == 'K' && b[2] == '\n', "wrong output from echo");
}

// A stream of numbered bytes through a pipe, read in growing chunks.
static void
pipe1(char *s)
{
  enum { N = 5, SZ = 1033 };
  int fds[2];
  int seq = 0;

  CHECK(pipe(fds) == 0, "pipe failed");
  int pid = xfork();
  if(pid == 0){
    close(fds[0]);
    for(int n = 0; n < N; n++){
      for(int i = 0; i < SZ; i++)
        buf[i] = seq++;
      CHECK(write(fds[1], buf, SZ) == SZ, "pipe write failed");
    }
    exit(0);
  }
  close(fds[1]);
  int total = 0, want = 1, n;
  while((n = read(fds[0], buf, want)) > 0){
    for(int i = 0; i < n; i++)
      CHECK((buf[i] & 0xff) == (seq++ & 0xff), "wrong byte at %d", total + i);
    total += n;
    want = want * 2 > BUFSZ ? BUFSZ : want * 2;
  }
  CHECK(total == N * SZ, "got %d bytes, expected %d", total, N * SZ);
  close(fds[0]);
  exit(reap(pid));
}

// A killed process reports exit status -1.
static void
killstatus(char *s)
{
  for(int i = 0; i < 100; i++){
    int pid = xfork();
    if(pid == 0){
      for(;;)
        getpid();   // keep entering the kernel, where kill is noticed
    }
    pause(1);
    kill(pid);
    int st = reap(pid);
    CHECK(st == -1, "killed child exited with %d, expected -1", st);
  }
}

// kill(0) names no process; it must not mark us or a later child.
static void
killzero(char *s)
{
  CHECK(kill(0) == -1, "kill(0) succeeded");
  int pid = xfork();
  if(pid == 0)
    exit(7);
  int st = reap(pid);
  CHECK(st == 7, "child exited with %d, expected 7", st);
}

// Compute-bound processes must be preempted so others get to run.
static void
preempt(char *s)
{
  int pfds[2];

  int pid1 = xfork();
  if(pid1 == 0)
    for(;;)
      ;
  int pid2 = xfork();
  if(pid2 == 0)
    for(;;)
      ;
  CHECK(pipe(pfds) == 0, "pipe failed");
  int pid3 = xfork();
  if(pid3 == 0){
    close(pfds[0]);
    write(pfds[1], "x", 1);
    close(pfds[1]);
    for(;;)
      ;
  }
  close(pfds[1]);
  int n = read(pfds[0], buf, BUFSZ);
  close(pfds[0]);
  kill(pid1);
  kill(pid2);
  kill(pid3);
  wait(0);
  wait(0);
  wait(0);
  CHECK(n == 1, "read from the spinning writer returned %d", n);
}

// Races between exit and wait; exit statuses must arrive intact.
static void
exitwait(char *s)
{
  for(int i = 0; i < 100; i++){
    int pid = xfork();
    if(pid == 0)
      exit(i);
    int st = reap(pid);
    CHECK(st == i, "child exited with %d, expected %d", st, i);
  }
}

// Races in handing the children of an exiting parent to init.
static void
reparent(char *s)
{
  int master = getpid();
  for(int i = 0; i < 200; i++){
    int pid = xfork();
    if(pid == 0){
      if(fork_patiently() < 0){
        kill(master);   // report the failure the only way we can
        exit(1);
      }
      exit(0);
    }
    reap(pid);
  }
}

// Two children exiting at the same moment.
static void
twochildren(char *s)
{
  for(int i = 0; i < 1000; i++){
    int pid1 = xfork();
    if(pid1 == 0)
      exit(0);
    int pid2 = xfork();
    if(pid2 == 0)
      exit(0);
    wait(0);
    wait(0);
  }
}

// Concurrent forks, to shake out locking bugs.
static void
forkfork(char *s)
{
  enum { N = 2 };

  for(int i = 0; i < N; i++){
    int pid = xfork();
    if(pid == 0){
      for(int j = 0; j < 200; j++){
        int c = fork();
        if(c < 0)
          exit(1);
        if(c == 0)
          exit(0);
        wait(0);
      }
      exit(0);
    }
  }
  for(int i = 0; i < N; i++){
    int st = 0;
    wait(&st);
    CHECK(st == 0, "fork in a child failed");
  }
}

// A fork bomb that stops itself when fork fails or when told to.
static void
forkforkfork(char *s)
{
  unlink("stopforking");
  int pid = xfork();
  if(pid == 0){
    for(;;){
      int fd = open("stopforking", O_RDONLY);
      if(fd >= 0)
        exit(0);
      if(fork() < 0)
        close(open("stopforking", O_CREATE | O_RDWR));
    }
  }
  pause(20);
  close(open("stopforking", O_CREATE | O_RDWR));
  wait(0);
  pause(10);   // let the orphans see the file and be reaped by init
  unlink("stopforking");
}

// Lock ordering when exiting processes give children to init while
// init is waiting.
static void
reparent2(char *s)
{
  for(int i = 0; i < 800; i++){
    int pid = xfork();
    if(pid == 0){
      fork();
      fork();
      exit(0);
    }
    wait(0);
  }
}

// Use up memory with malloc, free it, and allocate again.
static void
mem(char *s)
{
  int pid = xfork();
  if(pid == 0){
    void *list = 0, *m;
    while((m = malloc(10001)) != 0){
      *(void **)m = list;
      list = m;
    }
    while(list){
      m = *(void **)list;
      free(list);
      list = m;
    }
    m = malloc(1024 * 20);
    CHECK(m != 0, "cannot allocate after freeing everything");
    free(m);
    exit(0);
  }
  // sbrk is eager, so running out shows as a failed malloc, never a kill.
  int st = reap(pid);
  CHECK(st == 0, "child exited with %d", st);
}

// Two processes write through one descriptor: the offset is shared.
static void
sharedfd(char *s)
{
  enum { N = 1000, SZ = 10 };
  char b[SZ];

  unlink("sharedfd");
  int fd = open("sharedfd", O_CREATE | O_RDWR);
  CHECK(fd >= 0, "cannot create sharedfd");
  int pid = xfork();
  memset(b, pid == 0 ? 'c' : 'p', sizeof(b));
  for(int i = 0; i < N; i++)
    CHECK(write(fd, b, SZ) == SZ, "write failed");
  if(pid == 0)
    exit(0);
  int st = reap(pid);
  if(st != 0)
    exit(st);
  close(fd);

  fd = open("sharedfd", O_RDONLY);
  CHECK(fd >= 0, "cannot reopen sharedfd");
  int nc = 0, np = 0, n;
  while((n = read(fd, b, SZ)) > 0){
    for(int i = 0; i < n; i++){
      nc += b[i] == 'c';
      np += b[i] == 'p';
    }
  }
  close(fd);
  unlink("sharedfd");
  CHECK(nc == N * SZ && np == N * SZ, "found %d c's and %d p's, expected %d",
        nc, np, N * SZ);
}

// Four processes write four files at once (block allocation).
static void
fourfiles(char *s)
{
  enum { N = 12, NCHILD = 4, SZ = 500 };
  char *names[NCHILD] = { "f0", "f1", "f2", "f3" };

  for(int pi = 0; pi < NCHILD; pi++){
    unlink(names[pi]);
    int pid = xfork();
    if(pid == 0){
      int fd = open(names[pi], O_CREATE | O_RDWR);
      CHECK(fd >= 0, "cannot create %s", names[pi]);
      memset(buf, '0' + pi, SZ);
      for(int i = 0; i < N; i++)
        CHECK(write(fd, buf, SZ) == SZ, "write to %s failed", names[pi]);
      exit(0);
    }
  }
  for(int pi = 0; pi < NCHILD; pi++){
    int st = 0;
    wait(&st);
    if(st != 0)
      exit(st);
  }
  for(int pi = 0; pi < NCHILD; pi++){
    int fd = open(names[pi], O_RDONLY);
    CHECK(fd >= 0, "cannot open %s", names[pi]);
    int total = 0, n;
    while((n = read(fd, buf, BUFSZ)) > 0){
      for(int j = 0; j < n; j++)
        CHECK(buf[j] == '0' + pi, "wrong byte in %s", names[pi]);
      total += n;
    }
    close(fd);
    CHECK(total == N * SZ, "%s has %d bytes, expected %d", names[pi], total,
          N * SZ);
    unlink(names[pi]);
  }
}

// Four processes create and delete files in one directory.
static void
createdelete(char *s)
{
  enum { N = 20, NCHILD = 4 };
  char name[3];

  for(int pi = 0; pi < NCHILD; pi++){
    int pid = xfork();
    if(pid == 0){
      name[0] = 'p' + pi;
      name[2] = 0;
      for(int i = 0; i < N; i++){
        name[1] = '0' + i;
        int fd = open(name, O_CREATE | O_RDWR);
        CHECK(fd >= 0, "cannot create %s", name);
        close(fd);
        if(i > 0 && i % 2 == 0){
          name[1] = '0' + i / 2;   // remove one made earlier
          CHECK(unlink(name) == 0, "cannot unlink %s", name);
        }
      }
      exit(0);
    }
  }
  for(int pi = 0; pi < NCHILD; pi++){
    int st = 0;
    wait(&st);
    CHECK(st == 0, "a child failed");
  }
  // Names 1 .. N/2-1 were removed, the rest must be there.
  name[2] = 0;
  for(int i = 0; i < N; i++){
    for(int pi = 0; pi < NCHILD; pi++){
      name[0] = 'p' + pi;
      name[1] = '0' + i;
      int fd = open(name, O_RDONLY);
      int removed = i >= 1 && i < N / 2;
      CHECK(removed ? fd < 0 : fd >= 0, "%s %s", name,
            removed ? "exists but was removed" : "is missing");
      if(fd >= 0)
        close(fd);
    }
  }
  for(int i = 0; i < N; i++){
    for(int pi = 0; pi < NCHILD; pi++){
      name[0] = 'p' + pi;
      name[1] = '0' + i;
      unlink(name);
    }
  }
}

// An open file stays readable and writable after it is unlinked, and a
// new file of the same name is a different file.
static void
unlinkread(char *s)
{
  makefile("unlinkread", "hello");
  int fd = open("unlinkread", O_RDWR);
  CHECK(fd >= 0, "cannot open unlinkread");
  CHECK(unlink("unlinkread") == 0, "unlink failed");

  int fd1 = open("unlinkread", O_CREATE | O_RDWR);
  CHECK(fd1 >= 0, "cannot create a new unlinkread");
  write(fd1, "yyy", 3);
  close(fd1);

  CHECK(read(fd, buf, BUFSZ) == 5, "read of the unlinked file failed");
  CHECK(buf[0] == 'h', "unlinked file has the wrong data");
  CHECK(write(fd, buf, 10) == 10, "write to the unlinked file failed");
  close(fd);
  unlink("unlinkread");
}

static void
linktest(char *s)
{
  unlink("lf1");
  unlink("lf2");
  makefile("lf1", "hello");
  CHECK(link("lf1", "lf2") == 0, "link lf1 lf2 failed");
  CHECK(unlink("lf1") == 0, "unlink lf1 failed");
  EXPECT_ERR(open("lf1", O_RDONLY), ENOENT);

  int fd = open("lf2", O_RDONLY);
  CHECK(fd >= 0, "cannot open lf2");
  CHECK(read(fd, buf, BUFSZ) == 5, "read of lf2 failed");
  close(fd);

  EXPECT_ERR(link("lf2", "lf2"), EEXIST);
  unlink("lf2");
  EXPECT_ERR(link("lf2", "lf1"), ENOENT);
  CHECK(link(".", "lf1") == -1, "link of a directory succeeded");
}

// Concurrent create, link and unlink of the same names.
static void
concreate(char *s)
{
  enum { N = 40 };
  char file[3] = { 'C', 0, 0 };
  char seen[N];

  for(int i = 0; i < N; i++){
    file[1] = '0' + i;
    unlink(file);
    int pid = xfork();
    // Parent and child race to make the name, as a link to C0 or as a
    // new file, depending on i.
    if((pid && i % 3 == 1) || (pid == 0 && i % 5 == 1)){
      link("C0", file);
    } else {
      int fd = open(file, O_CREATE | O_RDWR);
      CHECK(fd >= 0, "create %s failed", file);
      close(fd);
    }
    if(pid == 0)
      exit(0);
    int st = reap(pid);
    if(st != 0)
      exit(1);
  }

  // Each name must appear in the directory exactly once.
  memset(seen, 0, sizeof(seen));
  int fd = open(".", O_RDONLY);
  CHECK(fd >= 0, "cannot open .");
  struct dirent de;
  int n = 0;
  while(read(fd, &de, sizeof(de)) == sizeof(de)){
    if(de.inum == 0 || de.name[0] != 'C' || de.name[2] != 0)
      continue;
    int i = de.name[1] - '0';
    CHECK(i >= 0 && i < N, "unexpected file %s", de.name);
    CHECK(!seen[i], "file %s listed twice", de.name);
    seen[i] = 1;
    n++;
  }
  close(fd);
  CHECK(n == N, "found %d of the %d files", n, N);

  // Race opens against unlinks.
  for(int i = 0; i < N; i++){
    file[1] = '0' + i;
    int pid = xfork();
    if((i % 3 == 0 && pid == 0) || (i % 3 == 1 && pid != 0)){
      for(int k = 0; k < 6; k++)
        close(open(file, O_RDONLY));
    } else {
      for(int k = 0; k < 6; k++)
        unlink(file);
    }
    if(pid == 0)
      exit(0);
    wait(0);
  }
}

// Random link/unlink/create of one name from two processes (deadlocks).
static void
linkunlink(char *s)
{
  unlink("x");
  int pid = xfork();
  uint x = pid ? 1 : 97;
  for(int i = 0; i < 100; i++){
    x = x * 1103515245 + 12345;
    switch(x % 3){
    case 0:
      close(open("x", O_RDWR | O_CREATE));
      break;
    case 1:
      link("cat", "x");
      break;
    default:
      unlink("x");
    }
  }
  if(pid == 0)
    exit(0);
  wait(0);
  unlink("x");
}

// Nested directories, relative paths, "..", and the ways path lookups
// must fail.
static void
subdir(char *s)
{
  unlink("ff");
  CHECK(mkdir("dd") == 0, "mkdir dd failed");
  makefile("dd/ff", "ff");
  CHECK(unlink("dd") == -1, "unlink of non-empty dd succeeded");

  CHECK(mkdir("/dd/dd") == 0, "mkdir /dd/dd failed");
  makefile("dd/dd/ff", "FF");

  int fd = open("dd/dd/../ff", O_RDONLY);
  CHECK(fd >= 0, "open dd/dd/../ff failed");
  int n = read(fd, buf, BUFSZ);
  CHECK(n == 2 && buf[0] == 'f', "dd/dd/../ff has the wrong contents");
  close(fd);

  CHECK(link("dd/dd/ff", "dd/dd/ffff") == 0, "link dd/dd/ff dd/dd/ffff failed");
  CHECK(unlink("dd/dd/ff") == 0, "unlink dd/dd/ff failed");
  EXPECT_ERR(open("dd/dd/ff", O_RDONLY), ENOENT);

  CHECK(chdir("dd") == 0, "chdir dd failed");
  CHECK(chdir("dd/../../dd") == 0, "chdir dd/../../dd failed");
  CHECK(chdir("dd/../../../dd") == 0, "chdir dd/../../../dd failed");
  CHECK(chdir("./..") == 0, "chdir ./.. failed");

  fd = open("dd/dd/ffff", O_RDONLY);
  CHECK(fd >= 0, "open dd/dd/ffff failed");
  CHECK(read(fd, buf, BUFSZ) == 2, "dd/dd/ffff has the wrong length");
  close(fd);
  EXPECT_ERR(open("dd/dd/ff", O_RDONLY), ENOENT);

  // dd/ff is a file, dd/xx does not exist, dd is a directory.
  EXPECT_ERR(open("dd/ff/ff", O_CREATE | O_RDWR), ENOTDIR);
  EXPECT_ERR(open("dd/xx/ff", O_CREATE | O_RDWR), ENOENT);
  EXPECT_ERR(open("dd", O_CREATE), EISDIR);
  EXPECT_ERR(open("dd", O_RDWR), EISDIR);
  EXPECT_ERR(open("dd", O_WRONLY), EISDIR);
  EXPECT_ERR(link("dd/ff/ff", "dd/dd/xx"), ENOTDIR);
  EXPECT_ERR(link("dd/xx/ff", "dd/dd/xx"), ENOENT);
  EXPECT_ERR(link("dd/ff", "dd/dd/ffff"), EEXIST);
  EXPECT_ERR(mkdir("dd/ff/ff"), ENOTDIR);
  EXPECT_ERR(mkdir("dd/xx/ff"), ENOENT);
  EXPECT_ERR(mkdir("dd/dd/ffff"), EEXIST);
  EXPECT_ERR(unlink("dd/xx/ff"), ENOENT);
  EXPECT_ERR(unlink("dd/ff/ff"), ENOTDIR);
  EXPECT_ERR(chdir("dd/ff"), ENOTDIR);
  EXPECT_ERR(chdir("dd/xx"), ENOENT);

  CHECK(unlink("dd/dd/ffff") == 0, "unlink dd/dd/ffff failed");
  CHECK(unlink("dd/ff") == 0, "unlink dd/ff failed");
  CHECK(unlink("dd") == -1, "unlink of non-empty dd succeeded");
  CHECK(unlink("dd/dd") == 0, "unlink dd/dd failed");
  CHECK(unlink("dd") == 0, "unlink dd failed");
}

// Writes bigger than the log must be split into several transactions.
static void
bigwrite(char *s)
{
  unlink("bigwrite");
  for(int sz = 499; sz < BUFSZ; sz += 471){
    int fd = open("bigwrite", O_CREATE | O_RDWR);
    CHECK(fd >= 0, "cannot create bigwrite");
    for(int i = 0; i < 2; i++){
      int n = write(fd, buf, sz);
      CHECK(n == sz, "write(%d) returned %d", sz, n);
    }
    close(fd);
    unlink("bigwrite");
  }
}

// Writes and reads that straddle block boundaries.
static void
bigfile(char *s)
{
  enum { N = 20, SZ = 600 };

  unlink("bigfile.dat");
  int fd = open("bigfile.dat", O_CREATE | O_RDWR);
  CHECK(fd >= 0, "cannot create bigfile.dat");
  for(int i = 0; i < N; i++){
    memset(buf, i, SZ);
    CHECK(write(fd, buf, SZ) == SZ, "write %d failed", i);
  }
  close(fd);

  fd = open("bigfile.dat", O_RDONLY);
  CHECK(fd >= 0, "cannot open bigfile.dat");
  int total = 0;
  for(int i = 0;; i++){
    int n = read(fd, buf, SZ / 2);
    CHECK(n >= 0, "read failed");
    if(n == 0)
      break;
    CHECK(n == SZ / 2, "short read");
    CHECK(buf[0] == i / 2 && buf[SZ / 2 - 1] == i / 2, "wrong data at %d", i);
    total += n;
  }
  close(fd);
  CHECK(total == N * SZ, "read %d bytes, expected %d", total, N * SZ);
  unlink("bigfile.dat");
}

// Names longer than DIRSIZ (14) are cut to DIRSIZ characters.
static void
fourteen(char *s)
{
  CHECK(mkdir("12345678901234") == 0, "mkdir 12345678901234 failed");
  CHECK(mkdir("12345678901234/123456789012345") == 0,
        "mkdir 12345678901234/123456789012345 failed");
  int fd = open("123456789012345/123456789012345/123456789012345", O_CREATE);
  CHECK(fd >= 0, "create with 15-character names failed");
  close(fd);
  fd = open("12345678901234/12345678901234/12345678901234", O_RDONLY);
  CHECK(fd >= 0, "open with 14-character names failed");
  close(fd);
  CHECK(mkdir("12345678901234/12345678901234") != 0,
        "mkdir 12345678901234/12345678901234 succeeded twice");
  CHECK(mkdir("123456789012345/12345678901234") != 0,
        "mkdir 123456789012345/12345678901234 succeeded twice");

  unlink("123456789012345/12345678901234");
  unlink("12345678901234/12345678901234");
  unlink("12345678901234/12345678901234/12345678901234");
  unlink("123456789012345/123456789012345/123456789012345");
  unlink("12345678901234/123456789012345");
  unlink("12345678901234");
}

// "." and ".." can never be unlinked.
static void
rmdot(char *s)
{
  CHECK(mkdir("dots") == 0, "mkdir dots failed");
  CHECK(chdir("dots") == 0, "chdir dots failed");
  CHECK(unlink(".") != 0, "unlink . succeeded");
  CHECK(unlink("..") != 0, "unlink .. succeeded");
  CHECK(chdir("/") == 0, "chdir / failed");
  CHECK(unlink("dots/.") != 0, "unlink dots/. succeeded");
  CHECK(unlink("dots/..") != 0, "unlink dots/.. succeeded");
  CHECK(unlink("dots") == 0, "unlink dots failed");
}

// A file used as a directory, and a directory used as a file.
static void
dirfile(char *s)
{
  int fd = open("dirfile", O_CREATE);
  CHECK(fd >= 0, "cannot create dirfile");
  close(fd);
  EXPECT_ERR(chdir("dirfile"), ENOTDIR);
  EXPECT_ERR(open("dirfile/xx", O_RDONLY), ENOTDIR);
  EXPECT_ERR(open("dirfile/xx", O_CREATE), ENOTDIR);
  EXPECT_ERR(mkdir("dirfile/xx"), ENOTDIR);
  EXPECT_ERR(unlink("dirfile/xx"), ENOTDIR);
  EXPECT_ERR(link(DATAFILE, "dirfile/xx"), ENOTDIR);
  CHECK(unlink("dirfile") == 0, "unlink dirfile failed");

  EXPECT_ERR(open(".", O_RDWR), EISDIR);
  fd = open(".", O_RDONLY);
  CHECK(fd >= 0, "cannot open .");
  EXPECT_ERR(write(fd, "x", 1), EBADF);
  close(fd);
}

// Path lookup must drop its inode references (iput at the end of
// namei); more nested directories than the inode cache holds. Also
// feeds empty names to the calls that create things.
static void
iref(char *s)
{
  for(int i = 0; i < NINODE + 1; i++){
    CHECK(mkdir("irefd") == 0, "mkdir irefd failed at depth %d", i);
    CHECK(chdir("irefd") == 0, "chdir irefd failed at depth %d", i);
    mkdir("");
    link(DATAFILE, "");
    int fd = open("", O_CREATE);
    if(fd >= 0)
      close(fd);
    fd = open("xx", O_CREATE);
    if(fd >= 0)
      close(fd);
    unlink("xx");
  }
  for(int i = 0; i < NINODE + 1; i++){
    chdir("..");
    unlink("irefd");
  }
  chdir("/");
}

// fork fails cleanly when processes or memory run out.
static void
forktest(char *s)
{
  enum { N = 1000 };
  int n;

  for(n = 0; n < N; n++){
    errno = 0;
    int pid = fork();
    if(pid < 0)
      break;
    if(pid == 0)
      exit(0);
  }
  int err = errno;
  CHECK(n > 0, "no fork at all");
  CHECK(n < N, "fork claimed to work %d times", N);
  CHECK(err == EAGAIN || err == ENOMEM,
        "failed fork set errno %d (%s), expected EAGAIN or ENOMEM", err,
        strerror(err));
  for(; n > 0; n--)
    CHECK(wait(0) >= 0, "wait stopped early");
  EXPECT_ERR(wait(0), ECHILD);
}

static void
sbrkbasic(char *s)
{
  // More than the machine has: an eager sbrk must fail, not be killed.
  int pid = xfork();
  if(pid == 0){
    errno = 0;
    char *a = sbrk(TOOMUCH);
    if(a == SBRK_ERROR)
      exit(errno == ENOMEM ? 0 : 2);
    for(char *b = a; b < a + TOOMUCH; b += PGSIZE)
      *b = 99;
    exit(1);
  }
  int st = reap(pid);
  CHECK(st != 1, "sbrk handed out more memory than the machine has");
  CHECK(st != 2, "failed sbrk did not set errno to ENOMEM");
  CHECK(st == 0, "sbrk(TOOMUCH) child exited with %d; eager sbrk must fail",
        st);

  // Growing a byte at a time hands out consecutive addresses.
  char *a = sbrk(0);
  for(int i = 0; i < 5000; i++){
    char *b = sbrk(1);
    CHECK(b == a, "sbrk(1) number %d returned %p, expected %p", i, b, a);
    *b = 1;
    a = b + 1;
  }
  // ... in both processes after a fork.
  pid = xfork();
  sbrk(1);
  char *c = sbrk(1);
  CHECK(c == a + 1, "sbrk after fork returned %p, expected %p", c, a + 1);
  if(pid == 0)
    exit(0);
  exit(reap(pid));
}

static void
sbrkmuch(char *s)
{
  char *oldbrk = sbrk(0);

  // Grow to BIG bytes.
  char *a = sbrk(0);
  char *p = sbrk(BIG - (uint64)a);
  CHECK(p == a, "cannot grow the address space to %d bytes", BIG);
  volatile char *last = (char *)(uint64)(BIG - 1);
  *last = 99;

  // Shrink by a page.
  a = sbrk(0);
  CHECK(sbrk(-PGSIZE) != SBRK_ERROR, "cannot shrink by a page");
  CHECK(sbrk(0) == a - PGSIZE, "shrinking left the break at %p, expected %p",
        sbrk(0), a - PGSIZE);

  // Grow by that page again; it must come back zeroed.
  a = sbrk(0);
  char *c = sbrk(PGSIZE);
  CHECK(c == a && sbrk(0) == a + PGSIZE, "cannot grow back by a page");
  CHECK(*last == 0, "a page given back and taken again was not zeroed");

  a = sbrk(0);
  c = sbrk(-(sbrk(0) - oldbrk));
  CHECK(c == a, "shrinking back returned %p, expected %p", c, a);
}

// User code cannot read RAM at the kernel's physical addresses.
static void
kernmem(char *s)
{
  for(uint64 a = KERNBASE; a < KERNBASE + 2000000; a += 50000)
    must_fault(a, 0);
}

// Nor write at or above MAXVA.
static void
MAXVAplus(char *s)
{
  for(uint64 a = MAXVA; a != 0; a <<= 1)
    must_fault(a, 1);
}

// If a big sbrk fails part way, everything it took must be given back.
static void
sbrkfail(char *s)
{
  enum { NKIDS = 10 };
  int pids[NKIDS], fds[2];
  int anyfailed = 0;
  char c;

  CHECK(pipe(fds) == 0, "pipe failed");
  for(int i = 0; i < NKIDS; i++){
    pids[i] = fork();
    if(pids[i] == 0){
      char *r = sbrk(BIG - (uint64)sbrk(0));
      write(fds[1], r == SBRK_ERROR ? "0" : "1", 1);
      for(;;)
        pause(1000);   // hold the memory until killed
    }
    if(pids[i] > 0){
      read(fds[0], &c, 1);
      if(c == '0')
        anyfailed = 1;
    }
  }
  if(!anyfailed)
    printf("%s: no allocation failed; allocate more?\n", s);

  // Only possible if the failed attempts released their partial gains.
  char *p = sbrk(PGSIZE);
  for(int i = 0; i < NKIDS; i++){
    if(pids[i] > 0){
      kill(pids[i]);
      wait(0);
    }
  }
  CHECK(p != SBRK_ERROR, "a failed sbrk leaked memory");

  // Fork with that page, and let the child fail a huge allocation.
  int pid = xfork();
  if(pid == 0)
    exit(sbrk(TOOMUCH) == SBRK_ERROR ? 0 : 1);
  CHECK(reap(pid) == 0, "sbrk(%d) succeeded", TOOMUCH);
}

// System calls can use memory that sbrk just added.
static void
sbrkarg(char *s)
{
  char *a = sbrk(PGSIZE);
  int fd = open("sbrk", O_CREATE | O_WRONLY);
  unlink("sbrk");
  CHECK(fd >= 0, "cannot create sbrk");
  CHECK(write(fd, a, PGSIZE) == PGSIZE, "write from new memory failed");
  close(fd);

  a = sbrk(PGSIZE);
  CHECK(pipe((int *)a) == 0, "pipe into new memory failed");
  close(((int *)a)[0]);
  close(((int *)a)[1]);
}

// Every low page, mapped or not, as a path argument: no crash.
static void
validatetest(char *s)
{
  for(uint64 p = 0; p <= 1100 * 1024; p += PGSIZE)
    CHECK(link("nosuchfile", ptr(p)) == -1, "link to %p succeeded",
          (void *)p);
}

// Uninitialised data starts out zero.
static char uninit[10000];
static void
bsstest(char *s)
{
  for(int i = 0; i < sizeof(uninit); i++)
    CHECK(uninit[i] == 0, "bss byte %d is %d", i, uninit[i]);
}

// exec must fail (not overwrite memory) when the arguments do not fit
// in the stack.
static void
bigargtest(char *s)
{
  unlink("bigarg-ok");
  int pid = xfork();
  if(pid == 0){
    static char *args[MAXARG];
    static char big[400];
    memset(big, ' ', sizeof(big) - 1);
    for(int i = 0; i < MAXARG - 1; i++)
      args[i] = big;
    exec("echo", args);
    close(open("bigarg-ok", O_CREATE));   // we are still here: good
    exit(0);
  }
  int st = reap(pid);
  if(st != 0)
    exit(st);
  int fd = open("bigarg-ok", O_RDONLY);
  CHECK(fd >= 0, "exec with oversized arguments did not return");
  close(fd);
  unlink("bigarg-ok");
}

// A read with a huge count into the last byte of memory: no crash.
static void
argptest(char *s)
{
  int fd = open("init", O_RDONLY);
  CHECK(fd >= 0, "cannot open init");
  read(fd, sbrk(0) - 1, -1);
  close(fd);
}

// An unmapped guard page lies below the user stack.
static void
stacktest(char *s)
{
  uint64 below = cur_sp() - USERSTACK * PGSIZE;
  must_fault(below, 0);
  must_fault(below, 1);
}

// Writes to forbidden addresses fault: our read-only text at 0, the
// wild addresses, the kernel half.
static void
nowrite(char *s)
{
  must_fault(0, 1);
  for(int i = 0; i < NELEM(wild); i++)
    must_fault(wild[i], 1);
}

// Pointers whose high bits are garbage once broke copyin and friends.
static void
pgbug(char *s)
{
  char *argv[1] = { 0 };
  void *junk = ptr(0xeaeb0b5b00002f5eUL);
  EXPECT_ERR(exec(junk, argv), EFAULT);
  EXPECT_ERR(pipe(junk), EFAULT);
}

// Shrinking to odd sizes must not panic the kernel.
static void
sbrkbugs(char *s)
{
  // Give back all memory, code included; the child then faults.
  int pid = xfork();
  if(pid == 0){
    int sz = (uint64)sbrk(0);
    sbrk(-sz);
    exit(0);
  }
  wait(0);

  // Put the break inside the first page.
  pid = xfork();
  if(pid == 0){
    int sz = (uint64)sbrk(0);
    sbrk(-(sz - 3500));
    exit(0);
  }
  wait(0);

  // Put the break mid-page, then lower it by less than a page.
  pid = xfork();
  if(pid == 0){
    sbrk((10 * PGSIZE + 2048) - (uint64)sbrk(0));
    sbrk(-10);
    exit(0);
  }
  wait(0);
}

// After shrinking to just below a page boundary, the last page must
// still work for copyin and copyout.
static void
sbrklast(char *s)
{
  alignbrk();
  sbrk(PGSIZE);
  sbrk(10);
  sbrk(-20);
  char *p = sbrk(0) - 64;
  p[0] = 'x';
  p[1] = 0;
  int fd = open(p, O_RDWR | O_CREATE);
  CHECK(fd >= 0, "create through the last page failed");
  write(fd, p, 1);
  close(fd);
  fd = open(p, O_RDWR);
  p[0] = 0;
  read(fd, p, 1);
  close(fd);
  CHECK(p[0] == 'x', "read into the last page failed");
  p[0] = 'x';
  unlink(p);
}

// 0x80000004 as sbrk's int is a huge negative number: it must not
// wrap around and must leave our memory alone.
static void
sbrk8000(char *s)
{
  char *before = sbrk(0);
  sbrk((int)0x80000004U);
  volatile char *top = sbrk(0);
  CHECK(top == before, "sbrk(0x80000004) moved the break");
  *(top - 1) = *(top - 1) + 1;
}

// exec with a bad argument pointer, many times: no leak, no panic.
static void
badarg(char *s)
{
  for(int i = 0; i < 50000; i++){
    char *argv[2] = { ptr(0xffffffff), 0 };
    exec("echo", argv);
  }
}

// Touch a page in every 64 of a lazy gigabyte.
static void
lazy_alloc(char *s)
{
  char *start = sbrklazy(REGION);
  CHECK(start != SBRK_ERROR, "sbrklazy(%d) failed", REGION);
  char *end = start + REGION;
  for(char *p = start + PGSIZE; p < end; p += 64 * PGSIZE)
    *(char **)p = p;
  for(char *p = start + PGSIZE; p < end; p += 64 * PGSIZE)
    CHECK(*(char **)p == p, "lost the value stored at %p", p);
}

// Pages touched in a lazy region are really gone once it is given back.
static void
lazy_unmap(char *s)
{
  char *start = sbrklazy(REGION);
  CHECK(start != SBRK_ERROR, "sbrklazy(%d) failed", REGION);
  char *end = start + REGION;
  for(char *p = start + PGSIZE; p < end; p += PGSIZE * PGSIZE)
    *(char **)p = p;
  for(char *p = start + PGSIZE; p < end; p += PGSIZE * PGSIZE){
    int pid = xfork();
    if(pid == 0){
      sbrklazy(-REGION);
      *(char **)p = p;
      exit(0);
    }
    int st = reap(pid);
    CHECK(st == -1, "page %p still usable after the region was freed", p);
  }
}

// System calls on lazy memory, bad shrinks and bad addresses.
static void
lazy_copy(char *s)
{
  // A path in a lazy page nobody has touched: the kernel must supply
  // the (zero) page. The empty path itself may succeed or fail.
  char *p = sbrk(0);
  sbrklazy(4 * PGSIZE);
  int fd = open(p + 8192, O_RDONLY);
  if(fd >= 0)
    close(fd);

  // Shrinking below zero leaves the break alone.
  char *top = sbrk(0);
  char *r = sbrk(-(int)((uint64)top + 1));
  CHECK(r == top, "sbrk(-(size+1)) returned %p, not the old break", r);
  CHECK(sbrk(0) == top, "sbrk(-(size+1)) moved the break");

  static const uint64 bad[] = {
    MAXVA - 4 * PGSIZE, MAXVA - 3 * PGSIZE, MAXVA - 2 * PGSIZE,
    MAXVA - PGSIZE, MAXVA, 2 * MAXVA,
  };
  for(int i = 0; i < NELEM(bad); i++){
    fd = open(DATAFILE, O_RDONLY);
    CHECK(fd >= 0, "cannot open %s", DATAFILE);
    errno = 0;
    refused(read(fd, ptr(bad[i]), 512), 1, "read", bad[i]);
    close(fd);
    fd = open("junk", O_CREATE | O_RDWR | O_TRUNC);
    CHECK(fd >= 0, "cannot create junk");
    errno = 0;
    refused(write(fd, ptr(bad[i]), 512), 1, "write", bad[i]);
    close(fd);
  }
  unlink("junk");
}

// A path that starts in a touched page and ends in an untouched lazy one.
static void
lazy_copyinstr(char *s)
{
  char *p = alignbrk();
  sbrklazy(2 * PGSIZE);
  p[PGSIZE - 1] = '/';   // its terminator is the first byte of page 2
  int fd = open(&p[PGSIZE - 1], O_RDONLY);
  CHECK(fd >= 0, "cannot open / through a lazy page");
  struct stat st;
  CHECK(fstat(fd, &st) == 0, "fstat failed");
  CHECK(st.type == T_DIR, "/ is not a directory");
  close(fd);
}

// Lazy growth reaches (nearly) MAXVA and stops there; so does eager growth.
static void
lazy_sbrk(char *s)
{
  uint64 top = (uint64)alignbrk();

  // Climb in big lazy steps, halving the step each time the kernel
  // refuses, to find the highest break it allows.
  for(uint64 step = 1UL << 30; step >= PGSIZE; step /= 2){
    while(top + step <= MAXVA){
      errno = 0;
      char *p = sbrklazy((int)step);
      if(p == SBRK_ERROR){
        CHECK(errno == ENOMEM, "failed sbrklazy: errno %d, expected ENOMEM",
              errno);
        CHECK((uint64)sbrk(0) == top, "failed sbrklazy moved the break");
        break;
      }
      CHECK((uint64)p == top, "sbrklazy returned %p, expected %p", p,
            (void *)top);
      top += step;
    }
  }
  // The kernel may keep a few pages below MAXVA for itself (xv6 keeps
  // two), no more.
  CHECK(top >= MAXVA - 16 * PGSIZE, "lazy growth stopped at %p",
        (void *)top);

  // Swap the topmost lazy page for an eager one; it comes zero-filled.
  CHECK(sbrk(-PGSIZE) != SBRK_ERROR, "cannot shrink by a page at the top");
  char *p = sbrk(PGSIZE);
  CHECK((uint64)p == top - PGSIZE, "sbrk(PGSIZE) at the top returned %p", p);
  p[0] = 1;
  CHECK(p[1] == 0 && p[PGSIZE - 1] == 0, "new page is not zero-filled");

  // Eager growth may go a little higher, but never past MAXVA, and ends
  // with ENOMEM.
  for(;;){
    errno = 0;
    p = sbrk(PGSIZE);
    if(p == SBRK_ERROR)
      break;
    CHECK((uint64)p + PGSIZE <= MAXVA, "sbrk grew past MAXVA");
    p[PGSIZE - 1] = 1;
  }
  CHECK(errno == ENOMEM, "failed sbrk: errno %d, expected ENOMEM", errno);
  top = (uint64)sbrk(0);
  EXPECT_ERR(sbrk(1), ENOMEM);
  EXPECT_ERR(sbrklazy(1), ENOMEM);
  CHECK((uint64)sbrk(0) == top, "failed sbrk moved the break");
  volatile char *last = (char *)(top - 1);
  *last = 7;
  CHECK(*last == 7, "cannot use the topmost byte");
}

// A write whose buffer runs into an unmapped page fails (xv6's rule),
// keeping the byte before the hole; and the file must read the same
// before and after its block leaves the buffer cache: a change made in the
// cache but never logged would be lost.
static void
partial_write(char *s)
{
  unlink("testfile");
  makefile("testfile", "A");
  int fd = open("testfile", O_RDWR);
  CHECK(fd >= 0, "cannot reopen testfile");

  char *p = alignbrk();
  p[-1] = 'X';
  EXPECT_ERR(write(fd, p - 1, 2), EFAULT);
  EXPECT_ERR(write(fd, p, 1), EFAULT);
  close(fd);

  char b1 = 0;
  fd = open("testfile", O_RDONLY);
  CHECK(fd >= 0 && read(fd, &b1, 1) == 1, "cannot read testfile");
  close(fd);
  CHECK(b1 == 'X', "testfile holds %c, expected X", b1);

  // Push the block out of the buffer cache, then look again.
  fd = open("bigfile", O_CREATE | O_RDWR);
  memset(buf, 0, BSIZE);
  for(int i = 0; i < 64; i++)
    CHECK(write(fd, buf, BSIZE) == BSIZE, "cannot write bigfile");
  close(fd);
  unlink("bigfile");

  char b2 = 0;
  fd = open("testfile", O_RDONLY);
  CHECK(fd >= 0 && read(fd, &b2, 1) == 1, "cannot read testfile again");
  close(fd);
  CHECK(b2 == b1, "testfile held %c, but %c once out of the cache", b1, b2);
  unlink("testfile");
}

// Lookups from a cwd whose directory (and its parent) were removed.
// Nothing may be created inside removed directories.
static void
unlinkcwd(char *s)
{
  CHECK(mkdir("/a") == 0, "mkdir /a failed");
  CHECK(mkdir("/a/b") == 0, "mkdir /a/b failed");
  CHECK(chdir("/a/b") == 0, "chdir /a/b failed");
  CHECK(unlink("/a/b") == 0, "unlink /a/b failed");
  CHECK(unlink("/a") == 0, "unlink /a failed");
  int fd = open("../", O_RDONLY);
  if(fd >= 0)
    close(fd);
  CHECK(open("../c", O_CREATE) < 0, "created a file in a removed directory");
  CHECK(open("c", O_CREATE) < 0, "created a file in the removed cwd");
  CHECK(chdir("/") == 0, "chdir / failed");
}

// ---------------------------------------------------------------------
// cowpin's quick tests
// ---------------------------------------------------------------------

static void
enoent(char *s)
{
  char *args[] = { "nosuchprog", 0 };
  struct stat st;

  EXPECT_ERR(open("nosuchfile", O_RDONLY), ENOENT);
  EXPECT_ERR(open("nosuchdir/f", O_CREATE | O_RDWR), ENOENT);
  EXPECT_ERR(unlink("nosuchfile"), ENOENT);
  EXPECT_ERR(chdir("nosuchdir"), ENOENT);
  EXPECT_ERR(mkdir("nosuchdir/d"), ENOENT);
  EXPECT_ERR(link("nosuchfile", "enoent-new"), ENOENT);
  EXPECT_ERR(link(DATAFILE, "nosuchdir/new"), ENOENT);
  EXPECT_ERR(exec("nosuchprog", args), ENOENT);
  EXPECT_ERR(stat("nosuchfile", &st), ENOENT);
}

static void
ebadf(char *s)
{
  char c;
  struct stat st;
  int p[2];

  EXPECT_ERR(read(-1, &c, 1), EBADF);
  EXPECT_ERR(read(NOFILE, &c, 1), EBADF);
  EXPECT_ERR(write(1000, "x", 1), EBADF);
  EXPECT_ERR(close(-1), EBADF);

  int fd = open(DATAFILE, O_RDONLY);
  CHECK(fd >= 0, "cannot open %s", DATAFILE);
  close(fd);
  EXPECT_ERR(read(fd, &c, 1), EBADF);
  EXPECT_ERR(write(fd, "x", 1), EBADF);
  EXPECT_ERR(close(fd), EBADF);
  EXPECT_ERR(dup(fd), EBADF);
  EXPECT_ERR(fstat(fd, &st), EBADF);

  // Descriptors opened for one direction refuse the other.
  fd = open(DATAFILE, O_RDONLY);
  EXPECT_ERR(write(fd, "x", 1), EBADF);
  close(fd);
  makefile("ebadf-f", "hello");
  fd = open("ebadf-f", O_WRONLY);
  CHECK(fd >= 0, "cannot open ebadf-f");
  EXPECT_ERR(read(fd, &c, 1), EBADF);
  close(fd);
  unlink("ebadf-f");

  CHECK(pipe(p) == 0, "pipe failed");
  EXPECT_ERR(write(p[0], "x", 1), EBADF);
  EXPECT_ERR(read(p[1], &c, 1), EBADF);
  close(p[0]);
  close(p[1]);
}

static void efault_text(void) {}   // an address in our read-only text

static void
efault(char *s)
{
  struct stat st;
  char *kaddr = ptr(KSPACE + KERNBASE);
  char *beyond = ptr(MAXVA);
  char *text = ptr((uint64)efault_text);
  char *unmapped = alignbrk() + PGSIZE;   // a page above the break

  int fd = open(DATAFILE, O_RDONLY);
  CHECK(fd >= 0, "cannot open %s", DATAFILE);
  EXPECT_ERR(read(fd, kaddr, 10), EFAULT);
  EXPECT_ERR(read(fd, beyond, 10), EFAULT);
  EXPECT_ERR(read(fd, text, 10), EFAULT);
  EXPECT_ERR(read(fd, unmapped, 10), EFAULT);
  EXPECT_ERR(fstat(fd, (struct stat *)beyond), EFAULT);
  EXPECT_ERR(fstat(fd, (struct stat *)kaddr), EFAULT);
  close(fd);

  fd = open("efault-f", O_CREATE | O_WRONLY);
  CHECK(fd >= 0, "cannot create efault-f");
  EXPECT_ERR(write(fd, kaddr, 10), EFAULT);
  EXPECT_ERR(write(fd, unmapped, 10), EFAULT);
  close(fd);
  unlink("efault-f");

  EXPECT_ERR(open(kaddr, O_RDONLY), EFAULT);
  EXPECT_ERR(open(beyond, O_CREATE | O_RDWR), EFAULT);
  EXPECT_ERR(mkdir(kaddr), EFAULT);
  EXPECT_ERR(unlink(beyond), EFAULT);
  EXPECT_ERR(chdir(unmapped), EFAULT);
  EXPECT_ERR(link(DATAFILE, beyond), EFAULT);
  EXPECT_ERR(link(kaddr, "efault-l"), EFAULT);
  EXPECT_ERR(stat(kaddr, &st), EFAULT);

  char *badargv[] = { beyond, 0 };
  EXPECT_ERR(exec("echo", (char **)kaddr), EFAULT);
  EXPECT_ERR(exec("echo", badargv), EFAULT);
  EXPECT_ERR(exec(kaddr, badargv), EFAULT);

  // A pipe whose descriptors cannot be returned must not keep them.
  int lo = lowest_free_fd();
  EXPECT_ERR(pipe((int *)kaddr), EFAULT);
  EXPECT_ERR(pipe((int *)text), EFAULT);
  EXPECT_ERR(pipe((int *)unmapped), EFAULT);
  CHECK(lowest_free_fd() == lo, "a failed pipe left descriptors open");

  // wait with a bad status pointer. The child may be reaped by it or
  // left for the next wait, but only once.
  int pid = xfork();
  if(pid == 0)
    exit(3);
  EXPECT_ERR(wait((int *)kaddr), EFAULT);
  int status = 0;
  errno = 0;
  int r = wait(&status);
  CHECK((r == pid && status == 3) || (r == -1 && errno == ECHILD),
        "wait after a failed wait returned %d (status %d, errno %d)", r,
        status, errno);
  EXPECT_ERR(wait(0), ECHILD);
}

static void
eexist(char *s)
{
  unlink("eexist-f");
  unlink("eexist-d");
  CHECK(mkdir("eexist-d") == 0, "mkdir eexist-d failed");
  makefile("eexist-f", "x");

  EXPECT_ERR(mkdir("eexist-d"), EEXIST);
  EXPECT_ERR(mkdir("eexist-f"), EEXIST);
  EXPECT_ERR(mkdir(DATAFILE), EEXIST);
  EXPECT_ERR(link(DATAFILE, "eexist-f"), EEXIST);
  EXPECT_ERR(link(DATAFILE, "eexist-d"), EEXIST);
  EXPECT_ERR(mknod("eexist-f", 1, 1), EEXIST);

  // O_CREATE on an existing file simply opens it.
  int fd = open("eexist-f", O_CREATE | O_RDWR);
  CHECK(fd >= 0, "O_CREATE of an existing file failed");
  close(fd);

  unlink("eexist-f");
  unlink("eexist-d");
}

static void
enotdir(char *s)
{
  unlink("enotdir-f");
  makefile("enotdir-f", "x");
  EXPECT_ERR(open("enotdir-f/x", O_RDONLY), ENOTDIR);
  EXPECT_ERR(open("enotdir-f/x", O_CREATE | O_RDWR), ENOTDIR);
  EXPECT_ERR(mkdir("enotdir-f/x"), ENOTDIR);
  EXPECT_ERR(chdir("enotdir-f"), ENOTDIR);
  EXPECT_ERR(unlink("enotdir-f/x"), ENOTDIR);
  EXPECT_ERR(link(DATAFILE, "enotdir-f/x"), ENOTDIR);
  EXPECT_ERR(link("enotdir-f/x", "enotdir-y"), ENOTDIR);
  EXPECT_ERR(open(DATAFILE "/x", O_RDONLY), ENOTDIR);
  unlink("enotdir-f");
}

static void
eisdir(char *s)
{
  unlink("eisdir-d");
  CHECK(mkdir("eisdir-d") == 0, "mkdir eisdir-d failed");
  EXPECT_ERR(open("eisdir-d", O_WRONLY), EISDIR);
  EXPECT_ERR(open("eisdir-d", O_RDWR), EISDIR);
  EXPECT_ERR(open("eisdir-d", O_CREATE | O_RDWR), EISDIR);
  EXPECT_ERR(open("eisdir-d", O_CREATE), EISDIR);
  EXPECT_ERR(open("eisdir-d", O_WRONLY | O_TRUNC), EISDIR);
  EXPECT_ERR(open(".", O_RDWR), EISDIR);
  EXPECT_ERR(open("/", O_WRONLY), EISDIR);

  // Reading a directory is allowed (ls does it).
  int fd = open("eisdir-d", O_RDONLY);
  CHECK(fd >= 0, "cannot open a directory for reading");
  close(fd);
  unlink("eisdir-d");
}

static void
einval(char *s)
{
  char c;

  // "." or ".." as the last component can never be removed.
  EXPECT_ERR(unlink("."), EINVAL);
  unlink("einval-d");
  CHECK(mkdir("einval-d") == 0, "mkdir einval-d failed");
  EXPECT_ERR(unlink("einval-d/."), EINVAL);
  CHECK(unlink("einval-d") == 0, "unlink einval-d failed");

  // An access mode that is neither read, write nor both.
  EXPECT_ERR(open(DATAFILE, O_WRONLY | O_RDWR), EINVAL);

  // Negative byte counts.
  int fd = open(DATAFILE, O_RDWR);
  CHECK(fd >= 0, "cannot open %s", DATAFILE);
  EXPECT_ERR(read(fd, &c, -1), EINVAL);
  EXPECT_ERR(write(fd, &c, -1), EINVAL);
  close(fd);

  // Shrinking below address 0: xv6's rule is to leave the break alone
  // and return it.
  char *before = sbrk(0);
  char *r = sbrk(-(int)((uint64)before + PGSIZE));
  CHECK(r == before, "sbrk below 0 returned %p, expected the old break", r);
  CHECK(sbrk(0) == before, "sbrk below 0 moved the break");
}

static void
enomem(char *s)
{
  char *before = sbrk(0);
  EXPECT_ERR(sbrk(TOOMUCH), ENOMEM);
  CHECK(sbrk(0) == before, "failed sbrk moved the break");

  // With all memory taken, fork and pipe fail cleanly (or manage).
  uint64 got = fillmem();
  CHECK(got > 0, "could not allocate any memory");
  EXPECT_ERR(sbrk(PGSIZE), ENOMEM);

  errno = 0;
  int pid = fork();
  if(pid == 0)
    exit(0);
  if(pid < 0)
    CHECK(errno == ENOMEM || errno == EAGAIN,
          "fork without memory: errno %d (%s)", errno, strerror(errno));
  else
    wait(0);

  int fds[2];
  errno = 0;
  if(pipe(fds) == 0){
    close(fds[0]);
    close(fds[1]);
  } else {
    CHECK(errno == ENOMEM || errno == ENFILE,
          "pipe without memory: errno %d (%s)", errno, strerror(errno));
  }

  shrinkto(before);
  CHECK(sbrk(PGSIZE) != SBRK_ERROR, "memory did not come back");
}

static void
echild(char *s)
{
  int st;
  EXPECT_ERR(wait(0), ECHILD);
  EXPECT_ERR(wait(&st), ECHILD);
  int pid = xfork();
  if(pid == 0)
    exit(0);
  reap(pid);
  EXPECT_ERR(wait(0), ECHILD);
}

static void
esrch(char *s)
{
  int pid = xfork();
  if(pid == 0)
    exit(0);
  reap(pid);
  EXPECT_ERR(kill(pid), ESRCH);   // gone and reaped
  EXPECT_ERR(kill(1000000), ESRCH);
  EXPECT_ERR(kill(0x7fffffff), ESRCH);
}

static void
emfile(char *s)
{
  int fds[NOFILE];
  int nopen = 0, n = 0, p[2];
  struct stat st;

  for(int fd = 0; fd < NOFILE; fd++)
    if(fstat(fd, &st) == 0)
      nopen++;

  for(;;){
    errno = 0;
    int fd = open(DATAFILE, O_RDONLY);
    if(fd < 0){
      CHECK(errno == EMFILE, "open with a full table: errno %d (%s)", errno,
            strerror(errno));
      break;
    }
    CHECK(n < NOFILE, "more than NOFILE descriptors");
    fds[n++] = fd;
  }
  CHECK(nopen + n == NOFILE, "only %d descriptors fit, expected %d",
        nopen + n, NOFILE);
  EXPECT_ERR(dup(0), EMFILE);
  EXPECT_ERR(pipe(p), EMFILE);

  // With one free slot a pipe (which needs two) still fails, and must
  // not keep the one slot it could have taken.
  int freed = fds[--n];
  close(freed);
  EXPECT_ERR(pipe(p), EMFILE);
  int fd = open(DATAFILE, O_RDONLY);
  CHECK(fd == freed, "open returned %d, expected the freed slot %d", fd,
        freed);
  close(fd);
  while(n > 0)
    close(fds[--n]);
}

// Linux's values for failures outside the list above.
static void
errmisc(char *s)
{
  int p[2];
  char path[MAXPATH + 1];

  // Writing to a pipe nobody can read.
  CHECK(pipe(p) == 0, "pipe failed");
  close(p[0]);
  EXPECT_ERR(write(p[1], "x", 1), EPIPE);
  close(p[1]);

  // Removing a non-empty directory.
  unlink("errmisc-d/f");
  unlink("errmisc-d");
  CHECK(mkdir("errmisc-d") == 0, "mkdir errmisc-d failed");
  makefile("errmisc-d/f", "x");
  EXPECT_ERR(unlink("errmisc-d"), ENOTEMPTY);
  unlink("errmisc-d/f");
  unlink("errmisc-d");

  // Hard links to directories.
  EXPECT_ERR(link(".", "errmisc-l"), EPERM);

  // A path with no room for its terminator in MAXPATH bytes.
  memset(path, 'x', MAXPATH);
  path[MAXPATH] = 0;
  EXPECT_ERR(open(path, O_RDONLY), ENAMETOOLONG);

  // exec of a file that is not a program.
  char *args[] = { DATAFILE, 0 };
  EXPECT_ERR(exec(DATAFILE, args), ENOEXEC);
  EXPECT_ERR(exec("/", args), EACCES);   // a directory is not executable

  // exec with arguments that do not fit on the stack.
  int pid = xfork();
  if(pid == 0){
    static char *bigargs[MAXARG];
    static char big[400];
    memset(big, ' ', sizeof(big) - 1);
    for(int i = 0; i < MAXARG - 1; i++)
      bigargs[i] = big;
    errno = 0;
    int r = exec("echo", bigargs);
    exit(r == -1 && errno == E2BIG ? 77 : 1);   // echo would exit with 0
  }
  CHECK(reap(pid) == 77, "exec with oversized arguments: not E2BIG");
}

// Writing to code must fault.
static void
textwrite(char *s)
{
  must_fault((uint64)efault_text, 1);
  must_fault((uint64)textwrite, 1);
}

// User code can neither read nor write the kernel half.
static void
kernhalf(char *s)
{
  static const uint64 addrs[] = {
    KSPACE, KSPACE + PGSIZE, KSPACE + KERNBASE, KSPACE + KERNBASE + 0x200000,
    0xffffffff00000000UL + 2 * PGSIZE, 0xffffffff80000000UL,
    0xfffffffffffff000UL,
  };
  for(int i = 0; i < NELEM(addrs); i++){
    must_fault(addrs[i], 0);
    must_fault(addrs[i], 1);
  }
}

// After fork, each process's memory is its own: data, bss and heap.
static char gpriv[2 * PGSIZE];
static int gdata = 1234;

static int
allbytes(char *p, int n, char c)
{
  for(int i = 0; i < n; i++)
    if(p[i] != c)
      return 0;
  return 1;
}

static void
forkprivate(char *s)
{
  int toparent[2], tochild[2];
  char c;
  char *heap = sbrk(PGSIZE);

  memset(gpriv, 'p', sizeof(gpriv));
  memset(heap, 'p', PGSIZE);
  CHECK(pipe(toparent) == 0 && pipe(tochild) == 0, "pipe failed");
  int pid = xfork();
  if(pid == 0){
    memset(gpriv, 'c', sizeof(gpriv));
    memset(heap, 'c', PGSIZE);
    gdata = 1;
    write(toparent[1], "x", 1);
    read(tochild[0], &c, 1);   // the parent has written its copies now
    if(!allbytes(gpriv, sizeof(gpriv), 'c') || !allbytes(heap, PGSIZE, 'c') ||
        gdata != 1)
      exit(1);
    exit(0);
  }
  read(toparent[0], &c, 1);
  CHECK(allbytes(gpriv, sizeof(gpriv), 'p'), "child's bss write seen");
  CHECK(allbytes(heap, PGSIZE, 'p'), "child's heap write seen");
  CHECK(gdata == 1234, "child's data write seen");
  memset(gpriv, 'P', sizeof(gpriv));
  memset(heap, 'P', PGSIZE);
  gdata = 2;
  write(tochild[1], "x", 1);
  CHECK(reap(pid) == 0, "parent's writes seen by the child");
  CHECK(allbytes(gpriv, sizeof(gpriv), 'P') && allbytes(heap, PGSIZE, 'P') &&
        gdata == 2, "own writes lost");
}

// The kernel writing into memory shared by fork (read into a buffer)
// changes only the reading process's copy.
static void
forkcopyout(char *s)
{
  int p1[2], p2[2], p3[2];
  char *area = sbrk(PGSIZE);
  char c;

  memset(area, 'p', PGSIZE);
  CHECK(pipe(p1) == 0 && pipe(p2) == 0 && pipe(p3) == 0, "pipe failed");
  int pid = xfork();
  if(pid == 0){
    // Child reads into area; then sends data for the parent to read
    // into its area, and checks its own copy after the parent is done.
    int n = read(p1[0], area, PGSIZE);
    if(n != 100 || !allbytes(area, 100, 'k') ||
        !allbytes(area + 100, PGSIZE - 100, 'p'))
      exit(1);
    memset(buf, 'q', 200);
    write(p2[1], buf, 200);
    read(p3[0], &c, 1);
    exit(allbytes(area, 100, 'k') && allbytes(area + 100, PGSIZE - 100, 'p')
           ? 0 : 2);
  }
  memset(buf, 'k', 100);
  write(p1[1], buf, 100);
  int n = read(p2[0], area, PGSIZE);
  CHECK(n == 200, "read from the child returned %d", n);
  CHECK(allbytes(area, 200, 'q') && allbytes(area + 200, PGSIZE - 200, 'p'),
        "read() into a shared page went wrong in the parent");
  write(p3[1], "x", 1);
  int st = reap(pid);
  CHECK(st != 1, "child's read() into a shared page went wrong");
  CHECK(st == 0, "parent's read() changed the child's page");
}

// System calls read and write untouched lazy pages as zero pages.
static void
lazy_rw(char *s)
{
  char *p = alignbrk();
  CHECK(sbrklazy(4 * PGSIZE) == p, "sbrklazy failed");

  int fd = open(DATAFILE, O_RDONLY);
  CHECK(fd >= 0, "cannot open %s", DATAFILE);
  int n = read(fd, p + PGSIZE + 100, 512);
  CHECK(n > 0, "read into a lazy page returned %d", n);
  close(fd);
  fd = open(DATAFILE, O_RDONLY);
  CHECK(read(fd, buf, n) == n, "second read of %s failed", DATAFILE);
  close(fd);
  CHECK(memcmp(buf, p + PGSIZE + 100, n) == 0, "lazy page got wrong data");

  fd = open("lazyrw", O_CREATE | O_RDWR | O_TRUNC);
  CHECK(fd >= 0, "cannot create lazyrw");
  CHECK(write(fd, p + 2 * PGSIZE, 100) == 100, "write from a lazy page failed");
  close(fd);
  fd = open("lazyrw", O_RDONLY);
  memset(buf, 1, 100);
  CHECK(read(fd, buf, 100) == 100, "cannot read lazyrw");
  close(fd);
  unlink("lazyrw");
  CHECK(allbytes(buf, 100, 0), "untouched lazy page did not read as zeros");

  int *fds = (int *)(p + 3 * PGSIZE);
  CHECK(pipe(fds) == 0, "pipe into a lazy page failed");
  close(fds[0]);
  close(fds[1]);
}

// fork copies a partly touched lazy region correctly.
static void
lazy_fork(char *s)
{
  char *p = alignbrk();
  CHECK(sbrklazy(8 * PGSIZE) == p, "sbrklazy failed");
  p[0] = 'a';
  int pid = xfork();
  if(pid == 0){
    if(p[0] != 'a' || p[5 * PGSIZE] != 0)
      exit(1);
    p[0] = 'c';
    p[5 * PGSIZE] = 'c';
    exit(0);
  }
  CHECK(reap(pid) == 0, "child saw the wrong lazy memory");
  CHECK(p[0] == 'a', "child's write to a lazy page seen");
  CHECK(p[5 * PGSIZE] == 0, "child's first touch of a lazy page seen");
}

// Many first touches of lazy pages, all of which must succeed: half of
// memory, faulted in page by page, given back, and done again. (A trap
// handler that loses the faulting address to an interrupt kills the
// process now and then.)
static void
lazy_many(char *s)
{
  int n = (int)(TOUCHABLE / 2);
  for(int round = 0; round < 2; round++){
    char *p = sbrklazy(n);
    CHECK(p != SBRK_ERROR, "sbrklazy(%d) failed", n);
    for(int off = 0; off < n; off += PGSIZE)
      p[off] = (char)(off >> 12);
    for(int off = 0; off < n; off += PGSIZE)
      CHECK(p[off] == (char)(off >> 12), "lost the byte at %p", p + off);
    CHECK(sbrk(-n) != SBRK_ERROR, "cannot give back the region");
  }
}

// snprintf formats like printf into a buffer, cuts the output to fit
// (always ending it with a 0) and returns the length it would have had.
static void
snprintf_test(char *s)
{
  char b[16];
  memset(b, 'x', sizeof(b));
  CHECK(snprintf(b, sizeof(b), "%s+%s=%d", "5.8", "ab", 1) == 8 && strcmp(b, "5.8+ab=1") == 0,
        "%s: got \"%s\"", s, b);
  memset(b, 'x', sizeof(b));
  CHECK(snprintf(b, 6, "%05d|%-3x|", 42, 0xa) == 10 && strcmp(b, "00042") == 0 && b[6] == 'x',
        "%s: cut: got \"%s\"", s, b);
  CHECK(snprintf(b, 0, "%lu", 18446744073709551615UL) == 20 && b[0] == '0',
        "%s: size 0 wrote into the buffer", s);
}

// Floating point works in user mode, and each process has registers of
// its own: four processes keep different values in FP registers while they
// are preempted and moved between harts; each must find its own.
static void
fpregs(char *s)
{
  int pids[4];
  for(int k = 0; k < 4; k++){
    pids[k] = xfork();
    if(pids[k] == 0){
      volatile double x = k + 0.5, acc = 0;
      for(int i = 0; i < 2000000; i++)
        acc += x;
      // exact: k+0.5 is a binary fraction and the sum stays below 2^53
      exit(acc == 2000000.0 * (k + 0.5) ? 0 : 1);
    }
  }
  for(int k = 0; k < 4; k++){
    int st = -1;
    CHECK(wait(&st) > 0 && st == 0, "a process's FP result was wrong");
  }
}

static int freepages0;   // free pages when usertests started

// Touching more lazy memory than exists kills the process, and the
// kernel survives and gets its memory back (checked by the free-page
// count at the end).
static void
lazy_oom(char *s)
{
  int pid = xfork();
  if(pid == 0){
    // More than the machine has free (counted at start: it may have more
    // RAM than PHYSTOP - KERNBASE, as on the U-Boot path or a board), in
    // steps that fit sbrklazy's int.
    uint64 want = (uint64)freepages0 * PGSIZE / 4 * 5;
    char *p = sbrk(0);
    for(uint64 got = 0; got < want; got += (1 << 28))
      if(sbrklazy(1 << 28) == SBRK_ERROR)
        exit(2);
    for(uint64 off = 0; off < want; off += PGSIZE)
      p[off] = 1;
    exit(1);
  }
  int st = reap(pid);
  CHECK(st != 2, "sbrklazy of more than memory failed");
  CHECK(st == -1, "child touching too much memory exited with %d, "
        "expected to be killed", st);
}

// ---------------------------------------------------------------------
// Slow tests
// ---------------------------------------------------------------------

// A directory big enough to need its indirect block.
static void
bigdir(char *s)
{
  enum { N = 500 };
  char name[4];

  unlink("bd");
  int fd = open("bd", O_CREATE);
  CHECK(fd >= 0, "cannot create bd");
  close(fd);
  for(int i = 0; i < N; i++){
    name[0] = 'x';
    name[1] = '0' + i / 64;
    name[2] = '0' + i % 64;
    name[3] = 0;
    CHECK(link("bd", name) == 0, "link(bd, %s) failed at %d", name, i);
  }
  unlink("bd");
  for(int i = 0; i < N; i++){
    name[0] = 'x';
    name[1] = '0' + i / 64;
    name[2] = '0' + i % 64;
    name[3] = 0;
    CHECK(unlink(name) == 0, "unlink %s failed", name);
  }
}

// Concurrent large writes (the disk driver under load).
static void
manywrites(char *s)
{
  enum { NKIDS = 4, ROUNDS = 30 };

  for(int ci = 0; ci < NKIDS; ci++){
    int pid = xfork();
    if(pid == 0){
      char name[3] = { 'b', 'a' + ci, 0 };
      unlink(name);
      for(int r = 0; r < ROUNDS; r++){
        for(int i = 0; i < ci + 1; i++){
          int fd = open(name, O_CREATE | O_RDWR);
          CHECK(fd >= 0, "cannot create %s", name);
          int n = write(fd, buf, BUFSZ);
          CHECK(n == BUFSZ, "write(%d) returned %d", BUFSZ, n);
          close(fd);
        }
        unlink(name);
      }
      exit(0);
    }
  }
  for(int ci = 0; ci < NKIDS; ci++){
    int st = 0;
    wait(&st);
    if(st != 0)
      exit(st);
  }
}

// A write from a bad buffer must not leave an allocated block behind;
// if it did, this many rounds would use up the disk.
static void
badwrite(char *s)
{
  enum { ROUNDS = 600 };

  unlink("junk");
  for(int i = 0; i < ROUNDS; i++){
    int fd = open("junk", O_CREATE | O_WRONLY);
    CHECK(fd >= 0, "cannot create junk");
    EXPECT_ERR(write(fd, ptr(0xffffffffffUL), 1), EFAULT);
    close(fd);
    unlink("junk");
  }
  int fd = open("junk", O_CREATE | O_WRONLY);
  CHECK(fd >= 0, "cannot create junk");
  CHECK(write(fd, "x", 1) == 1, "write failed: disk full?");
  close(fd);
  unlink("junk");
}

// exec with almost no free memory must clean up after itself.
static void
execout(char *s)
{
  for(int avail = 0; avail < 15; avail++){
    int pid = xfork();
    if(pid == 0){
      fillmem();
      for(int i = 0; i < avail; i++)
        sbrk(-PGSIZE);
      close(1);
      char *args[] = { "echo", "x", 0 };
      exec("echo", args);
      exit(0);
    }
    wait(0);
  }
}

// Run the disk out of blocks; creating files and directories then
// fails instead of panicking.
static void
diskfull(char *s)
{
  int done = 0;
  char name[8];

  unlink("diskfulldir");
  for(int fi = 0; !done && '0' + fi < 0177; fi++){
    name[0] = 'b'; name[1] = 'i'; name[2] = 'g';
    name[3] = '0' + fi; name[4] = 0;
    unlink(name);
    int fd = open(name, O_CREATE | O_RDWR | O_TRUNC);
    if(fd < 0){
      printf("%s: could not create %s (out of inodes first)\n", s, name);
      break;
    }
    for(int i = 0; i < MAXFILE; i++){
      if(write(fd, buf, BSIZE) != BSIZE){
        done = 1;
        break;
      }
    }
    close(fd);
  }

  // The directory cannot grow now; some of these creates must fail.
  enum { NZZ = 128 };
  for(int i = 0; i < NZZ; i++){
    name[0] = 'z'; name[1] = 'z';
    name[2] = '0' + i / 32; name[3] = '0' + i % 32; name[4] = 0;
    unlink(name);
    int fd = open(name, O_CREATE | O_RDWR | O_TRUNC);
    if(fd < 0)
      break;
    close(fd);
  }
  if(mkdir("diskfulldir") == 0)
    printf("%s: mkdir(diskfulldir) unexpectedly succeeded\n", s);
  unlink("diskfulldir");

  for(int i = 0; i < NZZ; i++){
    name[0] = 'z'; name[1] = 'z';
    name[2] = '0' + i / 32; name[3] = '0' + i % 32; name[4] = 0;
    unlink(name);
  }
  for(int fi = 0; '0' + fi < 0177; fi++){
    name[0] = 'b'; name[1] = 'i'; name[2] = 'g';
    name[3] = '0' + fi; name[4] = 0;
    unlink(name);
  }
}

// Run the disk out of inodes.
static void
outofinodes(char *s)
{
  enum { NZZ = 32 * 32 };
  char name[8];

  for(int i = 0; i < NZZ; i++){
    name[0] = 'z'; name[1] = 'z';
    name[2] = '0' + i / 32; name[3] = '0' + i % 32; name[4] = 0;
    unlink(name);
    int fd = open(name, O_CREATE | O_RDWR | O_TRUNC);
    if(fd < 0)
      break;   // expected sooner or later
    close(fd);
  }
  for(int i = 0; i < NZZ; i++){
    name[0] = 'z'; name[1] = 'z';
    name[2] = '0' + i / 32; name[3] = '0' + i % 32; name[4] = 0;
    unlink(name);
  }
}

// ---------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------

struct test {
  void (*fn)(char *);
  char *name;
};

static struct test quicktests[] = {
  { copyin, "copyin" },
  { copyout, "copyout" },
  { copyinstr1, "copyinstr1" },
  { copyinstr2, "copyinstr2" },
  { copyinstr3, "copyinstr3" },
  { rwsbrk, "rwsbrk" },
  { truncate1, "truncate1" },
  { truncate2, "truncate2" },
  { truncate3, "truncate3" },
  { openiput, "openiput" },
  { exitiput, "exitiput" },
  { iput, "iput" },
  { opentest, "opentest" },
  { writetest, "writetest" },
  { writebig, "writebig" },
  { createtest, "createtest" },
  { dirtest, "dirtest" },
  { exectest, "exectest" },
  { pipe1, "pipe1" },
  { killstatus, "killstatus" },
  { killzero, "killzero" },
  { preempt, "preempt" },
  { exitwait, "exitwait" },
  { reparent, "reparent" },
  { twochildren, "twochildren" },
  { forkfork, "forkfork" },
  { forkforkfork, "forkforkfork" },
  { reparent2, "reparent2" },
  { mem, "mem" },
  { sharedfd, "sharedfd" },
  { fourfiles, "fourfiles" },
  { createdelete, "createdelete" },
  { unlinkread, "unlinkread" },
  { linktest, "linktest" },
  { concreate, "concreate" },
  { linkunlink, "linkunlink" },
  { subdir, "subdir" },
  { bigwrite, "bigwrite" },
  { bigfile, "bigfile" },
  { fourteen, "fourteen" },
  { rmdot, "rmdot" },
  { dirfile, "dirfile" },
  { iref, "iref" },
  { forktest, "forktest" },
  { sbrkbasic, "sbrkbasic" },
  { sbrkmuch, "sbrkmuch" },
  { kernmem, "kernmem" },
  { MAXVAplus, "MAXVAplus" },
  { sbrkfail, "sbrkfail" },
  { sbrkarg, "sbrkarg" },
  { validatetest, "validatetest" },
  { bsstest, "bsstest" },
  { bigargtest, "bigargtest" },
  { argptest, "argptest" },
  { stacktest, "stacktest" },
  { nowrite, "nowrite" },
  { pgbug, "pgbug" },
  { sbrkbugs, "sbrkbugs" },
  { sbrklast, "sbrklast" },
  { sbrk8000, "sbrk8000" },
  { badarg, "badarg" },
  { lazy_alloc, "lazy_alloc" },
  { lazy_unmap, "lazy_unmap" },
  { lazy_copy, "lazy_copy" },
  { lazy_copyinstr, "lazy_copyinstr" },
  { lazy_sbrk, "lazy_sbrk" },
  { partial_write, "partial_write" },
  { unlinkcwd, "unlinkcwd" },
  // cowpin's own
  { enoent, "enoent" },
  { ebadf, "ebadf" },
  { efault, "efault" },
  { eexist, "eexist" },
  { enotdir, "enotdir" },
  { eisdir, "eisdir" },
  { einval, "einval" },
  { enomem, "enomem" },
  { echild, "echild" },
  { esrch, "esrch" },
  { emfile, "emfile" },
  { errmisc, "errmisc" },
  { textwrite, "textwrite" },
  { kernhalf, "kernhalf" },
  { forkprivate, "forkprivate" },
  { forkcopyout, "forkcopyout" },
  { lazy_rw, "lazy_rw" },
  { lazy_fork, "lazy_fork" },
  { lazy_many, "lazy_many" },
  { lazy_oom, "lazy_oom" },
  { fpregs, "fpregs" },
  { snprintf_test, "snprintf" },
  { 0, 0 },
};

static struct test slowtests[] = {
  { bigdir, "bigdir" },
  { manywrites, "manywrites" },
  { badwrite, "badwrite" },
  { execout, "execout" },
  { diskfull, "diskfull" },
  { outofinodes, "outofinodes" },
  { 0, 0 },
};

// Print "test NAME: OK" (or FAILED) with one write, so that output of
// other processes cannot land in the middle of the line.
static void
report(char *name, int ok)
{
  char line[96];
  char *tail = ok ? ": OK\n" : ": FAILED\n";
  int n = 0;

  for(char *p = "test "; *p; p++)
    line[n++] = *p;
  for(char *p = name; *p && n < 64; p++)
    line[n++] = *p;
  for(char *p = tail; *p; p++)
    line[n++] = *p;
  write(1, line, n);
}

// Run one test in a child process; 1 if it passed.
static int
run(struct test *t)
{
  // Announce the test, so that a hang or panic can be pinned on it. The
  // test's own messages follow, then the verdict line.
  char line[96];
  int n = 0;
  for(char *p = "usertests: running "; *p; p++)
    line[n++] = *p;
  for(char *p = t->name; *p && n < 90; p++)
    line[n++] = *p;
  line[n++] = '\n';
  write(1, line, n);

  int pid = fork();
  if(pid < 0){
    printf("usertests: cannot fork to run %s\n", t->name);
    report(t->name, 0);
    return 0;
  }
  if(pid == 0){
    tname = t->name;
    t->fn(t->name);
    exit(0);
  }
  int st = -1, r;
  do {
    r = wait(&st);
  } while(r >= 0 && r != pid);
  int ok = r == pid && st == 0;
  report(t->name, ok);
  return ok;
}

static void
runlist(struct test *list, char *only, int *ran, int *failed)
{
  for(struct test *t = list; t->name; t++){
    if(only && strcmp(only, t->name) != 0)
      continue;
    (*ran)++;
    if(!run(t))
      (*failed)++;
  }
}

// Count free physical pages the xv6 way: take pages one at a time until
// sbrk fails, touching each, then give them all back.
static int
countfree(void)
{
  char *start = sbrk(0);
  int n = 0;
  for(;;){
    char *p = sbrk(PGSIZE);
    if(p == SBRK_ERROR)
      break;
    p[PGSIZE - 1] = 1;   // lies in the page this call added
    n++;
  }
  shrinkto(start);
  return n;
}

// Write DATAFILE: DATASIZE bytes of printable text.
static int
makedata(void)
{
  int fd = open(DATAFILE, O_CREATE | O_WRONLY | O_TRUNC);
  if(fd < 0)
    return -1;
  for(int i = 0; i < DATASIZE; i++)
    buf[i] = i % 64 == 63 ? '\n' : 'a' + i % 26;
  int n = write(fd, buf, DATASIZE);
  close(fd);
  return n == DATASIZE ? 0 : -1;
}

int
main(int argc, char *argv[])
{
  int quick = 0;
  char *only = 0;

  if(argc == 2 && strcmp(argv[1], "-q") == 0){
    quick = 1;
  } else if(argc == 2 && argv[1][0] != '-'){
    only = argv[1];
  } else if(argc != 1){
    fprintf(2, "usage: usertests [-q] [NAME]\n");
    exit(1);
  }

  printf("usertests starting\n");
  if(makedata() < 0){
    printf("usertests: cannot create %s\nSOME TESTS FAILED\n", DATAFILE);
    exit(1);
  }
  int free0 = countfree();
  freepages0 = free0;
  memsize = (uint64)free0 * PGSIZE;
  printf("free pages: %d\n", free0);

  int ran = 0, failed = 0;
  runlist(quicktests, only, &ran, &failed);
  if(!quick){
    if(!only)
      printf("usertests slow tests starting\n");
    runlist(slowtests, only, &ran, &failed);
  }
  if(only && ran == 0){
    printf("usertests: no test named %s\nNO TESTS EXECUTED\n", only);
    failed++;
  }

  // Orphans of some tests are reaped by init in its own time; give it a
  // few chances before calling missing pages a leak.
  int free1 = countfree();
  for(int i = 0; i < 5 && free1 < free0; i++){
    pause(5);
    free1 = countfree();
  }
  printf("free pages after: %d\n", free1);
  if(free1 < free0){
    printf("FAILED -- lost some free pages\n");
    printf("(%d free pages before, %d after)\n", free0, free1);
    failed++;
  }

  unlink(DATAFILE);
  printf(failed ? "SOME TESTS FAILED\n" : "ALL TESTS PASSED\n");
  exit(failed ? 1 : 0);
}
