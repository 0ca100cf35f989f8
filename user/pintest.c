// pintest: get_user_pages/pin_user_pages through the pin_user_pages system
// call, whose descriptor reads and writes the pinned frames the way a
// device (an RDMA NIC) would. The modern rules under test: pins survive
// fork (the child gets a copy, the parent and the device keep one frame);
// a read-only pin first gets a page of its own, so it sees the process's
// later writes (a plain reference does not, nor does a pin of a MAP_SHARED
// page, which is the process's already); long-term write pins of shared
// file mappings are refused; the per-process limit; pins are released on
// close and on exit.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/vmmap.h"
#include "user/user.h"
#include "user/testlib.h"

#define RW (PROT_READ | PROT_WRITE)

static int
pin(void *addr, uint64 len, int flags)
{
  int fd = pin_user_pages(addr, len, flags);
  CHECK(fd >= 0, "pin_user_pages(%p, %ld, %x): %s", addr, len, flags, strerror(errno));
  return fd;
}

static void
device_write(int fd, int off, char c)
{
  CHECK(lseek(fd, off, SEEK_SET) == off, "lseek: %s", strerror(errno));
  CHECK(write(fd, &c, 1) == 1, "write to the pin fd: %s", strerror(errno));
}

// Pin, read and write through the fd, lseek, unpin on close; the counters.
static void
basic(void)
{
  char *p = map_anon(3 * PGSIZE);
  for(int i = 0; i < 3; i++)
    p[i * PGSIZE] = 'a' + i;
  uint64 acq = counter("nr_foll_pin_acquired"), rel = counter("nr_foll_pin_released");
  uint64 fast = counter("gup_fast_pages");
  int fd = pin(p + 100, 2 * PGSIZE, FOLL_WRITE | FOLL_LONGTERM);   // 3 pages
  CHECK(counter("nr_foll_pin_acquired") - acq == 3, "3 pages, %d pins",
        (int)(counter("nr_foll_pin_acquired") - acq));
  CHECK(counter("gup_fast_pages") - fast == 3, "written pages not pinned by GUP-fast");
  CHECK(page_info_of(p)->pincount == 1 && page_info_of(p)->refcount == 2,
        "pincount %d refcount %d, want 1 and 2",
        page_info_of(p)->pincount, page_info_of(p)->refcount);
  CHECK(device_byte(fd, PGSIZE - 100) == 'b', "the device does not see the second page");
  p[PGSIZE + 5] = 'x';
  CHECK(device_byte(fd, PGSIZE - 95) == 'x', "the device does not see a later write");
  device_write(fd, 2 * PGSIZE - 100, 'D');
  CHECK(p[2 * PGSIZE] == 'D', "the process does not see the device's write");
  CHECK(lseek(fd, 0, SEEK_END) == 2 * PGSIZE, "lseek SEEK_END");
  char c;
  CHECK(read(fd, &c, 1) == 0, "read at the end of the range");
  errno = 0;
  CHECK(lseek(fd, 1, SEEK_END) == -1 && errno == EINVAL, "lseek past the end: errno %d", errno);
  errno = 0;
  CHECK(lseek(fd, 0, 7) == -1 && errno == EINVAL, "lseek with bad whence: errno %d", errno);
  close(fd);
  CHECK(counter("nr_foll_pin_released") - rel == 3, "close released %d pins",
        (int)(counter("nr_foll_pin_released") - rel));
  CHECK(page_info_of(p)->pincount == 0 && page_info_of(p)->refcount == 1,
        "still pinned after close");

  // A read-only pin: the device may not write.
  fd = pin(p, 1, 0);
  errno = 0;
  CHECK(write(fd, "x", 1) == -1 && errno == EBADF, "write to a read-only pin: errno %d", errno);
  close(fd);
}

