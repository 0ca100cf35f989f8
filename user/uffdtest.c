// uffdtest: userfaultfd (kernel/mm/userfaultfd.c) with Linux's interface
// and errors. A monitor (the main thread, or a thread of its own) serves
// the faults of other threads: missing pages filled by UFFDIO_COPY and
// UFFDIO_ZEROPAGE, writes to write-protected pages let through by
// un-protecting; several faulting threads; GUP and kernel copies that
// fault on a registered range; fork; closing the descriptor and exiting
// with faults outstanding; and every error the man pages list.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/vmmap.h"
#include "kernel/userfaultfd.h"
#include "user/user.h"
#include "user/testlib.h"

#define NT 4
#define STACK 8192
static char stacks[NT + 1][STACK] __attribute__((aligned(16)));

// A descriptor with UFFDIO_API done (features: what to enable).
static int
uffd_open(int flags, uint64 features)
{
  int fd = userfaultfd(flags);
  CHECK(fd >= 0, "userfaultfd: %s", strerror(errno));
  struct uffdio_api api = { UFFD_API, features, 0 };
  CHECK(ioctl(fd, UFFDIO_API, &api) == 0, "UFFDIO_API: %s", strerror(errno));
  return fd;
}

// The result of ioctl: 0, or -errno.
static int
io(int fd, uint cmd, void *arg)
{
  return ioctl(fd, cmd, arg) == 0 ? 0 : -errno;
}

static int
reg(int fd, void *a, uint64 len, uint64 mode)
{
  struct uffdio_register r = { { (uint64)a, len }, mode, 0 };
  return io(fd, UFFDIO_REGISTER, &r);
}

static int
unreg(int fd, void *a, uint64 len)
{
  struct uffdio_range r = { (uint64)a, len };
  return io(fd, UFFDIO_UNREGISTER, &r);
}

static int
copy(int fd, void *dst, void *src, uint64 len, uint64 mode, int64 *copied)
{
  struct uffdio_copy c = { (uint64)dst, (uint64)src, len, mode, 12345 };
  int r = io(fd, UFFDIO_COPY, &c);
  if(copied)
    *copied = c.copy;
  return r;
}

static int
zeropage(int fd, void *dst, uint64 len, uint64 mode, int64 *zeroed)
{
  struct uffdio_zeropage z = { { (uint64)dst, len }, mode, 12345 };
  int r = io(fd, UFFDIO_ZEROPAGE, &z);
  if(zeroed)
    *zeroed = z.zeropage;
  return r;
}

static int
writeprotect(int fd, void *a, uint64 len, uint64 mode)
{
  struct uffdio_writeprotect w = { { (uint64)a, len }, mode };
  return io(fd, UFFDIO_WRITEPROTECT, &w);
}

static int
wake(int fd, void *a, uint64 len)
{
  struct uffdio_range r = { (uint64)a, len };
  return io(fd, UFFDIO_WAKE, &r);
}

// The next fault message: waits for it (polling an O_NONBLOCK descriptor,
// for at most 10 s).
static struct uffd_msg
get_msg(int fd)
{
  struct uffd_msg m;
  for(int tries = 0; ; tries++){
    int n = read(fd, &m, sizeof(m));
    if(n == sizeof(m))
      break;
    CHECK(n < 0 && errno == EAGAIN && tries < 100, "read a message: %d (%s)", n,
          n < 0 ? strerror(errno) : "short");
    sleep(1);
  }
  CHECK(m.event == UFFD_EVENT_PAGEFAULT, "message event 0x%x, not UFFD_EVENT_PAGEFAULT", m.event);
  return m;
}

// Wait for the fault message of address a with these flags.
static void
expect_msg(int fd, void *a, uint64 flags)
{
  struct uffd_msg m = get_msg(fd);
  CHECK(m.arg.pagefault.address == (uint64)a && m.arg.pagefault.flags == flags,
        "fault message: address %lx flags %lx, not %p and %lx", m.arg.pagefault.address,
        m.arg.pagefault.flags, a, flags);
}

// No message is waiting (on a descriptor opened O_NONBLOCK).
static void
no_msg(int fd, char *when)
{
  struct uffd_msg m;
  int n = read(fd, &m, sizeof(m));
  CHECK(n < 0 && errno == EAGAIN, "%s: read gave %d (%s), not EAGAIN", when, n,
        n < 0 ? strerror(errno) : "a message");
}

static uint64
pm(void *va)
{
  uint64 e;
  CHECK(pagemap(0, va, 1, &e) == 1, "pagemap: %s", strerror(errno));
  return e;
}

static uint64
pte_of(void *va)
{
  return page_info_of(va)->pte;
}

// A thread that touches one byte: reads it, or writes val into it.
struct touch {
  volatile char *addr;
  int write;
  char val;
  char seen;           // what a read saw
  volatile int done;
  int tid;
};

static int
toucher(void *arg)
{
  struct touch *t = arg;
  if(t->write)
    *t->addr = t->val;
  else
    t->seen = *t->addr;
  t->done = 1;
  return 0;
}

static void
spawn(struct touch *t, int i)
{
  t->done = 0;
  t->tid = thread_spawn(toucher, t, stacks[i], STACK);
  CHECK(t->tid > 0, "thread_spawn: %s", strerror(errno));
}

// Wait (at most 10 s: a broken kernel may never wake a fault) until a
// thread says it is done. Polls rather than forking a watchdog, whose
// copy of the descriptor would keep it open.
static void
wait_done(volatile int *done, char *what)
{
  for(int i = 0; i < 100 && !*done; i++)
    sleep(1);
  CHECK(*done, "%s did not finish within 10 s", what);
}

