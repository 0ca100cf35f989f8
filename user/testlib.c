// Helpers shared by cowpin's test programs: see testlib.h.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/vmstat.h"
#include "kernel/vmmap.h"
#include "user/user.h"
#include "user/testlib.h"

char *testname = "test";

char *
map_anon(uint64 len)
{
  char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED, "mmap of %ld bytes: %s", len, strerror(errno));
  return p;
}

char
device_byte(int fd, int off)
{
  char c;
  CHECK(lseek(fd, off, SEEK_SET) == off, "lseek: %s", strerror(errno));
  CHECK(read(fd, &c, 1) == 1, "read from the pin fd: %s", strerror(errno));
  return c;
}

int
page_file(char *path, char c)
{
  static char page[4096];
  unlink(path);
  int fd = open(path, O_CREATE | O_RDWR);
  CHECK(fd >= 0, "create %s: %s", path, strerror(errno));
  memset(page, c, sizeof(page));
  CHECK(write(fd, page, sizeof(page)) == sizeof(page), "write %s: %s", path, strerror(errno));
  return fd;
}

struct page_info *
page_info_of(void *va)
{
  static struct page_info pi;
  CHECK(pageinfo(0, va, 1, &pi) == 1, "pageinfo of %p: %s", va, strerror(errno));
  return &pi;
}

uint64
counter(char *name)
{
  static struct vmstat_entry e[64];
  int n = vmstat(e, 64);
  for(int i = 0; i < n; i++)
    if(strcmp(e[i].name, name) == 0)
      return e[i].value;
  printf("%s: no counter %s\n", testname, name);
  exit(1);
}

uint64
xorshift(uint64 *state)
{
  uint64 x = *state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *state = x;
}

int
reap(int pid)
{
  int st = 0;
  if(wait(&st) != pid)
    return -100;
  return st;
}

// A check after the tests. A test that failed may have set it off: its
// child exited in mid-test, leaving pages or pins behind.
static int
aftercheck(char *prog, char *name, int bad, int knock, char *what, uint64 n)
{
  printf("%s: running %s\n", prog, name);
  if(bad)
    printf("%s: %d %s%s\n", name, (int)n, what,
           knock ? " (perhaps a knock-on effect of the failed test above)" : "");
  printf("test %s: %s\n", name, bad ? "FAILED" : "OK");
  return bad;
}

int
vmsplice_after_fork(char *p, uint64 len)
{
  int fds[2], go[2], done[2];
  CHECK(pipe(fds) == 0 && pipe(go) == 0 && pipe(done) == 0, "pipe");
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    CHECK(vmsplice(fds[1], p, PGSIZE, 0) == PGSIZE, "vmsplice: %s", strerror(errno));
    CHECK(munmap(p, len) == 0, "munmap");
    char c;
    write(done[1], "s", 1);
    read(go[0], &c, 1);
    static char buf[PGSIZE];
    for(int got = 0, r; got < PGSIZE; got += r)
      CHECK((r = read(fds[0], buf + got, PGSIZE - got)) > 0, "pipe read");
    exit(memcmp(buf, "SECRET", 6) == 0 ? 2 : 0);
  }
  char c;
  close(done[1]);   // a child that fails closes the pipe
  CHECK(read(done[0], &c, 1) == 1, "the child failed");
  memcpy(p, "SECRET", 6);
  write(go[1], "g", 1);
  int st = reap(pid);
  CHECK(st == 0 || st == 2, "the child failed");
  return st == 2;
}

int
fork_holder(int *go)
{
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
  int pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    char c;
    close(fds[1]);
    read(fds[0], &c, 1);
    exit(0);
  }
  close(fds[0]);
  *go = fds[1];
  return pid;
}

int
let_go(int pid, int go)
{
  close(go);   // the child's read returns 0
  return reap(pid);
}

int
run_tests(char *prog, struct test *tests, int n, int argc, char **argv,
          void (*after)(struct test *))
{
  int failed = 0, ran = 0, named = 0;
  uint64 free0 = counter("nr_free_pages");
  uint64 pins0 = counter("nr_foll_pin_acquired") - counter("nr_foll_pin_released");

  for(int i = 0; i < n; i++){
    if(argc > 1 ? strcmp(argv[1], tests[i].name) != 0 : tests[i].named_only)
      continue;
    ran++;
    named |= tests[i].named_only;
    printf("%s: running %s\n", prog, tests[i].name);
    testname = tests[i].name;
    int pid = fork();
    if(pid == 0){
      tests[i].f();
      exit(0);
    }
    int ok = reap(pid) == 0;
    testname = prog;
    if(after)
      after(&tests[i]);
    failed += !ok;
    printf("test %s: %s\n", tests[i].name, ok ? "OK" : "FAILED");
  }
  if(argc > 1 && ran == 0){
    printf("%s: no test %s\n", prog, argv[1]);
    return 1;
  }
  // Every page the tests used is back (their children are reaped by now),
  // and every pin taken was released.
  if(!named){
    // A page can come back a moment after the test that used it: writeback
    // or a disk request still in flight when its process exited ends on
    // its own time. A lost page stays lost.
    for(int i = 0; i < 20 && counter("nr_free_pages") < free0; i++)
      pause(1);
    uint64 free1 = counter("nr_free_pages");
    uint64 pins = counter("nr_foll_pin_acquired") - counter("nr_foll_pin_released");
    int knock = failed;
    failed += aftercheck(prog, "freed", free1 < free0, knock, "pages lost", free0 - free1);
    failed += aftercheck(prog, "balanced", pins != pins0, knock, "pins not released", pins - pins0);
  }
  printf(failed ? "SOME TESTS FAILED\n" : "ALL TESTS PASSED\n");
  return failed;
}

int
watchdog(int ticks, char *what)
{
  int parent = getpid();
  int pid = fork();
  CHECK(pid >= 0, "fork the watchdog: %s", strerror(errno));
  if(pid == 0){
    sleep(ticks);
    printf("%s: %s did not finish within %d s\n", testname, what, ticks / 10);
    kill(parent);
    exit(0);
  }
  return pid;
}

void
watchdog_stop(int pid)
{
  kill(pid);
  CHECK(reap(pid) != -100, "another child ended before the watchdog");
}