// Every error.
static void
errors(void)
{
  char *p = map_anon(2 * PGSIZE);
  p[0] = 1;
  errno = 0;
  CHECK(pin_user_pages(p, 0, 0) == -1 && errno == EINVAL, "len 0: errno %d", errno);
  errno = 0;
  CHECK(pin_user_pages(p, 1, 0x8) == -1 && errno == EINVAL, "bad flags: errno %d", errno);
  munmap(p + PGSIZE, PGSIZE);
  errno = 0;
  CHECK(pin_user_pages(p, 2 * PGSIZE, 0) == -1 && errno == EFAULT, "unmapped: errno %d", errno);
  CHECK(page_info_of(p)->pincount == 0, "a failed pin left a pin behind");
  CHECK(mprotect(p, PGSIZE, PROT_READ) == 0, "mprotect");
  errno = 0;
  CHECK(pin_user_pages(p, 1, FOLL_WRITE) == -1 && errno == EFAULT, "write pin of PROT_READ: errno %d", errno);
  CHECK(mprotect(p, PGSIZE, PROT_NONE) == 0, "mprotect");
  errno = 0;
  CHECK(pin_user_pages(p, 1, 0) == -1 && errno == EFAULT, "pin of PROT_NONE: errno %d", errno);
  errno = 0;
  CHECK(pin_user_pages((void *)(MAXVA - PGSIZE), 2 * PGSIZE, 0) == -1 && errno == EFAULT,
        "pin past MAXVA: errno %d", errno);
  errno = 0;
  int pfd[2];
  CHECK(pipe(pfd) == 0, "pipe");
  CHECK(lseek(pfd[0], 0, SEEK_SET) == -1 && errno == ESPIPE, "lseek on a pipe: errno %d", errno);
}

// The per-process limit (PIN_MAX = 512 pages): ENOMEM, and room again
// after a close.
static void
limit(void)
{
  char *p = map_anon(600 * PGSIZE);
  int a = pin(p, 400 * PGSIZE, FOLL_WRITE);
  errno = 0;
  CHECK(pin_user_pages(p + 400 * PGSIZE, 200 * PGSIZE, FOLL_WRITE) == -1 && errno == ENOMEM,
        "past the limit: errno %d", errno);
  close(a);
  close(pin(p + 400 * PGSIZE, 200 * PGSIZE, FOLL_WRITE));
}

// RDMA after fork (Linux 5.9): a long-term write pin, fork, the child
// exits, the parent writes. The parent must still write the frame the
// device sees; the child got a copy and its writes stay its own.
// Only the pinned page is copied: its unpinned neighbour is shared as
// usual, although this process has pinned something (has_pinned).
static void
pin_fork(void)
{
  char *p = map_anon(2 * PGSIZE);
  p[0] = 'p';
  p[PGSIZE] = 'n';
  int fd = pin(p, PGSIZE, FOLL_WRITE | FOLL_LONGTERM);
  uint64 pfn = page_info_of(p)->pfn, npfn = page_info_of(p + PGSIZE)->pfn;
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    CHECK(p[0] == 'p', "the child lacks the data");
    CHECK(page_info_of(p)->pfn != pfn, "the child shares the pinned frame");
    CHECK(page_info_of(p + PGSIZE)->pfn == npfn, "fork copied a page that is not pinned");
    p[0] = 'c';
    CHECK(device_byte(fd, 0) == 'p', "the child's write reached the device");
    exit(0);
  }
  CHECK(reap(pid) == 0, "child failed");
  p[1] = 'q';
  CHECK(page_info_of(p)->pfn == pfn, "the parent moved off the pinned frame");
  CHECK(device_byte(fd, 1) == 'q', "the device no longer sees the parent's memory");
  device_write(fd, 2, 'd');
  CHECK(p[2] == 'd', "the parent does not see the device's write");
  close(fd);
}