static void
join(struct touch *t)
{
  wait_done(&t->done, "a faulting thread");
  CHECK(thread_join(t->tid, 0) == 0, "thread_join: %s", strerror(errno));
}

// Still blocked half a second after its message was read?
static void
still_blocked(struct touch *t, char *what)
{
  sleep(5);
  CHECK(!t->done, "%s did not wait for the monitor", what);
}

// UFFDIO_API: the handshake, its errors, and what works before it.
static void
api(void)
{
  int fd = userfaultfd(0);
  CHECK(fd >= 0, "userfaultfd: %s", strerror(errno));
  struct uffd_msg m;
  CHECK(read(fd, &m, sizeof(m)) < 0 && errno == EINVAL, "read before UFFDIO_API: not EINVAL");
  char *a = map_anon(PGSIZE);
  CHECK(reg(fd, a, PGSIZE, UFFDIO_REGISTER_MODE_MISSING) == -EINVAL, "REGISTER before UFFDIO_API: not EINVAL");
  struct uffdio_api bad = { 0xAB, 0, 7 };
  CHECK(io(fd, UFFDIO_API, &bad) == -EINVAL, "UFFDIO_API with api 0xAB: not EINVAL");
  CHECK(bad.api == 0 && bad.features == 0 && bad.ioctls == 0, "a refused UFFDIO_API is not zeroed");
  struct uffdio_api fork_ev = { UFFD_API, UFFD_FEATURE_EVENT_FORK, 0 };
  CHECK(io(fd, UFFDIO_API, &fork_ev) == -EINVAL, "UFFD_FEATURE_EVENT_FORK (not supported): not EINVAL");
  CHECK(io(fd, UFFDIO_API, (void *)MAXVA) == -EFAULT, "UFFDIO_API with a bad pointer: not EFAULT");
  struct uffdio_api ok = { UFFD_API, UFFD_FEATURE_THREAD_ID, 0 };
  CHECK(io(fd, UFFDIO_API, &ok) == 0, "UFFDIO_API: %s", strerror(errno));
  CHECK(ok.features == (UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_THREAD_ID),
        "features %lx", ok.features);
  CHECK(ok.ioctls == UFFD_API_IOCTLS, "ioctls %lx, not %lx", ok.ioctls, UFFD_API_IOCTLS);
  struct uffdio_api again = { UFFD_API, 0, 0 };
  CHECK(io(fd, UFFDIO_API, &again) == -EINVAL, "a second UFFDIO_API: not EINVAL");
  CHECK(again.api == 0 && again.features == 0, "a second UFFDIO_API's answer is not zeroed");

  CHECK(io(fd, 0x1234, 0) == -EINVAL, "an unknown command: not EINVAL");
  CHECK(read(fd, &m, sizeof(m) - 1) < 0 && errno == EINVAL, "read of less than a message: not EINVAL");
  CHECK(write(fd, &m, sizeof(m)) < 0 && errno == EINVAL, "write: not EINVAL");
  close(fd);

  CHECK(userfaultfd(0x80000) < 0 && errno == EINVAL, "userfaultfd(O_CLOEXEC): not EINVAL");
  CHECK(userfaultfd(2) < 0 && errno == EINVAL, "userfaultfd(2): not EINVAL");
  int p[2];
  CHECK(pipe(p) == 0, "pipe");
  CHECK(ioctl(p[0], UFFDIO_API, &ok) < 0 && errno == ENOTTY, "ioctl on a pipe: not ENOTTY");
  close(p[0]);
  close(p[1]);
  CHECK(ioctl(p[0], UFFDIO_API, &ok) < 0 && errno == EBADF, "ioctl on a closed fd: not EBADF");
  CHECK(ioctl(-1, UFFDIO_API, &ok) < 0 && errno == EBADF, "ioctl on fd -1: not EBADF");

  fd = uffd_open(O_NONBLOCK, 0);
  no_msg(fd, "O_NONBLOCK without faults");
  close(fd);
}

