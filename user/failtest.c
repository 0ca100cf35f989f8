// failtest [NAME]: the kernel under fault injection (kernel/fault_inject.h).
//
// A workload (fork of a large process and its COW faults, mmap of files
// and anonymous memory, pins, vmsplice, O_DIRECT, file writes, directory
// operations) runs in a child marked make-it-fail, under each setting of
// a failure point: page allocation that fails (Linux's fail_page_alloc),
// disk requests that end with an I/O error (fail_make_request). Expected:
// no panic; a call that fails says why with an error the failure can
// cause (ENOMEM, EIO, ...: see page_alloc_errors); a process that cannot
// get memory for a fault is killed (status -1); what succeeds has the
// right data; and afterwards no page is lost (test freed) and the file
// system is consistent (tools/test.py runs fsck on the disk).
//
// Each setting has a seed: the same seed fails the same calls of the same
// run. A failing case prints its setting.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "kernel/errno.h"
#include "kernel/fault_inject.h"
#include "user/user.h"
#include "user/testlib.h"

#define HEAP 64   // pages the workload's process has when it forks

// The step of the workload that is running, and the errnos the failure
// point may cause (0 ends the list).
static int step;
static const int *allowed;
static char pattern[PGSIZE];

// No page: ENOMEM, EAGAIN from fork, and EFAULT for a user buffer whose
// page cannot be allocated while the kernel copies to it (Linux's uaccess
// gives EFAULT when its fault finds no memory).
static const int page_alloc_errors[] = { ENOMEM, EAGAIN, EFAULT, 0 };
// A failed disk request: EIO, whatever the call was doing.
static const int request_errors[] = { EIO, 0 };

// A call's result r: success, or an error the failure point may cause.
// Else exit with the step and the errno in a status the parent decodes.
static int
ok(long r)
{
  if(r != -1)
    return 1;
  for(const int *e = allowed; *e; e++)
    if(errno == *e)
      return 0;
  exit(step * 1000 + errno);
}

static char dbuf[2 * PGSIZE] __attribute__((aligned(PGSIZE)));

// In the test itself (not the workload): n bytes must be equal.
static void
same_or_fail(const char *a, const char *b, int n, char *what)
{
  CHECK(memcmp(a, b, n) == 0, "%s", what);
}

// What succeeded must be right.
static void
same(const void *a, const void *b, int n)
{
  if(memcmp(a, b, n) != 0)
    exit(step * 1000 + 999);
}

static void
fill(char *p, int n, int seed)
{
  for(int i = 0; i < n; i++)
    p[i] = seed + i * 7;
}

// 1: a large process forks; the child writes every page (COW faults).
static void
w_fork(void)
{
  char *heap = sbrk(0);
  if(!ok((long)sbrk(HEAP * PGSIZE)))
    return;
  for(int i = 0; i < HEAP; i++)
    heap[i * PGSIZE] = i;
  int pid = fork();
  if(!ok(pid))
    return;
  if(pid == 0){
    for(int i = 0; i < HEAP; i++)
      heap[i * PGSIZE] += 1;
    exit(0);
  }
  int st;
  wait(&st);
  for(int i = 0; i < HEAP; i++)
    if(heap[i * PGSIZE] != (char)i)
      exit(step * 1000 + 998);   // the child's writes leaked into the parent
}