// A pinned page that is not anonymous is never copied by fork: the
// child maps the file's own page. (Only a read-only pin of a private file
// mapping pins a page-cache page, and only before 6.2, which unshares it
// into an anonymous copy first: then fork copies that, as any pinned
// anonymous page.)
static void
pin_fork_file(void)
{
  int fd = page_file("pintest.f", 'f');
  char *v = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  CHECK(v != MAP_FAILED, "mmap: %s", strerror(errno));
  CHECK(v[0] == 'f', "wrong bytes");
  int pfd = pin(v, PGSIZE, FOLL_LONGTERM);
  int cache = page_info_of(v)->cache;
  uint64 pfn = page_info_of(v)->pfn;
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    CHECK(v[0] == 'f', "the child lacks the data");
    if(cache)
      CHECK(page_info_of(v)->cache && page_info_of(v)->pfn == pfn,
            "fork copied a pinned page-cache page");
    else
      CHECK(page_info_of(v)->pfn != pfn, "the child shares the pinned (unshared) frame");
    exit(0);
  }
  CHECK(reap(pid) == 0, "child failed");
  close(pfd);
  munmap(v, PGSIZE);
  close(fd);
  unlink("pintest.f");
}

// Three pages for read-only GUPs: p[0] untouched (no PTE: GUP-fast stops
// there and leaves the rest to the slow path), p[PGSIZE] shared with a
// child (fork_holder's: *pid, *go for let_go), p[2 * PGSIZE] the zero page.
static char *
three_pages(int *pid, int *go)
{
  char *p = map_anon(3 * PGSIZE);
  p[PGSIZE] = 'a';
  (void)*(volatile char *)(p + 2 * PGSIZE);   // read, never written: the zero page
  CHECK(page_info_of(p + 2 * PGSIZE)->zero, "an untouched page read is not the zero page");
  *pid = fork_holder(go);                     // keeps p[PGSIZE] shared
  return p;
}

// A read-only pin of a page shared after fork first gets a page of its
// own, so it sees the process's later writes (Linux 5.19,
// FAULT_FLAG_UNSHARE).
static void
ro_pin_shared(void)
{
  int go, pid;
  char *p = three_pages(&pid, &go) + PGSIZE;
  uint64 unshare = counter("unshare_fault");
  int fd = pin(p, PGSIZE, 0);
  CHECK(counter("unshare_fault") - unshare == 1, "%d unshare faults for a shared page",
        (int)(counter("unshare_fault") - unshare));
  p[0] = 'b';
  CHECK(device_byte(fd, 0) == 'b', "a read-only pin does not see the process's later write");
  CHECK(let_go(pid, go) == 0, "child failed");
  close(fd);
}

// A long-term read-only pin of any page of a private writable mapping
// that the process's next write would replace, the zero page or a page of
// a private file mapping, gets a page of its own first (Linux 6.2); a
// short-term pin (O_DIRECT's) does not care about later writes and takes
// the page as it is.
static void
ro_pin_cow_any(void)
{
  int fd = page_file("pintest.p", 'f');
  char *f = mmap(0, PGSIZE, RW, MAP_PRIVATE, fd, 0);
  char *z = map_anon(PGSIZE);
  CHECK(f != MAP_FAILED, "mmap: %s", strerror(errno));
  (void)*(volatile char *)f;
  (void)*(volatile char *)z;
  uint64 unshare = counter("unshare_fault");
  int sf = pin(f, PGSIZE, 0), sz = pin(z, PGSIZE, 0);
  CHECK(counter("unshare_fault") == unshare && page_info_of(f)->cache && page_info_of(z)->zero,
        "a short-term read-only pin replaced the page (%d unshare faults)",
        (int)(counter("unshare_fault") - unshare));
  int lf = pin(f, PGSIZE, FOLL_LONGTERM), lz = pin(z, PGSIZE, FOLL_LONGTERM);
  CHECK(counter("unshare_fault") - unshare == 2, "%d unshare faults for the file and zero pages",
        (int)(counter("unshare_fault") - unshare));
  CHECK(!page_info_of(z)->zero && !page_info_of(f)->cache,
        "a long-term pin kept the zero or the file page");
  f[0] = 'w';
  z[0] = 'z';
  CHECK(device_byte(lf, 0) == 'w', "a pin of a private file page does not see the later write");
  CHECK(device_byte(lz, 0) == 'z', "a pin of the zero page does not see the later write");
  CHECK(device_byte(sf, 0) == 'f', "the short-term pin's file page changed");
  close(sf);
  close(sz);
  close(lf);
  close(lz);
  close(fd);
  unlink("pintest.p");
}