// UFFDIO_REGISTER and UNREGISTER: what they accept and answer.
static void
register_errors(void)
{
  int fd = uffd_open(0, 0), fd2 = uffd_open(0, 0);
  char *a = map_anon(4 * PGSIZE);
  struct uffdio_register r = { { (uint64)a, PGSIZE }, UFFDIO_REGISTER_MODE_MISSING, 0 };
  CHECK(io(fd, UFFDIO_REGISTER, &r) == 0, "REGISTER MISSING: %s", strerror(errno));
  CHECK(r.ioctls == (UFFD_API_RANGE_IOCTLS & ~(1UL << _UFFDIO_WRITEPROTECT)),
        "MISSING range ioctls %lx", r.ioctls);
  r.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP;
  CHECK(io(fd, UFFDIO_REGISTER, &r) == 0 && r.ioctls == UFFD_API_RANGE_IOCTLS,
        "REGISTER again with WP: %s, ioctls %lx", strerror(errno), r.ioctls);
  CHECK(reg(fd, a, PGSIZE, 0) == -EINVAL, "mode 0: not EINVAL");
  CHECK(reg(fd, a, PGSIZE, 4) == -EINVAL, "mode MINOR (not supported): not EINVAL");
  CHECK(reg(fd, a + 1, PGSIZE, 1) == -EINVAL, "unaligned start: not EINVAL");
  CHECK(reg(fd, a, 100, 1) == -EINVAL, "unaligned len: not EINVAL");
  CHECK(reg(fd, a, 0, 1) == -EINVAL, "len 0: not EINVAL");
  CHECK(reg(fd, (void *)(MAXVA - PGSIZE), 2 * PGSIZE, 1) == -EINVAL, "past MAXVA: not EINVAL");
  CHECK(reg(fd2, a, 2 * PGSIZE, 1) == -EBUSY, "another descriptor's range: not EBUSY");
  CHECK(reg(fd2, a + PGSIZE, PGSIZE, 1) == 0, "the next page: %s", strerror(errno));
  CHECK(io(fd, UFFDIO_REGISTER, (void *)MAXVA) == -EFAULT, "bad pointer: not EFAULT");
  CHECK(munmap(a + 2 * PGSIZE, 2 * PGSIZE) == 0, "munmap");
  CHECK(reg(fd, a + 2 * PGSIZE, 2 * PGSIZE, 1) == -EINVAL, "no mapping: not EINVAL");
  CHECK(unreg(fd, a + 2 * PGSIZE, 2 * PGSIZE) == -EINVAL, "UNREGISTER without mapping: not EINVAL");
  CHECK(unreg(fd, a + 1, PGSIZE) == -EINVAL, "UNREGISTER unaligned: not EINVAL");
  CHECK(unreg(fd, a, 0) == -EINVAL, "UNREGISTER len 0: not EINVAL");

  char *sh = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(sh != MAP_FAILED, "mmap shared");
  CHECK(reg(fd, sh, PGSIZE, 1) == -EINVAL, "shared anonymous memory: not EINVAL");
  CHECK(unreg(fd, sh, PGSIZE) == -EINVAL, "UNREGISTER shared memory: not EINVAL");
  int f = page_file("uffdfile", 'f');
  char *fm = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, f, 0);
  CHECK(fm != MAP_FAILED, "mmap file");
  CHECK(reg(fd, fm, PGSIZE, 1) == -EINVAL, "a file mapping: not EINVAL");
  close(f);
  unlink("uffdfile");

  // A hole between regions is fine, as in Linux.
  char *b = map_anon(3 * PGSIZE);
  CHECK(munmap(b + PGSIZE, PGSIZE) == 0, "munmap");
  CHECK(reg(fd, b, 3 * PGSIZE, 1) == 0, "a range with a hole: %s", strerror(errno));
  CHECK(unreg(fd, b, 3 * PGSIZE) == 0, "UNREGISTER with a hole: %s", strerror(errno));
  CHECK(unreg(fd, a, PGSIZE) == 0 && reg(fd2, a, PGSIZE, 1) == 0,
        "after UNREGISTER another descriptor may register: %s", strerror(errno));
  close(fd);
  close(fd2);
}

// Missing pages, read and write faults, filled by UFFDIO_COPY from the
// main thread while the faulting thread waits.
static void
missing_copy(void)
{
  int dog = watchdog(300, "the blocking read");   // before the descriptor: forks
  int fd = uffd_open(0, UFFD_FEATURE_THREAD_ID);
  char *a = map_anon(2 * PGSIZE);
  CHECK(reg(fd, a, 2 * PGSIZE, UFFDIO_REGISTER_MODE_MISSING) == 0, "REGISTER: %s", strerror(errno));
  char *src = map_anon(PGSIZE);
  memset(src, 'c', PGSIZE);

  struct touch t = { a + 100, 0 };
  spawn(&t, 0);
  struct uffd_msg m = get_msg(fd);
  CHECK(m.arg.pagefault.address == (uint64)a && m.arg.pagefault.flags == 0,
        "read fault: address %lx flags %lx, not %p and 0", m.arg.pagefault.address,
        m.arg.pagefault.flags, a);
  CHECK(m.arg.pagefault.feat.ptid == t.tid, "ptid %d, not the faulting thread %d",
        m.arg.pagefault.feat.ptid, t.tid);
  still_blocked(&t, "a read of a missing page");
  int64 copied;
  CHECK(copy(fd, a, src, PGSIZE, 0, &copied) == 0 && copied == PGSIZE,
        "UFFDIO_COPY: %s, copy %ld", strerror(errno), copied);
  join(&t);
  CHECK(t.seen == 'c', "the reader saw %d, not the copy", t.seen);
  uint64 pte = pte_of(a);
  CHECK((pte & PTE_W) && !(pte & PTE_UFFD_WP), "a copy in a writable region: pte %lx", pte);

  struct touch w = { a + PGSIZE + 5, 1, 'w' };
  spawn(&w, 1);
  m = get_msg(fd);
  CHECK(m.arg.pagefault.address == (uint64)a + PGSIZE && m.arg.pagefault.flags == UFFD_PAGEFAULT_FLAG_WRITE,
        "write fault: address %lx flags %lx", m.arg.pagefault.address, m.arg.pagefault.flags);
  CHECK(copy(fd, a + PGSIZE, src, PGSIZE, 0, 0) == 0, "UFFDIO_COPY: %s", strerror(errno));
  join(&w);
  CHECK(a[PGSIZE + 5] == 'w' && a[PGSIZE + 6] == 'c', "after the write: %c %c", a[PGSIZE + 5], a[PGSIZE + 6]);
  close(fd);
  watchdog_stop(dog);
}