// 2: anonymous and file mappings, shared and private, with msync.
static void
w_mmap(void)
{
  char *a = mmap(0, 8 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if(ok((long)a)){
    for(int i = 0; i < 8; i++)
      a[i * PGSIZE] = 1;
    munmap(a, 8 * PGSIZE);
  }
  int fd = open("ft.map", O_CREATE | O_RDWR);
  if(!ok(fd))
    return;
  int w = write(fd, pattern, PGSIZE);
  if(ok(w) && w == PGSIZE){
    char *s = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if(ok((long)s)){
      same(s, pattern, 16);
      s[0] = 'S';
      ok(msync(s, PGSIZE, MS_SYNC));
      munmap(s, PGSIZE);
    }
    char *p = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if(ok((long)p)){
      p[1] = 'P';   // a private copy: the file keeps its byte
      munmap(p, PGSIZE);
    }
  }
  close(fd);
}

// 3: pins, short- and long-term; the pin fd shows the frames.
static void
w_pin(void)
{
  char *a = mmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if(!ok((long)a))
    return;
  memcpy(a, pattern, 64);
  int fd = pin_user_pages(a, 4 * PGSIZE, FOLL_WRITE | (step & 1 ? FOLL_LONGTERM : 0));
  if(ok(fd)){
    char got[64];
    int n = read(fd, got, 64);
    if(ok(n) && n == 64)
      same(got, pattern, 64);
    close(fd);
  }
  munmap(a, 4 * PGSIZE);
}

// 4: vmsplice pages into a pipe and read them out.
static void
w_vmsplice(void)
{
  int p[2];
  if(!ok(pipe(p)))
    return;
  char *a = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if(ok((long)a)){
    memcpy(a, pattern, 128);
    int n = vmsplice(p[1], a, 128, 0);
    if(ok(n) && n == 128){
      char got[128];
      int m = read(p[0], got, 128);
      if(ok(m) && m == 128)
        same(got, pattern, 128);
    }
    munmap(a, PGSIZE);
  }
  close(p[0]);
  close(p[1]);
}

// 5: O_DIRECT write, then read back.
static void
w_direct(void)
{
  int fd = open("ft.dio", O_CREATE | O_RDWR | O_DIRECT);
  if(!ok(fd))
    return;
  memcpy(dbuf, pattern, PGSIZE);
  int n = write(fd, dbuf, PGSIZE);
  if(ok(n) && n == PGSIZE && ok(lseek(fd, 0, SEEK_SET))){
    memset(dbuf + PGSIZE, 0, PGSIZE);
    int m = read(fd, dbuf + PGSIZE, PGSIZE);
    if(ok(m) && m == PGSIZE)
      same(dbuf + PGSIZE, pattern, PGSIZE);
  }
  close(fd);
}

// 6: file writes and reads, directories, links.
static void
w_files(void)
{
  int fd = open("ft.file", O_CREATE | O_RDWR | O_TRUNC);
  if(!ok(fd))
    return;
  int n = write(fd, pattern, PGSIZE);
  if(ok(n) && n == PGSIZE && ok(lseek(fd, 0, SEEK_SET))){
    static char got[PGSIZE];
    int m = read(fd, got, PGSIZE);
    if(ok(m) && m == PGSIZE)
      same(got, pattern, PGSIZE);
  }
  ok(fsync(fd));
  close(fd);
  if(ok(mkdir("ft.dir"))){
    if(ok(link("ft.file", "ft.dir/ln")))
      ok(unlink("ft.dir/ln"));
    ok(unlink("ft.dir"));
  }
  ok(unlink("ft.file"));
}

static void (*workload[])(void) = { w_fork, w_mmap, w_pin, w_vmsplice, w_direct, w_files };

// Run the workload in a child under which's setting cfg. Returns the
// failures injected; the child's end must be one the rules allow.
static int
run_under(int which, struct fault_config *cfg, char *what)
{
  int pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    if(failinject(which, cfg) < 0)
      exit(1);
    for(step = 1; step <= NELEM(workload); step++)
      workload[step - 1]();
    exit(0);
  }
  int st = 0;
  wait(&st);
  static struct fault_config off;
  int failures = failinject(which, &off);
  CHECK(st == 0 || st == -1, "%s: step %d: %s", what, st / 1000,
        st % 1000 == 999 ? "wrong data" : st % 1000 == 998 ? "a COW write leaked" : strerror(st % 1000));
  return failures;
}

// Settings: always, every third call, one in ten, the first few.
static struct fault_config settings[] = {
  { 100, 1, -1, 1, 1 },
  { 100, 3, -1, 1, 2 },
  { 10, 1, -1, 1, 3 },
  { 100, 1, 3, 1, 4 },
  { 30, 1, -1, 1, 5 },
  { 100, 7, 20, 1, 6 },
};

// Run the workload under every setting of failure point which; then,
// if clean_after, once more without injection, which must succeed.
static void
point(int which, char *name, const int *errors, int clean_after)
{
  int failures = 0;
  allowed = errors;
  memset(pattern, 0, sizeof(pattern));
  fill(pattern, sizeof(pattern), which);
  for(int i = 0; i < NELEM(settings); i++){
    for(int seed = 0; seed < 3; seed++){
      struct fault_config c = settings[i];
      c.seed += 100 * seed;
      char what[96];
      snprintf(what, sizeof(what), "%s probability %d interval %d times %d seed %d",
               name, c.probability, c.interval, c.times, (int)c.seed);
      failures += run_under(which, &c, what);
    }
  }
  unlink("ft.map");
  unlink("ft.dio");
  unlink("ft.file");
  unlink("ft.dir/ln");
  unlink("ft.dir");
  // Injection must have happened, or this tests nothing.
  CHECK(failures > 0, "no %s failure was injected", name);
  printf("%s: %d failures injected\n", name, failures);
  if(!clean_after)
    return;
  // Without injection the workload runs clean, no error allowed: nothing
  // was left broken.
  static const int none[] = { 0 };
  allowed = none;
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    for(step = 1; step <= NELEM(workload); step++)
      workload[step - 1]();
    exit(0);
  }
  int st = reap(pid);
  CHECK(st == 0, "after %s injection ended, step %d fails: %s", name, st / 1000, strerror(st % 1000));
}

static void
page_alloc(void)
{
  point(FAIL_PAGE_ALLOC, "fail_page_alloc", page_alloc_errors, 1);
}