// A read-only pin of memory that the process shares on purpose
// (MAP_SHARED) needs no page of its own: process and pin already use the
// page cache's frame. No unshare fault, the pin sees the later writes, and
// the pin returns: an unshare fault cannot change such a page, so GUP
// asking for one would retry forever (the watchdog kills it).
static void
ro_pin_shared_map(void)
{
  int dog = watchdog(30, "a read-only pin of a MAP_SHARED page (GUP retrying forever?)");
  int fd = page_file("pintest.s", 'f');
  char *s = mmap(0, PGSIZE, RW, MAP_SHARED, fd, 0);
  char *a = mmap(0, PGSIZE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(s != MAP_FAILED && a != MAP_FAILED, "mmap: %s", strerror(errno));
  a[0] = 'a';
  (void)*(volatile char *)s;
  uint64 unshare = counter("unshare_fault");
  int ps = pin(s, PGSIZE, FOLL_LONGTERM), pa = pin(a, PGSIZE, FOLL_LONGTERM);
  CHECK(counter("unshare_fault") == unshare, "%d unshare faults for pins of MAP_SHARED pages",
        (int)(counter("unshare_fault") - unshare));
  s[0] = 't';
  a[0] = 'b';
  CHECK(device_byte(ps, 0) == 't', "a read-only pin of a shared file mapping misses a write");
  CHECK(device_byte(pa, 0) == 'b', "a read-only pin of shared anonymous memory misses a write");
  close(ps);
  close(pa);
  watchdog_stop(dog);
  close(fd);
  unlink("pintest.s");
}

// A plain reference (FOLL_GET: vmsplice) promises nothing about the
// process's later writes, so it costs no copy: vmsplice of an untouched
// page, of a page shared with a child and of the zero page takes no
// unshare fault, and the pages stay shared.
static void
get_no_unshare(void)
{
  int pfd[2];
  CHECK(pipe(pfd) == 0, "pipe");
  int go, pid;
  char *p = three_pages(&pid, &go);
  uint64 pfn = page_info_of(p + PGSIZE)->pfn, unshare = counter("unshare_fault");
  CHECK(vmsplice(pfd[1], p, 3 * PGSIZE, 0) == 3 * PGSIZE, "vmsplice: %s", strerror(errno));
  CHECK(counter("unshare_fault") == unshare, "vmsplice (FOLL_GET) took %d unshare faults",
        (int)(counter("unshare_fault") - unshare));
  CHECK(page_info_of(p + PGSIZE)->pfn == pfn,
        "vmsplice gave the process a copy of the page shared with its child");
  CHECK(page_info_of(p + 2 * PGSIZE)->zero, "vmsplice replaced the zero page");
  CHECK(let_go(pid, go) == 0, "child failed");
}

// A page at va pinned with flags, which must be allowed: what says which.
static int
pin_ok(void *va, int flags, char *what)
{
  int fd = pin_user_pages(va, PGSIZE, flags);
  CHECK(fd >= 0, "%s was refused: %s", what, strerror(errno));
  return fd;
}

// Long-term write pins of a shared file mapping are refused (writeback
// could not see a device's writes); shared anonymous memory, private file
// mappings and short-term pins are fine.
static void
longterm_file(void)
{
  int fd = open("pintest.f", O_CREATE | O_RDWR);
  CHECK(fd >= 0, "create: %s", strerror(errno));
  static char buf[PGSIZE];
  memset(buf, 'f', sizeof(buf));
  CHECK(write(fd, buf, PGSIZE) == PGSIZE, "write");
  char *s = mmap(0, PGSIZE, RW, MAP_SHARED, fd, 0);
  char *v = mmap(0, PGSIZE, RW, MAP_PRIVATE, fd, 0);
  char *a = mmap(0, PGSIZE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(s != MAP_FAILED && v != MAP_FAILED && a != MAP_FAILED, "mmap: %s", strerror(errno));
  errno = 0;
  CHECK(pin_user_pages(s, PGSIZE, FOLL_WRITE | FOLL_LONGTERM) == -1 && errno == EFAULT,
        "long-term write pin of a shared file mapping: errno %d", errno);
  close(pin_ok(s, FOLL_WRITE, "a short-term write pin of a shared file mapping"));
  close(pin_ok(s, FOLL_LONGTERM, "a long-term read-only pin of a shared file mapping"));
  close(pin_ok(a, FOLL_WRITE | FOLL_LONGTERM, "a long-term write pin of shared anonymous memory"));
  int pfd = pin_ok(v, FOLL_WRITE | FOLL_LONGTERM,   // breaks COW
                   "a long-term write pin of a private file mapping");
  device_write(pfd, 0, 'v');
  CHECK(v[0] == 'v' && s[0] == 'f', "a write pin of a private file mapping reached the file");
  close(pfd);
  close(fd);
  unlink("pintest.f");
}

// Pins are released when the process exits without closing.
static void
exit_releases(void)
{
  uint64 acq = counter("nr_foll_pin_acquired"), rel = counter("nr_foll_pin_released");
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    char *p = map_anon(8 * PGSIZE);
    memset(p, 1, 8 * PGSIZE);
    pin(p, 8 * PGSIZE, FOLL_WRITE | FOLL_LONGTERM);
    pin(p, 4 * PGSIZE, 0);
    exit(0);
  }
  CHECK(reap(pid) == 0, "child failed");
  uint64 a = counter("nr_foll_pin_acquired") - acq, r = counter("nr_foll_pin_released") - rel;
  CHECK(a == 12 && r == 12, "%d pins taken, %d released", (int)a, (int)r);
}

// GUP-fast takes resident exclusive pages; anything else falls back.
static void
fast_fallback(void)
{
  char *p = map_anon(2 * PGSIZE);
  p[0] = 1;
  uint64 fb = counter("gup_fast_fallback"), slow = counter("gup_slow_pages");
  close(pin(p, 2 * PGSIZE, FOLL_WRITE));   // the second page is not there yet
  CHECK(counter("gup_fast_fallback") - fb == 1, "no fallback for a missing page");
  CHECK(counter("gup_slow_pages") - slow == 1, "the slow path took %d pages",
        (int)(counter("gup_slow_pages") - slow));

  // After a fork GUP-fast works again (fork's write_protect_seq is even):
  // the pinned page stayed writable and exclusive in the parent (fork
  // copied it for the child), so pinning it again needs no fallback.
  int fd = pin(p, PGSIZE, FOLL_WRITE);
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0)
    exit(0);
  CHECK(reap(pid) == 0, "the child failed");
  fb = counter("gup_fast_fallback");
  close(pin(p, PGSIZE, FOLL_WRITE));
  CHECK(counter("gup_fast_fallback") == fb, "GUP-fast falls back after a fork");
  close(fd);
}

static struct test tests[] = {
  { basic, "basic" },
  { errors, "errors" },
  { limit, "limit" },
  { pin_fork, "pin_fork" },
  { pin_fork_file, "pin_fork_file" },
  { ro_pin_shared, "ro_pin_shared" },
  { ro_pin_cow_any, "ro_pin_cow_any" },
  { ro_pin_shared_map, "ro_pin_shared_map" },
  { get_no_unshare, "get_no_unshare" },
  { longterm_file, "longterm_file" },
  { exit_releases, "exit_releases" },
  { fast_fallback, "fast_fallback" },
};

int
main(int argc, char *argv[])
{
  exit(run_tests("pintest", tests, NELEM(tests), argc, argv, 0) != 0);
}