// A missing page filled with the zero page (UFFDIO_ZEROPAGE); DONTWAKE
// and UFFDIO_WAKE.
static void
missing_zeropage(void)
{
  int fd = uffd_open(O_NONBLOCK, 0);
  char *a = map_anon(2 * PGSIZE);
  CHECK(reg(fd, a, 2 * PGSIZE, UFFDIO_REGISTER_MODE_MISSING) == 0, "REGISTER: %s", strerror(errno));
  struct touch t = { a + 10, 0 };
  t.seen = 1;
  spawn(&t, 0);
  expect_msg(fd, a, 0);
  int64 zeroed;
  CHECK(zeropage(fd, a, PGSIZE, 0, &zeroed) == 0 && zeroed == PGSIZE, "UFFDIO_ZEROPAGE: %s, %ld",
        strerror(errno), zeroed);
  join(&t);
  struct page_info pi;
  CHECK(t.seen == 0 && pageinfo(0, a, 1, &pi) == 1 && pi.zero, "not the zero page: saw %d", t.seen);

  struct touch w = { a + PGSIZE + 3, 1, 'w' };
  spawn(&w, 1);
  expect_msg(fd, a + PGSIZE, UFFD_PAGEFAULT_FLAG_WRITE);
  CHECK(zeropage(fd, a + PGSIZE, PGSIZE, UFFDIO_ZEROPAGE_MODE_DONTWAKE, 0) == 0,
        "UFFDIO_ZEROPAGE DONTWAKE: %s", strerror(errno));
  still_blocked(&w, "a write after UFFDIO_ZEROPAGE_MODE_DONTWAKE");
  CHECK(wake(fd, a + PGSIZE, PGSIZE) == 0, "UFFDIO_WAKE: %s", strerror(errno));
  join(&w);
  CHECK(a[PGSIZE + 3] == 'w' && a[PGSIZE + 4] == 0, "the write after the zero page is lost");
  close(fd);
}

// UFFDIO_COPY, ZEROPAGE and WAKE: every error the man page lists.
static void
fill_errors(void)
{
  int fd = uffd_open(0, 0);
  char *a = map_anon(5 * PGSIZE), *b = map_anon(PGSIZE), *src = map_anon(3 * PGSIZE);
  memset(src, 's', 3 * PGSIZE);   // a's last page stays unregistered
  CHECK(reg(fd, a, 4 * PGSIZE, UFFDIO_REGISTER_MODE_MISSING) == 0, "REGISTER: %s", strerror(errno));
  int64 n;
  CHECK(copy(fd, a, src, PGSIZE, 0, &n) == 0 && n == PGSIZE, "UFFDIO_COPY: %s", strerror(errno));
  CHECK(copy(fd, a, src, PGSIZE, 0, &n) == -EEXIST && n == -EEXIST,
        "UFFDIO_COPY onto a present page: %s, copy %ld, not EEXIST", strerror(errno), n);
  CHECK(zeropage(fd, a + 2 * PGSIZE, PGSIZE, 0, 0) == 0, "UFFDIO_ZEROPAGE: %s", strerror(errno));
  CHECK(copy(fd, a + PGSIZE, src, 2 * PGSIZE, 0, &n) == -EAGAIN && n == PGSIZE,
        "UFFDIO_COPY of 2 pages, the second present: %s, copy %ld, not EAGAIN and %d",
        strerror(errno), n, PGSIZE);
  CHECK(a[PGSIZE] == 's', "the first page was not copied");
  CHECK(zeropage(fd, a, PGSIZE, 0, &n) == -EEXIST && n == -EEXIST,
        "UFFDIO_ZEROPAGE onto a present page: %s, %ld", strerror(errno), n);
  CHECK(copy(fd, a + 1, src, PGSIZE, 0, 0) == -EINVAL, "unaligned dst: not EINVAL");
  CHECK(copy(fd, a + 3 * PGSIZE, src, 100, 0, 0) == -EINVAL, "unaligned len: not EINVAL");
  CHECK(copy(fd, a + 3 * PGSIZE, src, 0, 0, 0) == -EINVAL, "len 0: not EINVAL");
  CHECK(copy(fd, a + 3 * PGSIZE, src, PGSIZE, 4, 0) == -EINVAL, "mode 4: not EINVAL");
  CHECK(copy(fd, a + 3 * PGSIZE, src, PGSIZE, UFFDIO_COPY_MODE_WP, 0) == -EINVAL,
        "UFFDIO_COPY_MODE_WP in a range without WP: not EINVAL");
  CHECK(copy(fd, a + 3 * PGSIZE, (void *)(MAXVA - PGSIZE), 2 * PGSIZE, 0, 0) == -EINVAL,
        "src past MAXVA: not EINVAL");
  CHECK(munmap(src + 2 * PGSIZE, PGSIZE) == 0, "munmap");
  CHECK(copy(fd, a + 3 * PGSIZE, src + 2 * PGSIZE, PGSIZE, 0, &n) == -EFAULT && n == -EFAULT,
        "an unmapped src: %s, not EFAULT", strerror(errno));
  CHECK(copy(fd, b, src, PGSIZE, 0, &n) == -ENOENT && n == -ENOENT,
        "UFFDIO_COPY into an unregistered region: %s, not ENOENT", strerror(errno));
  CHECK(copy(fd, a + 3 * PGSIZE, src, 2 * PGSIZE, 0, 0) == -ENOENT,
        "UFFDIO_COPY past the registered region: %s, not ENOENT", strerror(errno));
  CHECK(zeropage(fd, b, PGSIZE, 0, 0) == -ENOENT, "UFFDIO_ZEROPAGE unregistered: not ENOENT");
  CHECK(zeropage(fd, a + 3 * PGSIZE, PGSIZE, 2, 0) == -EINVAL, "ZEROPAGE mode 2: not EINVAL");
  CHECK(zeropage(fd, a + 3 * PGSIZE + 8, PGSIZE, 0, 0) == -EINVAL, "ZEROPAGE unaligned: not EINVAL");
  CHECK(zeropage(fd, a + 3 * PGSIZE, 0, 0, 0) == -EINVAL, "ZEROPAGE len 0: not EINVAL");
  CHECK(wake(fd, a + 8, PGSIZE) == -EINVAL && wake(fd, a, 0) == -EINVAL, "UFFDIO_WAKE: not EINVAL");
  CHECK(io(fd, UFFDIO_COPY, (void *)MAXVA) == -EFAULT, "UFFDIO_COPY bad pointer: not EFAULT");
  CHECK(io(fd, UFFDIO_WAKE, (void *)(MAXVA - 8)) == -EFAULT, "UFFDIO_WAKE bad pointer: not EFAULT");
  close(fd);
}