// Failed disk requests. Reads fail alone; a failed write of the log (or
// a write built on a failed read) aborts the journal: the file system
// stays read-only (EIO) until reboot, with the disk at its last commit.
// So this test runs last in its boot, and after_requests checks the disk
// after the next boot. Also: msync and fsync report a writeback that
// failed.
static char keep[PGSIZE];

static void
set_requests(int probability)
{
  struct fault_config c = { probability, 1, -1, 1, 7 };
  CHECK(failinject(FAIL_MAKE_REQUEST, &c) >= 0, "failinject: %s", strerror(errno));
}

static void
make_request(void)
{
  // Committed before any failure: must survive everything below.
  fill(keep, sizeof(keep), 'k');
  int fd = page_file("ft.keep", 0);
  CHECK(lseek(fd, 0, SEEK_SET) == 0 && write(fd, keep, PGSIZE) == PGSIZE, "write ft.keep");
  CHECK(fsync(fd) == 0, "fsync: %s", strerror(errno));
  close(fd);

  // A failed read is an error and nothing more: a direct read says EIO,
  // and the file system goes on.
  fd = page_file("ft.data", 'd');
  close(fd);
  fd = open("ft.data", O_RDWR | O_DIRECT);
  CHECK(fd >= 0, "open O_DIRECT: %s", strerror(errno));
  set_requests(100);
  errno = 0;
  int r = read(fd, dbuf, PGSIZE);
  set_requests(0);
  CHECK(r == -1 && errno == EIO, "a direct read whose request failed: %d, errno %d", r, errno);
  close(fd);
  int fd2 = page_file("ft.more", 'm');
  CHECK(fsync(fd2) == 0, "the file system fails after a failed read: %s", strerror(errno));
  close(fd2);
  unlink("ft.more");

  // msync and fsync report a writeback that failed (and abort the journal).
  fd = open("ft.data", O_RDWR);
  char *m = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED, "mmap: %s", strerror(errno));
  m[0] = 'M';
  set_requests(100);
  errno = 0;
  r = msync(m, PGSIZE, MS_SYNC);
  set_requests(0);
  CHECK(r == -1 && errno == EIO, "msync of a page whose writeback failed: %d, errno %d", r, errno);
  errno = 0;
  CHECK(fsync(fd) == -1 && errno == EIO, "fsync after the journal aborted: errno %d", errno);
  munmap(m, PGSIZE);
  close(fd);

  point(FAIL_MAKE_REQUEST, "fail_make_request", request_errors, 0);

  // What was committed is still there; new writes fail with EIO.
  static char got[PGSIZE];
  fd = open("ft.keep", O_RDONLY);
  CHECK(fd >= 0 && read(fd, got, PGSIZE) == PGSIZE, "read ft.keep: %s", strerror(errno));
  same_or_fail(got, keep, PGSIZE, "ft.keep changed");
  close(fd);
  errno = 0;
  fd = open("ft.new", O_CREATE | O_RDWR);
  CHECK(fd == -1 && errno == EIO, "open(O_CREATE) after the journal aborted: %d, errno %d", fd, errno);
}

// After make_request and a reboot: the disk is as committed.
static void
after_requests(void)
{
  static char got[PGSIZE];
  fill(keep, sizeof(keep), 'k');
  int fd = open("ft.keep", O_RDONLY);
  CHECK(fd >= 0 && read(fd, got, PGSIZE) == PGSIZE, "read ft.keep: %s", strerror(errno));
  same_or_fail(got, keep, PGSIZE, "ft.keep changed across the abort and the reboot");
  close(fd);
  struct stat st;
  CHECK(stat("ft.new", &st) < 0, "ft.new, whose creation failed, exists");
  fd = page_file("ft.more", 'a');
  CHECK(fsync(fd) == 0, "fsync after the reboot: %s", strerror(errno));
  close(fd);
  CHECK(unlink("ft.more") == 0 && unlink("ft.keep") == 0 && unlink("ft.data") == 0,
        "unlink after the reboot: %s", strerror(errno));
}

static void
errors(void)
{
  struct fault_config c = { 0 };
  errno = 0;
  CHECK(failinject(NFAIL, &c) == -1 && errno == EINVAL, "which %d: errno %d", NFAIL, errno);
  c.probability = 101;
  errno = 0;
  CHECK(failinject(FAIL_PAGE_ALLOC, &c) == -1 && errno == EINVAL, "probability 101: errno %d", errno);
  errno = 0;
  CHECK(failinject(FAIL_PAGE_ALLOC, (void *)(MAXVA + PGSIZE)) == -1 && errno == EFAULT, "bad cfg: errno %d", errno);
  CHECK(failinject(FAIL_PAGE_ALLOC, 0) == 0, "reading the count: %s", strerror(errno));
}

static struct test tests[] = {
  { errors, "errors" },
  { page_alloc, "page_alloc" },
  { make_request, "make_request", 1 },
  { after_requests, "after_requests", 1 },
};

int
main(int argc, char *argv[])
{
  exit(run_tests("failtest", tests, NELEM(tests), argc, argv, 0) != 0);
}
