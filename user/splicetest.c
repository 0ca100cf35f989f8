// splicetest: vmsplice. The pipe holds references to user pages, not
// copies: a read returns a page's contents at the time of the read. Pipes
// mix ordinary writes and spliced pages in order. (CVE-2020-29374, the
// leak through a spliced page shared after fork: the vmsplice_leak
// reproducer, which saga runs.)
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/vmmap.h"
#include "user/user.h"
#include "user/testlib.h"


static int
refcount(void *va)
{
  return page_info_of(va)->refcount;
}

static void
readn(int fd, char *buf, int n)
{
  for(int got = 0, r; got < n; got += r)
    CHECK((r = read(fd, buf + got, n - got)) > 0, "pipe read: %s", strerror(errno));
}

// References, not copies; released when read.
static void
by_reference(void)
{
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  char *p = map_anon(2 * PGSIZE);
  memset(p, 'a', 2 * PGSIZE);
  CHECK(vmsplice(fds[1], p + 100, PGSIZE, 0) == PGSIZE, "vmsplice: %s", strerror(errno));
  CHECK(refcount(p) == 2 && refcount(p + PGSIZE) == 2, "the pipe holds no references: %d %d",
        refcount(p), refcount(p + PGSIZE));
  p[100] = 'b';                 // after the splice, before the read
  p[PGSIZE + 99] = 'c';
  static char buf[PGSIZE];
  readn(fds[0], buf, PGSIZE);
  CHECK(buf[0] == 'b' && buf[PGSIZE - 1] == 'c', "the pipe gave a copy from vmsplice time");
  CHECK(buf[1] == 'a', "wrong bytes");
  CHECK(refcount(p) == 1 && refcount(p + PGSIZE) == 1, "references not dropped after the read");

  // Unread references go when the pipe is closed.
  CHECK(vmsplice(fds[1], p, 10, 0) == 10, "vmsplice");
  close(fds[0]);
  close(fds[1]);
  CHECK(refcount(p) == 1, "closing the pipe kept a reference");
}

// Ordinary writes and spliced pages come out in order.
static void
mixed(void)
{
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  char *p = map_anon(1 * PGSIZE);
  memcpy(p, "PAGE", 4);
  CHECK(write(fds[1], "abc", 3) == 3, "write");
  CHECK(vmsplice(fds[1], p, 4, 0) == 4, "vmsplice");
  CHECK(vmsplice(fds[1], p + 1, 3, 0) == 3, "vmsplice");   // no write in between
  CHECK(write(fds[1], "xyz", 3) == 3, "write");
  char buf[16];
  for(int got = 0; got < 13; got += 2)   // reads that end inside each piece
    readn(fds[0], buf + got, got < 12 ? 2 : 1);
  CHECK(memcmp(buf, "abcPAGEAGExyz", 13) == 0, "out of order: %s", buf);
  // A full pipe blocks vmsplice until a reader makes room.
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    for(int i = 0; i < 40; i++)
      CHECK(vmsplice(fds[1], p, 4, 0) == 4, "vmsplice %d", i);
    exit(0);
  }
  for(int i = 0; i < 40; i++){
    readn(fds[0], buf, 4);
    CHECK(memcmp(buf, "PAGE", 4) == 0, "splice %d", i);
  }
  CHECK(reap(pid) == 0, "child failed");
}

// Read-only regions splice as they are, private or shared: there is no
// COW to break where nobody may write (not even where read GUPs break
// COW, in 5.8), and the pipe sees the file's page.
static void
readonly(void)
{
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  close(page_file("splice.f", 'r'));
  int fd = open("splice.f", O_RDONLY);
  CHECK(fd >= 0, "open");
  char *priv = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  char *shared = mmap(0, PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  CHECK(priv != MAP_FAILED && shared != MAP_FAILED, "mmap: %s", strerror(errno));
  int dog = watchdog(50, "vmsplice of a read-only page");   // a COW break there never settles
  CHECK(vmsplice(fds[1], priv, 4, 0) == 4, "vmsplice of a private read-only page: %s",
        strerror(errno));
  CHECK(vmsplice(fds[1], shared + 4, 4, 0) == 4, "vmsplice of a shared read-only page: %s",
        strerror(errno));
  watchdog_stop(dog);
  char buf[8];
  readn(fds[0], buf, 8);
  CHECK(memcmp(buf, "rrrrrrrr", 8) == 0, "wrong bytes");
  munmap(priv, PGSIZE);
  munmap(shared, PGSIZE);
  close(fd);
  close(fds[0]);
  close(fds[1]);
  unlink("splice.f");
}

// A shared file mapping has no COW either, writable or not: a read GUP
// of a clean page leaves it clean and write-protected, so writeback still
// sees the next write (do_shared_wp). Only a write may dirty it.
static void
shared_clean(void)
{
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  int fd = page_file("splice.f", 's');
  char *m = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED, "mmap: %s", strerror(errno));
  CHECK(m[0] == 's', "wrong bytes");   // mapped clean and read-only
  CHECK(vmsplice(fds[1], m, 4, 0) == 4, "vmsplice: %s", strerror(errno));
  struct page_info pi;
  CHECK(pageinfo(0, m, 1, &pi) == 1, "pageinfo");
  CHECK(!(pi.flags & PI_DIRTY), "vmsplice dirtied a clean page of a shared file mapping");
  CHECK(!(pi.pte & PTE_W), "vmsplice made a clean shared file page writable");
  char buf[4];
  readn(fds[0], buf, 4);
  CHECK(memcmp(buf, "ssss", 4) == 0, "wrong bytes from the pipe");
  munmap(m, PGSIZE);
  close(fd);
  close(fds[0]);
  close(fds[1]);
  unlink("splice.f");
}

static void
errors(void)
{
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  char *p = map_anon(1 * PGSIZE);
  errno = 0;
  CHECK(vmsplice(fds[0], p, 1, 0) == -1 && errno == EBADF, "the read end: errno %d", errno);
  int fd = open("console", O_RDWR);
  errno = 0;
  CHECK(vmsplice(fd, p, 1, 0) == -1 && errno == EBADF, "not a pipe: errno %d", errno);
  close(fd);
  errno = 0;
  CHECK(vmsplice(fds[1], p, 1, 0x100) == -1 && errno == EINVAL, "bad flags: errno %d", errno);
  munmap(p, PGSIZE);
  errno = 0;
  CHECK(vmsplice(fds[1], p, 1, 0) == -1 && errno == EFAULT, "unmapped: errno %d", errno);
  CHECK(vmsplice(fds[1], p, 0, 0) == 0, "length 0");
  close(fds[0]);
  errno = 0;
  int dog = watchdog(50, "vmsplice of read-only text");
  CHECK(vmsplice(fds[1], "x", 1, 0) == -1 && errno == EPIPE, "no reader: errno %d", errno);
  watchdog_stop(dog);
}

static struct test tests[] = {
  { by_reference, "by_reference" },
  { mixed, "mixed" },
  { readonly, "readonly" },
  { shared_clean, "shared_clean" },
  { errors, "errors" },
};

int
main(int argc, char *argv[])
{
  exit(run_tests("splicetest", tests, NELEM(tests), argc, argv, 0) != 0);
}