// Exec'd by esrch: the descriptor's process is gone.
static int
esrch_child(int fd)
{
  testname = "esrch";
  char *a = map_anon(PGSIZE);
  CHECK(copy(fd, a, a, PGSIZE, 0, 0) == -ESRCH, "UFFDIO_COPY: %s, not ESRCH", strerror(errno));
  CHECK(zeropage(fd, a, PGSIZE, 0, 0) == -ESRCH, "UFFDIO_ZEROPAGE: %s, not ESRCH", strerror(errno));
  CHECK(writeprotect(fd, a, PGSIZE, 1) == -ESRCH, "UFFDIO_WRITEPROTECT: %s, not ESRCH", strerror(errno));
  CHECK(reg(fd, a, PGSIZE, 1) == -ENOMEM, "UFFDIO_REGISTER: %s, not ENOMEM", strerror(errno));
  close(fd);
  return 0;
}

// The process whose faults a descriptor serves has gone (exec replaced
// its memory): ESRCH, as in Linux since 4.13.
static void
esrch(void)
{
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    char num[12];
    snprintf(num, sizeof(num), "%d", uffd_open(0, 0));
    char *argv[] = { "uffdtest", "_esrch", num, 0 };
    exec("/uffdtest", argv);
    CHECK(0, "exec: %s", strerror(errno));
  }
  CHECK(reap(pid) == 0, "the exec'd check failed");
}

// Write-protect mode: the fault message, un-protect and wake, DONTWAKE
// and UFFDIO_WAKE, UFFDIO_COPY_MODE_WP; the bit in pagemap (57) and in
// the PTE.
static void
wp(void)
{
  int fd = uffd_open(O_NONBLOCK, 0);
  char *a = map_anon(2 * PGSIZE), *src = map_anon(PGSIZE);
  a[0] = 'a';
  CHECK(reg(fd, a, PGSIZE, UFFDIO_REGISTER_MODE_WP) == 0, "REGISTER WP: %s", strerror(errno));
  CHECK(!(pm(a) & PM_UFFD_WP), "uffd-wp before UFFDIO_WRITEPROTECT");
  CHECK(writeprotect(fd, a, PGSIZE, UFFDIO_WRITEPROTECT_MODE_WP) == 0, "protect: %s", strerror(errno));
  uint64 pte = pte_of(a);
  CHECK((pm(a) & PM_UFFD_WP) && (pte & PTE_UFFD_WP) && !(pte & PTE_W),
        "protected: pagemap %lx pte %lx", pm(a), pte);
  CHECK(a[0] == 'a', "a read of a protected page");
  no_msg(fd, "after a read of a protected page");

  struct touch t = { a + 1, 1, 'b' };
  spawn(&t, 0);
  expect_msg(fd, a, UFFD_PAGEFAULT_FLAG_WRITE | UFFD_PAGEFAULT_FLAG_WP);
  still_blocked(&t, "a write to a protected page");
  CHECK(a[1] == 0, "the write went through the protection");
  CHECK(writeprotect(fd, a, PGSIZE, 0) == 0, "un-protect: %s", strerror(errno));
  join(&t);
  CHECK(a[1] == 'b' && !(pm(a) & PM_UFFD_WP), "after un-protect: %d, pagemap %lx", a[1], pm(a));

  CHECK(writeprotect(fd, a, PGSIZE, UFFDIO_WRITEPROTECT_MODE_WP) == 0, "protect: %s", strerror(errno));
  t.addr = a + 2;
  t.val = 'c';
  spawn(&t, 0);
  expect_msg(fd, a, UFFD_PAGEFAULT_FLAG_WRITE | UFFD_PAGEFAULT_FLAG_WP);
  CHECK(writeprotect(fd, a, PGSIZE, UFFDIO_WRITEPROTECT_MODE_DONTWAKE) == 0, "un-protect DONTWAKE: %s",
        strerror(errno));
  still_blocked(&t, "a write after un-protect with DONTWAKE");
  CHECK(wake(fd, a, PGSIZE) == 0, "UFFDIO_WAKE: %s", strerror(errno));
  join(&t);
  CHECK(a[2] == 'c', "the write after UFFDIO_WAKE is lost");

  // A page copied in write-protected: its first write goes to the monitor.
  char *b = a + PGSIZE;
  memset(src, 'p', PGSIZE);
  CHECK(reg(fd, b, PGSIZE, UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP) == 0,
        "REGISTER MISSING|WP: %s", strerror(errno));
  CHECK(copy(fd, b, src, PGSIZE, UFFDIO_COPY_MODE_WP, 0) == 0, "UFFDIO_COPY_MODE_WP: %s", strerror(errno));
  CHECK((pm(b) & PM_UFFD_WP) && b[9] == 'p', "UFFDIO_COPY_MODE_WP: pagemap %lx", pm(b));
  t.addr = b + 9;
  t.val = 'q';
  spawn(&t, 0);
  expect_msg(fd, b, UFFD_PAGEFAULT_FLAG_WRITE | UFFD_PAGEFAULT_FLAG_WP);
  CHECK(writeprotect(fd, b, PGSIZE, 0) == 0, "un-protect: %s", strerror(errno));
  join(&t);
  CHECK(b[9] == 'q', "the write after un-protect is lost");
  close(fd);
}

