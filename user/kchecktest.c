// kchecktest: the checkers find the bugs brought back on purpose
// (kernel/kcheck.c, docs/debugging.md). Run under the kernel with the
// checker: make test boots build/kcsan/Image for fpos_race and
// build/lockdep/Image for lock_inversion.
//
//   fpos_race       two processes read one shared file a byte at a time
//                   while f->pos_lock is skipped: the data-race detector
//                   must report the race on f->off;
//   lock_inversion  a read takes f->pos_lock, then the inode lock; then
//                   the two are taken the other way round: the lock-order
//                   checker must report the cycle;
//   bad_release     an up_read of a rwsem not held: the lock-order checker
//                   must report the release;
//   irq_unsafe      a spin lock held with interrupts on while an interrupt
//                   comes, then taken in an interrupt handler: the
//                   lock-order checker must report the pair.
//
// The reports these tests cause are expected: the test prints
// "kchecktest: expected reports begin" before and "... end" after them;
// tools/test.py fails a session on any report outside such a pair.
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/kcheck.h"
#include "user/user.h"
#include "user/testlib.h"

#define FILE "kchecktest.tmp"
#define RACE_TICKS 300   // 30 s at most to see the race

// The number of reports so far (the test fails without a checker).
static int
reports(void)
{
  int n = kcheck(KCHECK_REPORTS, 0);
  CHECK(n >= 0, "no checker in this kernel (make KCSAN=1 or LOCKDEP=1): %s", strerror(errno));
  return n;
}

// A file of n bytes, open for reading: its fd.
static int
data_file(int n)
{
  static char buf[4096];
  int fd = open(FILE, O_CREATE | O_TRUNC | O_RDWR);
  CHECK(fd >= 0, "open: %s", strerror(errno));
  memset(buf, 'k', sizeof(buf));
  for(int i = 0; i < n; i += sizeof(buf))
    CHECK(write(fd, buf, sizeof(buf)) == sizeof(buf), "write: %s", strerror(errno));
  CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek: %s", strerror(errno));
  return fd;
}

// Read fd a byte at a time, from the start again at its end, until
// ticks have passed or stop says so.
static void
reader(int fd, int until, int (*stop)(void))
{
  char c;
  while(uptime() < until && !stop()){
    for(int i = 0; i < 50; i++)
      if(read(fd, &c, 1) != 1)
        lseek(fd, 0, SEEK_SET);
  }
}

static int before;   // reports before the race began

static int
new_reports(void)
{
  return kcheck(KCHECK_REPORTS, 0) > before;
}

static void
fpos_race(void)
{
  before = reports();
  int fd = data_file(8192);
  printf("kchecktest: expected reports begin\n");
  int interval = kcheck(KCHECK_INTERVAL, 50);   // watch often: found in seconds
  kcheck(KCHECK_FPOS_RACE, 1);
  int until = uptime() + RACE_TICKS;
  int pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    reader(fd, until, new_reports);
    exit(0);
  }
  reader(fd, until, new_reports);
  reap(pid);
  kcheck(KCHECK_FPOS_RACE, 0);
  kcheck(KCHECK_INTERVAL, interval);
  int found = new_reports();
  printf("kchecktest: expected reports end\n");
  close(fd);
  unlink(FILE);
  CHECK(found, "no data race reported on the shared offset within %d s", RACE_TICKS / 10);
}

// kcheck(op, arg) brings a bug back, under a lock-order checker that
// must report it (what: the bug, for the message).
static void
reported(int op, int arg, char *what)
{
  before = reports();
  printf("kchecktest: expected reports begin\n");
  int r = kcheck(op, arg);
  int found = new_reports();
  printf("kchecktest: expected reports end\n");
  CHECK(r == 0, "kcheck %d: %s", op, strerror(errno));
  CHECK(found, "%s was not reported", what);
}

static void
lock_inversion(void)
{
  char c;
  int fd = data_file(4096);
  CHECK(read(fd, &c, 1) == 1, "read: %s", strerror(errno));   // f->pos_lock, then the inode's
  reported(KCHECK_INVERT, fd, "the inverted pair of locks");
  close(fd);
  unlink(FILE);
}

static void
bad_release(void)
{
  reported(KCHECK_BAD_RELEASE, 0, "the release of a rwsem not held");
}

static void
irq_unsafe(void)
{
  reported(KCHECK_IRQ_UNSAFE, 0, "a spin lock held with interrupts on and taken in a handler");
}

static struct test tests[] = {
  { fpos_race, "fpos_race", 1 },
  { lock_inversion, "lock_inversion", 1 },
  { bad_release, "bad_release", 1 },
  { irq_unsafe, "irq_unsafe", 1 },
};

int
main(int argc, char *argv[])
{
  exit(run_tests("kchecktest", tests, NELEM(tests), argc, argv, 0) != 0);
}