// UFFDIO_WRITEPROTECT's errors.
static void
wp_errors(void)
{
  int fd = uffd_open(0, 0);
  char *a = map_anon(3 * PGSIZE), *c = map_anon(PGSIZE);
  CHECK(reg(fd, a, PGSIZE, UFFDIO_REGISTER_MODE_MISSING) == 0, "REGISTER: %s", strerror(errno));
  CHECK(reg(fd, a + PGSIZE, PGSIZE, UFFDIO_REGISTER_MODE_WP) == 0, "REGISTER WP: %s", strerror(errno));
  uint64 WP = UFFDIO_WRITEPROTECT_MODE_WP;
  CHECK(writeprotect(fd, a, PGSIZE, WP) == -ENOENT, "a range without WP: not ENOENT");
  CHECK(writeprotect(fd, c, PGSIZE, WP) == -ENOENT, "an unregistered range: not ENOENT");
  CHECK(writeprotect(fd, a + PGSIZE, 2 * PGSIZE, WP) == -ENOENT, "past the WP range: not ENOENT");
  CHECK(writeprotect(fd, a + PGSIZE, PGSIZE, WP | UFFDIO_WRITEPROTECT_MODE_DONTWAKE) == -EINVAL,
        "WP with DONTWAKE: not EINVAL");
  CHECK(writeprotect(fd, a + PGSIZE, PGSIZE, 4) == -EINVAL, "mode 4: not EINVAL");
  CHECK(writeprotect(fd, a + PGSIZE + 1, PGSIZE, WP) == -EINVAL, "unaligned: not EINVAL");
  CHECK(writeprotect(fd, a + PGSIZE, 0, WP) == -EINVAL, "len 0: not EINVAL");
  CHECK(io(fd, UFFDIO_WRITEPROTECT, (void *)MAXVA) == -EFAULT, "bad pointer: not EFAULT");
  CHECK(writeprotect(fd, a + PGSIZE, PGSIZE, WP) == 0, "protect (nothing mapped): %s", strerror(errno));
  close(fd);
}

// Several threads fault on two pages at once; the monitor fills each
// page once (a second UFFDIO_COPY of it is EEXIST), which wakes every
// thread waiting for it, whether or not its message was read.
static void
many_threads(void)
{
  int fd = uffd_open(O_NONBLOCK, 0);
  char *a = map_anon(2 * PGSIZE), *src = map_anon(PGSIZE);
  memset(src, 'm', PGSIZE);
  CHECK(reg(fd, a, 2 * PGSIZE, UFFDIO_REGISTER_MODE_MISSING) == 0, "REGISTER: %s", strerror(errno));
  struct touch t[NT];
  for(int i = 0; i < NT; i++){
    t[i] = (struct touch){ a + (i % 2) * PGSIZE + 8 * i, i >= 2, 'A' + i };
    spawn(&t[i], i);
  }
  int msgs = 0, copies = 0, w = watchdog(300, "serving the faults");
  for(;;){
    int done = 0;
    for(int i = 0; i < NT; i++)
      done += t[i].done;
    struct uffd_msg m;
    int n = read(fd, &m, sizeof(m));
    if(n < 0 && done == NT)
      break;
    if(n < 0){
      CHECK(errno == EAGAIN, "read: %s", strerror(errno));
      sleep(1);
      continue;
    }
    msgs++;
    int r = copy(fd, (void *)m.arg.pagefault.address, src, PGSIZE, 0, 0);
    CHECK(r == 0 || r == -EEXIST, "UFFDIO_COPY: %s", strerror(-r));
    copies += r == 0;
  }
  watchdog_stop(w);
  for(int i = 0; i < NT; i++){
    join(&t[i]);
    CHECK(t[i].write ? a[(i % 2) * PGSIZE + 8 * i] == 'A' + i : t[i].seen == 'm',
          "thread %d: wrong data", i);
  }
  CHECK(copies == 2 && msgs >= 2, "%d messages, %d copies", msgs, copies);
  close(fd);
}

// UNREGISTER wakes a waiting fault, which then finds an ordinary region.
static void
unregister_wakes(void)
{
  int fd = uffd_open(O_NONBLOCK, 0);
  char *a = map_anon(PGSIZE);
  CHECK(reg(fd, a, PGSIZE, UFFDIO_REGISTER_MODE_MISSING) == 0, "REGISTER: %s", strerror(errno));
  struct touch t = { a + 5, 0 };
  t.seen = 1;
  spawn(&t, 0);
  expect_msg(fd, a, 0);
  CHECK(unreg(fd, a, PGSIZE) == 0, "UNREGISTER: %s", strerror(errno));
  join(&t);
  CHECK(t.seen == 0, "the read after UNREGISTER saw %d", t.seen);
  close(fd);
}

// Closing the descriptor releases the waiting faults (they go on as
// ordinary faults) and unregisters the ranges, uffd-wp bits too.
static void
close_releases(void)
{
  int w2 = watchdog(100, "the faults after close");   // before the descriptor: forks
  int fd = uffd_open(O_NONBLOCK, 0);
  char *a = map_anon(3 * PGSIZE);
  a[PGSIZE] = 'q';
  a[2 * PGSIZE] = 'u';   // protected, and not written
  CHECK(reg(fd, a, 3 * PGSIZE, UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP) == 0,
        "REGISTER: %s", strerror(errno));
  CHECK(writeprotect(fd, a + PGSIZE, 2 * PGSIZE, UFFDIO_WRITEPROTECT_MODE_WP) == 0, "protect: %s",
        strerror(errno));
  struct touch r = { a, 0 }, w = { a + PGSIZE + 1, 1, 'r' };
  r.seen = 1;
  spawn(&r, 0);
  spawn(&w, 1);
  struct uffd_msg m1 = get_msg(fd), m2 = get_msg(fd);
  CHECK(m1.arg.pagefault.address + m2.arg.pagefault.address == 2 * (uint64)a + PGSIZE,
        "messages for %lx and %lx", m1.arg.pagefault.address, m2.arg.pagefault.address);
  close(fd);
  join(&r);
  join(&w);
  watchdog_stop(w2);
  CHECK(r.seen == 0 && a[PGSIZE + 1] == 'r', "after close: read %d, write %d", r.seen, a[PGSIZE + 1]);
  CHECK(!(pm(a + 2 * PGSIZE) & PM_UFFD_WP), "the uffd-wp bit outlived the descriptor");
  fd = uffd_open(0, 0);
  CHECK(reg(fd, a, 2 * PGSIZE, UFFDIO_REGISTER_MODE_MISSING) == 0, "REGISTER after close: %s",
        strerror(errno));
  close(fd);
}

static int
reader(void *arg)
{
  struct uffd_msg m;
  read(*(int *)arg, &m, sizeof(m));
  return 0;
}

// A process exits with faults outstanding and its monitor thread blocked
// in read(); a monitor process exits without resolving a fault. Neither
// hangs, and nothing leaks (the "freed" test after this one).
static void
exit_outstanding(void)
{
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    int fd = uffd_open(O_NONBLOCK, 0);
    char *a = map_anon(3 * PGSIZE);
    a[2 * PGSIZE] = 'p';
    CHECK(reg(fd, a, 3 * PGSIZE, UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP) == 0,
          "REGISTER: %s", strerror(errno));
    CHECK(writeprotect(fd, a + 2 * PGSIZE, PGSIZE, UFFDIO_WRITEPROTECT_MODE_WP) == 0, "protect");
    struct touch t[3] = { { a, 0 }, { a + PGSIZE, 1, 'x' }, { a + 2 * PGSIZE, 1, 'y' } };
    for(int i = 0; i < 3; i++)
      spawn(&t[i], i);
    for(int i = 0; i < 3; i++)
      get_msg(fd);
    CHECK(thread_spawn(reader, &fd, stacks[3], STACK) > 0, "thread_spawn");
    sleep(2);
    exit(7);
  }
  int w = watchdog(100, "exit with faults outstanding");
  CHECK(reap(pid) == 7, "the process with faults outstanding did not exit(7)");

  int fd = uffd_open(O_NONBLOCK, 0);
  char *a = map_anon(PGSIZE);
  CHECK(reg(fd, a, PGSIZE, UFFDIO_REGISTER_MODE_MISSING) == 0, "REGISTER: %s", strerror(errno));
  pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){   // the monitor: reads the fault and leaves
    get_msg(fd);
    exit(0);
  }
  close(fd);   // the monitor's is the last reference
  struct touch t = { a, 0 };
  t.seen = 1;
  spawn(&t, 0);
  join(&t);
  CHECK(t.seen == 0 && reap(pid) == 0, "the monitor's exit did not release the fault");
  watchdog_stop(w);
}

// fork: the child's regions are not registered and its PTEs have no
// uffd-wp bit (Linux without UFFD_FEATURE_EVENT_FORK); the parent's stay.
static void
fork_wp(void)
{
  int fd = uffd_open(O_NONBLOCK, 0);
  char *a = map_anon(2 * PGSIZE);
  a[0] = 'a';
  CHECK(reg(fd, a, 2 * PGSIZE, UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP) == 0,
        "REGISTER: %s", strerror(errno));
  CHECK(writeprotect(fd, a, PGSIZE, UFFDIO_WRITEPROTECT_MODE_WP) == 0, "protect: %s", strerror(errno));
  int w = watchdog(100, "the child's faults");
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    CHECK(!(pm(a) & PM_UFFD_WP), "the child's PTE kept the uffd-wp bit");
    a[0] = 'c';
    CHECK(a[PGSIZE] == 0, "the child's missing page");
    exit(0);
  }
  CHECK(reap(pid) == 0, "the child failed");
  watchdog_stop(w);
  CHECK((pm(a) & PM_UFFD_WP) && a[0] == 'a', "the parent's page: pagemap %lx, %c", pm(a), a[0]);
  no_msg(fd, "after the child's faults");
  close(fd);
}

// A kernel access to addr in a thread of its own (it may wait for the
// monitor, or, in a broken kernel, for ever).
struct kjob {
  char *addr;
  enum { PIN, WRITE, MEMWRITE } what;
  int fd;         // PIN: pin_user_pages' descriptor; WRITE: the pipe
  int r, err;     // the call's result and errno
  volatile int done;
};

static int
kaccess(void *arg)
{
  struct kjob *j = arg;
  switch(j->what){
  case PIN:      j->r = j->fd = pin_user_pages(j->addr, PGSIZE, 0); break;
  case WRITE:    j->r = write(j->fd, j->addr, 10); break;
  case MEMWRITE: j->r = memwrite(0, j->addr, "x", 1); break;
  }
  j->err = errno;
  j->done = 1;
  return 0;
}

static void
kjob(struct kjob *j, int i)
{
  CHECK(thread_spawn(kaccess, j, stacks[i], STACK) > 0, "thread_spawn: %s", strerror(errno));
}

// GUP and kernel copies on a registered range, as in Linux: a pin and
// write()'s copy wait for the monitor; memwrite (FOLL_FORCE, like
// /proc/PID/mem) fails with EFAULT; a read-only pin of a write-protected
// page is no write; with UFFD_USER_MODE_ONLY a kernel copy fails.
static void
gup(void)
{
  int fd = uffd_open(O_NONBLOCK, 0);
  char *a = map_anon(4 * PGSIZE), *src = map_anon(PGSIZE);
  memset(src, 'g', PGSIZE);
  a[3 * PGSIZE] = 'z';
  CHECK(reg(fd, a, 3 * PGSIZE, UFFDIO_REGISTER_MODE_MISSING) == 0, "REGISTER: %s", strerror(errno));
  CHECK(reg(fd, a + 3 * PGSIZE, PGSIZE, UFFDIO_REGISTER_MODE_WP) == 0, "REGISTER: %s", strerror(errno));

  struct kjob j = { a, PIN };
  kjob(&j, 0);
  expect_msg(fd, a, 0);
  CHECK(!j.done, "pin_user_pages did not wait");
  CHECK(copy(fd, a, src, PGSIZE, 0, 0) == 0, "UFFDIO_COPY: %s", strerror(errno));
  wait_done(&j.done, "pin_user_pages");
  CHECK(j.fd >= 0 && device_byte(j.fd, 0) == 'g', "the pin: %d", j.fd);
  close(j.fd);

  int p[2];
  CHECK(pipe(p) == 0, "pipe");
  struct kjob k = { a + PGSIZE, WRITE, p[1] };
  kjob(&k, 1);
  expect_msg(fd, a + PGSIZE, 0);
  CHECK(copy(fd, a + PGSIZE, src, PGSIZE, 0, 0) == 0, "UFFDIO_COPY: %s", strerror(errno));
  char buf[10];
  CHECK(read(p[0], buf, 10) == 10 && buf[9] == 'g', "write() from the page");
  wait_done(&k.done, "write() from the page");
  CHECK(k.r == 10, "write: %d", k.r);

  struct kjob m = { a + 2 * PGSIZE, MEMWRITE };
  kjob(&m, 2);
  wait_done(&m.done, "memwrite");
  CHECK(m.r < 0 && m.err == EFAULT, "memwrite: %d, not EFAULT", m.r);
  no_msg(fd, "after memwrite");

  CHECK(writeprotect(fd, a + 3 * PGSIZE, PGSIZE, UFFDIO_WRITEPROTECT_MODE_WP) == 0, "protect");
  int pfd = pin_user_pages(a + 3 * PGSIZE, PGSIZE, 0);
  CHECK(pfd >= 0 && device_byte(pfd, 0) == 'z', "read-only pin of a protected page: %d", pfd);
  close(pfd);
  no_msg(fd, "after a read-only pin");
  close(fd);

  fd = uffd_open(O_NONBLOCK | UFFD_USER_MODE_ONLY, 0);
  CHECK(reg(fd, a + 2 * PGSIZE, PGSIZE, UFFDIO_REGISTER_MODE_MISSING) == 0, "REGISTER: %s", strerror(errno));
  struct kjob u = { a + 2 * PGSIZE, WRITE, p[1] };
  kjob(&u, 3);
  wait_done(&u.done, "UFFD_USER_MODE_ONLY: write() from the page");
  CHECK(u.r < 0 && u.err == EFAULT, "UFFD_USER_MODE_ONLY: the kernel's copy did not fail with EFAULT");
  no_msg(fd, "after the kernel's copy");
  struct touch t = { a + 2 * PGSIZE, 0 };
  spawn(&t, 4);
  expect_msg(fd, a + 2 * PGSIZE, 0);
  CHECK(zeropage(fd, a + 2 * PGSIZE, PGSIZE, 0, 0) == 0, "UFFDIO_ZEROPAGE: %s", strerror(errno));
  join(&t);
  close(fd);
  close(p[0]);
  close(p[1]);
}

static struct test tests[] = {
  { api, "api" },
  { register_errors, "register_errors" },
  { missing_copy, "missing_copy" },
  { missing_zeropage, "missing_zeropage" },
  { fill_errors, "fill_errors" },
  { esrch, "esrch" },
  { wp, "wp" },
  { wp_errors, "wp_errors" },
  { many_threads, "many_threads" },
  { unregister_wakes, "unregister_wakes" },
  { close_releases, "close_releases" },
  { exit_outstanding, "exit_outstanding" },
  { fork_wp, "fork_wp" },
  { gup, "gup" },
};

int
main(int argc, char *argv[])
{
  if(argc == 3 && strcmp(argv[1], "_esrch") == 0)
    exit(esrch_child(atoi(argv[2])));
  exit(run_tests("uffdtest", tests, NELEM(tests), argc, argv, 0) != 0);
}
