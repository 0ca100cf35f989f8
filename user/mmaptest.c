// mmaptest: mmap, munmap, mprotect, madvise, msync and fsync, with Linux's
// semantics (man 2 mmap and friends).
//
// Each test prints "mmaptest: running NAME" and then "test NAME: OK" or
// "test NAME: FAILED", like usertests and cowtest; a failing test says why
// on a line starting "NAME: ". `mmaptest` runs the default set, `mmaptest
// NAME` one test. A process that touches an unmapped or PROT_NONE page, or
// writes a read-only mapping, must be killed (exit status -1): such
// accesses are made in a forked child. Files live in the directory "mmt",
// created and removed by this program (the xv6 file system allows files of
// 268 KiB and 200 inodes in all, so they are small and few).
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/vmstat.h"
#include "kernel/vmmap.h"
#include "user/user.h"
#include "user/testlib.h"

#define RW (PROT_READ|PROT_WRITE)
#define DIR "mmt"

// A call that must fail with errno e (works for mmap's MAP_FAILED too).
#define FAILS(call, e) do { errno = 0; long r_ = (long)(call); \
    CHECK(r_ == -1 && errno == (e), "%s returned %ld, errno %s; want -1, %s", \
          #call, r_, r_ == -1 ? strerror(errno) : "-", strerror(e)); } while(0)
#define OK(call) do { errno = 0; long r_ = (long)(call); \
    CHECK(r_ == 0, "%s returned %ld (%s), want 0", #call, r_, strerror(errno)); } while(0)

// The exit status of a child that reads (or writes) the byte at p:
// -1 if the access killed it, 0 if it survived.
static int
access_in_child(char *p, int write)
{
  int pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    if(write)
      *(volatile char *)p = 'w';
    else
      (void)*(volatile char *)p;
    exit(0);
  }
  return reap(pid);
}
#define KILLS_READ(p, what)  CHECK(access_in_child((p), 0) == -1, "reading %s did not kill", what)
#define KILLS_WRITE(p, what) CHECK(access_in_child((p), 1) == -1, "writing %s did not kill", what)

// Parent and child take turns through a pair of pipes.
static int c2p[2], p2c[2];
static void
pipes(void)
{
  CHECK(pipe(c2p) == 0 && pipe(p2c) == 0, "pipe: %s", strerror(errno));
}
static void
say(int *fds)
{
  CHECK(write(fds[1], "x", 1) == 1, "pipe write: %s", strerror(errno));
}
static void
hear(int *fds)
{
  char c;
  CHECK(read(fds[0], &c, 1) == 1, "pipe read: %s", strerror(errno));
}

// A mapping that must succeed, at an address the kernel chooses.
static char *
map(uint64 len, int prot, int flags, int fd, uint64 off)
{
  errno = 0;
  char *p = mmap(0, len, prot, flags, fd, off);
  CHECK(p != MAP_FAILED, "mmap(0, %lu, %d, 0x%x, %d, %lu) failed: %s",
        len, prot, flags, fd, off, strerror(errno));
  CHECK((uint64)p % PGSIZE == 0, "mmap returned the unaligned address %p", p);
  return p;
}

static char *
anon(uint64 len, int prot, int flags)
{
  return map(len, prot, flags | MAP_ANONYMOUS, -1, 0);
}

static void
unmap(void *p, uint64 len)
{
  CHECK(munmap(p, len) == 0, "munmap(%p, %lu): %s", p, len, strerror(errno));
}

// File contents: never 0 (so the zero fill past the end of a file shows)
// and different on every page.
static char
pat(int i)
{
  return 1 + i % 253;
}

static char buf[4*PGSIZE];

// A file of n bytes of pat().
static void
mkfile(char *path, int n)
{
  int fd = open(path, O_CREATE|O_TRUNC|O_RDWR);
  CHECK(fd >= 0, "create %s: %s", path, strerror(errno));
  CHECK(n <= sizeof(buf), "mkfile: %d bytes is too big", n);
  for(int i = 0; i < n; i++)
    buf[i] = pat(i);
  CHECK(write(fd, buf, n) == n, "write %s: %s", path, strerror(errno));
  close(fd);
}

static int
openf(char *path, int mode)
{
  int fd = open(path, mode);
  CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
  return fd;
}

// Reads the whole file (at most sizeof(buf)) into buf; returns its size.
static int
readfile(char *path)
{
  int fd = openf(path, O_RDONLY), n = 0, m = 0;
  while(n < sizeof(buf) && (m = read(fd, buf + n, sizeof(buf) - n)) > 0)
    n += m;
  CHECK(m >= 0, "read %s: %s", path, strerror(errno));
  close(fd);
  return n;
}

// Index of the first of n bytes at p that is not pat(from + i), or -1.
static int
badpat(char *p, int from, int n)
{
  for(int i = 0; i < n; i++)
    if(p[i] != pat(from + i))
      return i;
  return -1;
}

static int
allzero(char *p, int n)
{
  for(int i = 0; i < n; i++)
    if(p[i])
      return 0;
  return 1;
}

// Private anonymous memory: no pages until touched, zero on first read,
// writes stay, the length rounds up to pages, fd is ignored, and after
// munmap a touch kills and the pages are free again.
static void
anon_private(void)
{
  int n = 64;
  counter("nr_free_pages");   // the first call may copy our COW'd buffer
  int64 f0 = counter("nr_free_pages");
  char *p = anon(n*PGSIZE - 100, RW, MAP_PRIVATE);
  int64 f1 = counter("nr_free_pages");
  CHECK(f0 - f1 < 8, "mmap of %d pages used %d pages: not lazy", n, (int)(f0 - f1));
  for(int i = 0; i < n; i++)
    CHECK(allzero(p + i*PGSIZE, PGSIZE), "page %d is not zero on first read", i);
  for(int i = 0; i < n; i++)
    p[i*PGSIZE] = i + 1, p[i*PGSIZE + PGSIZE - 1] = i + 2;
  for(int i = 0; i < n; i++)
    CHECK(p[i*PGSIZE] == (char)(i + 1) && p[i*PGSIZE + PGSIZE - 1] == (char)(i + 2),
          "lost a write to page %d", i);
  int64 f2 = counter("nr_free_pages");
  CHECK(f1 - f2 >= n, "writing %d pages used only %d", n, (int)(f1 - f2));

  // fd is ignored for an anonymous mapping; mappings do not overlap.
  char *q = map(PGSIZE, RW, MAP_PRIVATE|MAP_ANONYMOUS, 7, 0);
  CHECK(q + PGSIZE <= p || q >= p + n*PGSIZE, "second mapping %p overlaps the first %p", q, p);
  CHECK(q[0] == 0, "second mapping not zero");
  q[0] = 'q';
  CHECK(p[0] == 1, "a write to the second mapping changed the first");

  f2 = counter("nr_free_pages");
  unmap(p, n*PGSIZE - 100);   // rounded up like mmap's length
  int64 f3 = counter("nr_free_pages");
  CHECK(f3 - f2 >= n, "munmap of %d written pages freed only %d", n, (int)(f3 - f2));
  KILLS_READ(p, "an unmapped page");
  KILLS_WRITE(p + (n-1)*PGSIZE, "the unmapped last page");
  CHECK(q[0] == 'q', "munmap of the first mapping changed the second");
  unmap(q, PGSIZE);
}

// After fork, a private mapping is copy-on-write: neither side sees the
// other's writes, including to pages first touched after the fork.
static void
anon_fork_private(void)
{
  char *p = anon(3*PGSIZE, RW, MAP_PRIVATE);
  p[0] = 'a';
  p[PGSIZE] = 'b';            // the third page stays untouched until after fork
  pipes();
  int pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    CHECK(p[0] == 'a' && p[PGSIZE] == 'b' && p[2*PGSIZE] == 0, "child does not see the parent's data");
    p[0] = 'c';
    p[2*PGSIZE] = 'c';
    say(c2p);
    hear(p2c);
    CHECK(p[0] == 'c' && p[2*PGSIZE] == 'c', "child lost its writes");
    CHECK(p[PGSIZE] == 'b', "child sees the parent's write after fork");
    exit(0);
  }
  hear(c2p);
  CHECK(p[0] == 'a' && p[2*PGSIZE] == 0, "parent sees the child's writes");
  p[PGSIZE] = 'p';
  say(p2c);
  CHECK(reap(pid) == 0, "child failed");
  CHECK(p[0] == 'a' && p[PGSIZE] == 'p' && p[2*PGSIZE] == 0, "parent's data changed");
  unmap(p, 3*PGSIZE);
}

// MAP_SHARED|MAP_ANONYMOUS: parent and child see each other's writes, also
// to pages neither had touched before the fork, and the pages outlive the
// child.
static void
anon_shared_fork(void)
{
  char *p = anon(3*PGSIZE, RW, MAP_SHARED);
  p[0] = 'a';
  pipes();
  int pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    CHECK(p[0] == 'a', "child does not see the parent's write before fork");
    p[1] = 'c';
    p[PGSIZE] = 'C';          // untouched until now
    say(c2p);
    hear(p2c);
    CHECK(p[2] == 'p', "child does not see the parent's write");
    CHECK(p[2*PGSIZE] == 'P', "child does not see the parent's write to a new page");
    exit(0);
  }
  hear(c2p);
  CHECK(p[1] == 'c', "parent does not see the child's write");
  CHECK(p[PGSIZE] == 'C', "parent does not see the child's write to a new page");
  p[2] = 'p';
  p[2*PGSIZE] = 'P';
  say(p2c);
  CHECK(reap(pid) == 0, "child failed");
  CHECK(p[0] == 'a' && p[1] == 'c' && p[2] == 'p' && p[PGSIZE] == 'C' && p[2*PGSIZE] == 'P',
        "shared data changed when the child exited");
  unmap(p, 3*PGSIZE);
}

// munmap of part of a mapping, of a hole, and across two mappings.
static void
partial_munmap(void)
{
  char *p = anon(3*PGSIZE, RW, MAP_PRIVATE);
  p[0] = 1; p[PGSIZE] = 2; p[2*PGSIZE] = 3;
  unmap(p + PGSIZE, PGSIZE);
  CHECK(p[0] == 1 && p[2*PGSIZE] == 3, "munmap of the middle page lost the others' data");
  p[0] = 4; p[2*PGSIZE] = 5;
  CHECK(p[0] == 4 && p[2*PGSIZE] == 5, "first and last pages not writable after munmap of the middle");
  KILLS_READ(p + PGSIZE, "the unmapped middle page");
  OK(munmap(p + PGSIZE, PGSIZE));   // unmapping nothing is not an error
  unmap(p, 3*PGSIZE);               // nor is a range with a hole
  KILLS_READ(p, "the unmapped first page");
  KILLS_READ(p + 2*PGSIZE, "the unmapped last page");

  // Two mappings side by side (private, then shared at a fixed address);
  // munmap of the middle two pages takes the end of one and the start of
  // the other.
  char *q = anon(4*PGSIZE, RW, MAP_PRIVATE);
  char *s = mmap(q + 2*PGSIZE, 2*PGSIZE, RW, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0);
  CHECK(s == q + 2*PGSIZE, "MAP_FIXED at %p returned %p (%s)", q + 2*PGSIZE, s, strerror(errno));
  for(int i = 0; i < 4; i++)
    q[i*PGSIZE] = i + 1;
  unmap(q + PGSIZE, 2*PGSIZE);
  CHECK(q[0] == 1 && q[3*PGSIZE] == 4, "munmap across two mappings lost the outer pages");
  KILLS_READ(q + PGSIZE, "the unmapped end of the first mapping");
  KILLS_READ(q + 2*PGSIZE, "the unmapped start of the second mapping");
  unmap(q, 4*PGSIZE);

  // The length rounds up: 1 byte unmaps a page.
  char *r = anon(2*PGSIZE, RW, MAP_PRIVATE);
  r[PGSIZE] = 'r';
  unmap(r, 1);
  KILLS_READ(r, "a page unmapped with length 1");
  CHECK(r[PGSIZE] == 'r', "munmap of 1 byte took the next page");
  unmap(r, 2*PGSIZE);
}

// MAP_FIXED replaces whatever is mapped in its range, MAP_FIXED_NOREPLACE
// fails on it; without either the address is only a hint.
static void
fixed(void)
{
  char *p = anon(4*PGSIZE, RW, MAP_PRIVATE);
  for(int i = 0; i < 4*PGSIZE; i += 512)
    p[i] = 'x';
  char *q = mmap(p + PGSIZE, 2*PGSIZE, RW, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0);
  CHECK(q == p + PGSIZE, "MAP_FIXED at %p returned %p (%s)", p + PGSIZE, q, strerror(errno));
  CHECK(allzero(q, 2*PGSIZE), "pages replaced by MAP_FIXED are not zero");
  CHECK(p[0] == 'x' && p[PGSIZE-512] == 'x' && p[3*PGSIZE] == 'x',
        "MAP_FIXED changed pages outside its range");
  q[0] = 'q';

  // A different kind and protection: a read-only shared page over the last.
  char *r = mmap(p + 3*PGSIZE, PGSIZE, PROT_READ, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0);
  CHECK(r == p + 3*PGSIZE, "MAP_FIXED read-only at %p returned %p (%s)", p + 3*PGSIZE, r, strerror(errno));
  CHECK(r[0] == 0, "read-only replacement page not zero");
  KILLS_WRITE(r, "a read-only page mapped with MAP_FIXED over a writable one");

  // A file over the first page.
  mkfile(DIR "/fixed", PGSIZE);
  int fd = openf(DIR "/fixed", O_RDONLY);
  char *f = mmap(p, PGSIZE, PROT_READ, MAP_PRIVATE|MAP_FIXED, fd, 0);
  CHECK(f == p, "MAP_FIXED file mapping at %p returned %p (%s)", p, f, strerror(errno));
  close(fd);
  CHECK(badpat(p, 0, PGSIZE) < 0, "file mapped with MAP_FIXED has the wrong bytes");

  // A hint at an occupied address must not replace anything.
  char *h = mmap(q, PGSIZE, RW, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  CHECK(h != MAP_FAILED, "mmap with an occupied hint failed: %s", strerror(errno));
  CHECK(h != q && q[0] == 'q', "a hint without MAP_FIXED replaced a mapping");
  unmap(h, PGSIZE);
  // An unaligned hint is no error either (Linux rounds it or ignores it).
  h = mmap(p + 5*PGSIZE + 123, PGSIZE, RW, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  CHECK(h != MAP_FAILED, "mmap with an unaligned hint failed: %s", strerror(errno));
  CHECK((uint64)h % PGSIZE == 0, "mmap returned the unaligned address %p", h);
  h[0] = 'h';
  unmap(h, PGSIZE);

  // MAP_FIXED_NOREPLACE (Linux 4.17): exactly at addr, but EEXIST rather
  // than replace a mapping; then MAP_FIXED's EINVAL for an unaligned addr.
  FAILS(mmap(q + PGSIZE, 2*PGSIZE, RW, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
  CHECK(q[0] == 'q' && r[0] == 0, "a failed MAP_FIXED_NOREPLACE changed the mappings");
  unmap(q, 2*PGSIZE);
  FAILS(mmap(q + 1, PGSIZE, RW, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0), EINVAL);
  char *n = mmap(q, 2*PGSIZE, RW, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0);
  CHECK(n == q, "MAP_FIXED_NOREPLACE into a hole at %p returned %p (%s)", q, n, strerror(errno));
  CHECK(allzero(n, 2*PGSIZE), "MAP_FIXED_NOREPLACE pages are not zero");
  unmap(p, 4*PGSIZE);
  unlink(DIR "/fixed");
}

// mprotect: read-only and no-access pages kill the accesses they forbid,
// the data survives, and changing part of a mapping splits it.
static void
mprotect_test(void)
{
  char *p = anon(3*PGSIZE, RW, MAP_PRIVATE);
  for(int i = 0; i < 3; i++)
    p[i*PGSIZE] = 'a' + i;
  OK(mprotect(p, 3*PGSIZE, PROT_READ));
  CHECK(p[0] == 'a' && p[2*PGSIZE] == 'c', "data changed by mprotect(PROT_READ)");
  KILLS_WRITE(p, "a PROT_READ page");
  KILLS_WRITE(p + 2*PGSIZE, "the last PROT_READ page");
  OK(mprotect(p, 3*PGSIZE, PROT_NONE));
  KILLS_READ(p, "a PROT_NONE page");
  KILLS_READ(p + PGSIZE, "another PROT_NONE page");
  OK(mprotect(p, 3*PGSIZE, RW));
  CHECK(p[0] == 'a' && p[PGSIZE] == 'b' && p[2*PGSIZE] == 'c', "data lost after PROT_NONE");
  p[0] = 'A';
  CHECK(p[0] == 'A', "write after mprotect(PROT_READ|PROT_WRITE) lost");

  // Only the middle page read-only: its neighbours stay writable.
  OK(mprotect(p + PGSIZE, PGSIZE, PROT_READ));
  p[0] = 'x';
  p[2*PGSIZE] = 'z';
  CHECK(p[PGSIZE] == 'b', "middle page not readable");
  KILLS_WRITE(p + PGSIZE, "the PROT_READ middle page");
  OK(mprotect(p + PGSIZE, PGSIZE, RW));
  p[PGSIZE] = 'y';
  CHECK(p[0] == 'x' && p[PGSIZE] == 'y' && p[2*PGSIZE] == 'z', "data lost splitting the mapping");

  // The length rounds up.
  OK(mprotect(p, 1, PROT_READ));
  KILLS_WRITE(p, "a page made PROT_READ with length 1");
  p[PGSIZE] = 'Y';
  unmap(p, 3*PGSIZE);
}

// MADV_DONTNEED drops private pages (zero again for anonymous memory, the
// file's bytes for a file); shared pages keep their data.
static void
madv_dontneed(void)
{
  char *p = anon(3*PGSIZE, RW, MAP_PRIVATE);
  for(int i = 0; i < 3*PGSIZE; i += 256)
    p[i] = 'a';
  counter("nr_free_pages");
  int64 f0 = counter("nr_free_pages");
  OK(madvise(p, 2*PGSIZE, MADV_DONTNEED));
  int64 f1 = counter("nr_free_pages");
  CHECK(f1 - f0 >= 2, "MADV_DONTNEED of 2 written pages freed %d", (int)(f1 - f0));
  CHECK(allzero(p, 2*PGSIZE), "private anonymous pages not zero after MADV_DONTNEED");
  CHECK(p[2*PGSIZE] == 'a', "MADV_DONTNEED of two pages changed the third");
  p[0] = 'b';
  CHECK(p[0] == 'b', "write after MADV_DONTNEED lost");
  OK(madvise(p, 3*PGSIZE, MADV_NORMAL));
  // A range with a hole: ENOMEM, but the mapped pages are dropped all the
  // same (Linux's madvise(2), NOTES).
  p[0] = p[2*PGSIZE] = 'c';
  unmap(p + PGSIZE, PGSIZE);
  FAILS(madvise(p, 3*PGSIZE, MADV_DONTNEED), ENOMEM);
  CHECK(p[0] == 0 && p[2*PGSIZE] == 0, "MADV_DONTNEED across a hole kept the mapped pages");
  unmap(p, 3*PGSIZE);

  char *s = anon(PGSIZE, RW, MAP_SHARED);
  s[0] = 's';
  OK(madvise(s, PGSIZE, MADV_DONTNEED));
  CHECK(s[0] == 's', "shared anonymous page lost its data to MADV_DONTNEED");
  unmap(s, PGSIZE);

  mkfile(DIR "/dontneed", 2*PGSIZE);
  int fd = openf(DIR "/dontneed", O_RDWR);
  char *m = map(2*PGSIZE, RW, MAP_SHARED, fd, 0);
  m[3] = 'm';
  OK(madvise(m, 2*PGSIZE, MADV_DONTNEED));
  CHECK(m[3] == 'm', "shared file page lost a write to MADV_DONTNEED");
  CHECK(badpat(m + 4, 4, 2*PGSIZE - 4) < 0, "shared file pages changed by MADV_DONTNEED");

  char *v = map(2*PGSIZE, RW, MAP_PRIVATE, fd, 0);
  v[5] = 'v';
  OK(madvise(v, 2*PGSIZE, MADV_DONTNEED));
  CHECK(v[5] == pat(5), "private file page kept its private write after MADV_DONTNEED");
  CHECK(v[3] == 'm', "private file page does not show the file's data after MADV_DONTNEED");
  close(fd);
  unmap(m, 2*PGSIZE);
  unmap(v, 2*PGSIZE);
  unlink(DIR "/dontneed");
}

// A MADV_DONTFORK range is missing in a child (touching it kills) while the
// rest is there; MADV_DOFORK puts it back.
static void
madv_dontfork(void)
{
  char *p = anon(3*PGSIZE, RW, MAP_PRIVATE);
  p[0] = 'a'; p[PGSIZE] = 'b'; p[2*PGSIZE] = 'c';
  OK(madvise(p + PGSIZE, PGSIZE, MADV_DONTFORK));
  int pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    CHECK(p[0] == 'a' && p[2*PGSIZE] == 'c', "child lacks the pages around the MADV_DONTFORK one");
    exit(0);
  }
  CHECK(reap(pid) == 0, "child failed");
  KILLS_READ(p + PGSIZE, "a MADV_DONTFORK page in a child");
  CHECK(p[PGSIZE] == 'b', "parent lost its MADV_DONTFORK page");
  OK(madvise(p + PGSIZE, PGSIZE, MADV_DOFORK));
  pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    CHECK(p[PGSIZE] == 'b', "child lacks the page after MADV_DOFORK");
    exit(0);
  }
  CHECK(reap(pid) == 0, "child failed");
  unmap(p, 3*PGSIZE);
}

// A MADV_WIPEONFORK range reads as zeros in a child (Linux 4.14), which
// keeps the advice for its own children, while the rest is shared as
// usual; MADV_KEEPONFORK undoes it. Private anonymous memory only.
static void
madv_wipeonfork(void)
{
  char *p = anon(3*PGSIZE, RW, MAP_PRIVATE);
  p[0] = 'a'; p[PGSIZE] = 'b'; p[2*PGSIZE] = 'c';
  OK(madvise(p + PGSIZE, PGSIZE, MADV_WIPEONFORK));
  int pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    CHECK(p[0] == 'a' && p[2*PGSIZE] == 'c', "child lacks the pages around the wiped one");
    CHECK(p[PGSIZE] == 0, "child sees %d in a MADV_WIPEONFORK page, not 0", p[PGSIZE]);
    p[PGSIZE] = 'x';   // its own page now
    int gpid = fork();
    CHECK(gpid >= 0, "fork: %s", strerror(errno));
    if(gpid == 0){
      CHECK(p[PGSIZE] == 0, "the advice did not pass to the child's child");
      exit(0);
    }
    CHECK(reap(gpid) == 0, "grandchild failed");
    exit(0);
  }
  CHECK(reap(pid) == 0, "child failed");
  CHECK(p[PGSIZE] == 'b', "parent lost its MADV_WIPEONFORK page");
  OK(madvise(p + PGSIZE, PGSIZE, MADV_KEEPONFORK));
  pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    CHECK(p[PGSIZE] == 'b', "child lacks the page after MADV_KEEPONFORK");
    exit(0);
  }
  CHECK(reap(pid) == 0, "child failed");
  char *s = anon(PGSIZE, RW, MAP_SHARED);
  FAILS(madvise(s, PGSIZE, MADV_WIPEONFORK), EINVAL);
  char *path = DIR "/wipe";
  mkfile(path, PGSIZE);
  int fd = openf(path, O_RDWR);
  char *f = map(PGSIZE, RW, MAP_PRIVATE, fd, 0);
  FAILS(madvise(f, PGSIZE, MADV_WIPEONFORK), EINVAL);
  close(fd);
  unlink(path);
  unmap(f, PGSIZE);
  unmap(s, PGSIZE);
  unmap(p, 3*PGSIZE);
}

// MADV_FREE (Linux 4.5) lets the kernel take private anonymous pages back:
// cowpin frees them at once, so they read as zero, and the memory is back;
// a shared or file mapping is EINVAL.
static void
madv_free(void)
{
  char *p = anon(8*PGSIZE, RW, MAP_PRIVATE);
  for(int i = 0; i < 8; i++)
    p[i*PGSIZE] = 'a' + i;
  counter("nr_free_pages");   // the first call may copy our COW'd buffer
  uint64 free = counter("nr_free_pages");
  OK(madvise(p, 4*PGSIZE, MADV_FREE));
  CHECK(counter("nr_free_pages") >= free + 4, "MADV_FREE gave back %ld pages, not 4",
        counter("nr_free_pages") - free);
  CHECK(p[0] == 0 && p[3*PGSIZE] == 0, "a freed page reads %d", p[0]);
  CHECK(p[4*PGSIZE] == 'e', "MADV_FREE went past its range");
  p[0] = 'z';   // a write after MADV_FREE keeps its page
  CHECK(p[0] == 'z', "a write after MADV_FREE was lost");
  char *s = anon(PGSIZE, RW, MAP_SHARED);
  FAILS(madvise(s, PGSIZE, MADV_FREE), EINVAL);
  unmap(s, PGSIZE);
  unmap(p, 8*PGSIZE);
}

// MADV_POPULATE_READ and MADV_POPULATE_WRITE (Linux 5.14) fault a range
// in as reads or writes of each page would, without touching it: a read
// maps the zero page, a write a page of its own, breaking COW after a
// fork. They stop at the first page they cannot populate: EINVAL where the
// region does not allow the access, ENOMEM at a hole, EFAULT past the end
// of a file.
static void
madv_populate(void)
{
  char *p = anon(4*PGSIZE, RW, MAP_PRIVATE);
  OK(madvise(p, 2*PGSIZE, MADV_POPULATE_READ));
  struct page_info *pi = page_info_of(p + PGSIZE);
  CHECK((pi->pte & PTE_V) && pi->zero, "MADV_POPULATE_READ mapped no zero page (pte %lx)", pi->pte);
  CHECK(!(page_info_of(p + 2*PGSIZE)->pte & PTE_V), "MADV_POPULATE_READ went past its range");
  OK(madvise(p, 3*PGSIZE, MADV_POPULATE_WRITE));
  pi = page_info_of(p + PGSIZE);
  CHECK((pi->pte & PTE_W) && !pi->zero && (pi->flags & PI_ANON_EXCLUSIVE),
        "MADV_POPULATE_WRITE left pte %lx (zero %d)", pi->pte, pi->zero);
  CHECK(p[PGSIZE] == 0 && p[2*PGSIZE] == 0, "populated pages are not zero");

  // After a fork, a populating write copies as a write would; a read does not.
  p[0] = 'a';
  int pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    uint64 frame = page_info_of(p)->pfn;
    OK(madvise(p, PGSIZE, MADV_POPULATE_READ));
    CHECK(page_info_of(p)->pfn == frame, "MADV_POPULATE_READ copied a shared page");
    uint64 copies = counter("cow_copy");
    OK(madvise(p, PGSIZE, MADV_POPULATE_WRITE));
    pi = page_info_of(p);
    CHECK(pi->pfn != frame && pi->mapcount == 1 && (pi->pte & PTE_W),
          "MADV_POPULATE_WRITE did not break COW (pfn %lx, mapcount %d)", pi->pfn, pi->mapcount);
    CHECK(counter("cow_copy") == copies + 1, "the copy was not counted");
    CHECK(p[0] == 'a', "the copy lost the data");
    exit(0);
  }
  CHECK(reap(pid) == 0, "child failed");

  // Errors, and where they stop.
  char *r = anon(2*PGSIZE, PROT_READ, MAP_PRIVATE);
  FAILS(madvise(r, PGSIZE, MADV_POPULATE_WRITE), EINVAL);
  OK(madvise(r, PGSIZE, MADV_POPULATE_READ));
  char *n = anon(PGSIZE, PROT_NONE, MAP_PRIVATE);
  FAILS(madvise(n, PGSIZE, MADV_POPULATE_READ), EINVAL);
  unmap(p + 3*PGSIZE, PGSIZE);
  char *q = anon(PGSIZE, RW, MAP_PRIVATE);
  unmap(q, PGSIZE);
  FAILS(madvise(q, PGSIZE, MADV_POPULATE_WRITE), ENOMEM);
  char *path = DIR "/populate";
  mkfile(path, PGSIZE);
  int fd = openf(path, O_RDWR);
  char *f = map(2*PGSIZE, RW, MAP_SHARED, fd, 0);
  FAILS(madvise(f, 2*PGSIZE, MADV_POPULATE_READ), EFAULT);   // the second page is past the end
  CHECK(page_info_of(f)->pte & PTE_V, "the page before the end was not populated");
  close(fd);
  unlink(path);
  unmap(f, 2*PGSIZE);
  unmap(r, 2*PGSIZE);
  unmap(n, PGSIZE);
  unmap(p, 3*PGSIZE);
}

// MAP_PRIVATE file mappings: the file's bytes (zero past its end), at an
// offset, private writes, read-only mappings, and a page wholly past the
// end of the file (SIGBUS on Linux: killed).
static void
file_private(void)
{
  int size = 2*PGSIZE + PGSIZE/2;
  mkfile(DIR "/private", size);
  int fd = openf(DIR "/private", O_RDONLY);
  // PROT_WRITE is fine on a read-only descriptor: the writes are private.
  char *p = map(3*PGSIZE, RW, MAP_PRIVATE, fd, 0);
  char *q = map(PGSIZE, PROT_READ, MAP_PRIVATE, fd, PGSIZE);
  char *s = map(3*PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  char *b = map(4*PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);                  // the mappings keep the file
  int i = badpat(p, 0, size);
  CHECK(i < 0, "byte %d of a private file mapping is %d, want %d", i, p[i], pat(i));
  CHECK(allzero(p + size, 3*PGSIZE - size), "the last page is not zero past the end of the file");
  CHECK(badpat(q, PGSIZE, PGSIZE) < 0, "mapping at offset %d has the wrong bytes", PGSIZE);

  p[0] = 'X';
  p[PGSIZE + 1] = 'Y';
  p[size + 5] = 'Z';
  CHECK(p[0] == 'X' && p[PGSIZE + 1] == 'Y' && p[size + 5] == 'Z', "private writes lost");
  CHECK(q[1] == pat(PGSIZE + 1) && s[0] == pat(0) && s[PGSIZE + 1] == pat(PGSIZE + 1),
        "a private write shows in another mapping");
  CHECK(s[size + 5] == 0, "a private write past the end shows in another mapping");
  CHECK(readfile(DIR "/private") == size, "the file's size changed");
  CHECK(badpat(buf, 0, size) < 0, "a private write reached the file");

  KILLS_WRITE(q, "a PROT_READ private file mapping");
  KILLS_WRITE(s, "a PROT_READ shared file mapping");
  KILLS_READ(b + 3*PGSIZE, "a page wholly past the end of the file");
  unmap(p, 3*PGSIZE);
  unmap(q, PGSIZE);
  unmap(s, 3*PGSIZE);
  unmap(b, 4*PGSIZE);
  unlink(DIR "/private");
}

// MAP_SHARED file mappings are coherent with read(), write() and other
// mappings at once; after msync and close the data is in the file, whose
// size writes through a mapping do not change.
static char want[2*PGSIZE];
static void
file_shared_rw(void)
{
  int size = 2*PGSIZE - 1000;
  char *path = DIR "/shared";
  mkfile(path, size);
  for(int i = 0; i < size; i++)
    want[i] = pat(i);
  int fd = openf(path, O_RDWR);
  char *p = map(2*PGSIZE, RW, MAP_SHARED, fd, 0);
  char *q = map(2*PGSIZE, RW, MAP_SHARED, fd, 0);
  char *r = map(PGSIZE, RW, MAP_SHARED, fd, PGSIZE);
  char *v = map(PGSIZE, RW, MAP_SHARED_VALIDATE, fd, 0);   // MAP_SHARED with its flags checked
  CHECK(p != q, "two mappings at one address");
  CHECK(badpat(p, 0, size) < 0 && badpat(r, PGSIZE, size - PGSIZE) < 0, "shared mapping has the wrong bytes");

  // mapping -> other mappings and read()
  p[10] = want[10] = 'x';
  p[PGSIZE + 20] = want[PGSIZE + 20] = 'y';
  CHECK(q[10] == 'x' && q[PGSIZE + 20] == 'y', "a write through one mapping is not in another");
  CHECK(r[20] == 'y', "a write is not in the mapping at offset %d", PGSIZE);
  CHECK(v[10] == 'x', "a write is not in the MAP_SHARED_VALIDATE mapping");
  v[30] = want[30] = 'v';
  CHECK(p[30] == 'v', "a write through the MAP_SHARED_VALIDATE mapping is not shared");
  CHECK(readfile(path) == size, "file size changed");
  CHECK(buf[10] == 'x' && buf[PGSIZE + 20] == 'y', "read() does not see writes through a mapping");

  // write() -> mappings
  int wfd = openf(path, O_RDWR);
  static char w[PGSIZE + 40];   // not on the one-page stack
  memset(w, 'w', sizeof(w));
  CHECK(write(wfd, w, sizeof(w)) == sizeof(w), "write: %s", strerror(errno));
  close(wfd);
  memset(want, 'w', sizeof(w));
  CHECK(p[0] == 'w' && p[PGSIZE + 39] == 'w' && q[PGSIZE - 1] == 'w' && r[39] == 'w',
        "write() is not seen through the mappings");
  CHECK(p[PGSIZE + 40] == pat(PGSIZE + 40), "write() changed a byte after its end");

  r[100] = want[PGSIZE + 100] = 'r';
  CHECK(p[PGSIZE + 100] == 'r', "a write at offset %d is not in the whole-file mapping", PGSIZE);
  p[2*PGSIZE - 10] = 'z';     // past the end of the file: does not extend it
  OK(msync(p, 2*PGSIZE, MS_SYNC));
  unmap(p, 2*PGSIZE);
  unmap(q, 2*PGSIZE);
  unmap(r, PGSIZE);
  unmap(v, PGSIZE);
  close(fd);
  int n = readfile(path);
  CHECK(n == size, "file has %d bytes after writes through a mapping, want %d", n, size);
  for(int i = 0; i < size; i++)
    CHECK(buf[i] == want[i], "byte %d of the file is %d, want %d", i, buf[i], want[i]);
  unlink(path);
}

// A child writes through an inherited MAP_SHARED file mapping (whose
// descriptor is already closed); the parent sees it, and so does read().
static void
file_shared_fork(void)
{
  char *path = DIR "/sharedfork";
  mkfile(path, 2*PGSIZE);
  int fd = openf(path, O_RDWR);
  char *p = map(2*PGSIZE, RW, MAP_SHARED, fd, 0);
  close(fd);
  p[0] = 'P';
  int pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    CHECK(p[0] == 'P', "child does not see the parent's write");
    memcpy(p + 1, "child", 5);
    p[PGSIZE + 7] = 'c';      // a page the parent never touched
    exit(0);
  }
  CHECK(reap(pid) == 0, "child failed");
  CHECK(memcmp(p + 1, "child", 5) == 0 && p[PGSIZE + 7] == 'c', "parent does not see the child's writes");
  CHECK(readfile(path) == 2*PGSIZE, "file size changed");
  CHECK(buf[0] == 'P' && memcmp(buf + 1, "child", 5) == 0 && buf[PGSIZE + 7] == 'c',
        "read() does not see the child's writes");
  CHECK(badpat(buf + 6, 6, PGSIZE - 6) < 0, "other bytes changed");
  unmap(p, 2*PGSIZE);
  unlink(path);
}

// Every error of mmap, munmap, mprotect and madvise (msync: msync_errors).
static void
mmap_errors(void)
{
  char *path = DIR "/errors";
  mkfile(path, PGSIZE);
  int rfd = openf(path, O_RDONLY), wfd = openf(path, O_WRONLY);
  char *p = anon(3*PGSIZE, RW, MAP_PRIVATE);
  unmap(p + 2*PGSIZE, PGSIZE);   // two pages with a hole after them

  // EINVAL
  FAILS(mmap(0, 0, RW, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0), EINVAL);
  FAILS(mmap(0, 0, PROT_READ, MAP_PRIVATE, rfd, 0), EINVAL);
  FAILS(mmap(p + 1, PGSIZE, RW, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0), EINVAL);
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, rfd, 1), EINVAL);
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_SHARED, rfd, PGSIZE/2), EINVAL);
  FAILS(mmap(0, PGSIZE, RW, MAP_ANONYMOUS, -1, 0), EINVAL);
  FAILS(mmap(0, PGSIZE, PROT_READ, 0, rfd, 0), EINVAL);
  FAILS(mmap(0, PGSIZE, RW, MAP_SHARED_VALIDATE|MAP_ANONYMOUS, -1, 0), EINVAL);   // files only
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE|0x4, rfd, 0), EINVAL);   // MAP_TYPE is 0xf
  FAILS(mmap(0, PGSIZE, PROT_READ, 0x8, rfd, 0), EINVAL);
  CHECK(p[0] == 0, "a failed MAP_FIXED changed the mapping");

  // EBADF: no descriptor for a file mapping
  int cfd = openf(path, O_RDONLY);
  close(cfd);
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, -1, 0), EBADF);
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_SHARED, cfd, 0), EBADF);
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, 1000, 0), EBADF);
  // Linux's order: the offset, then the descriptor, then the rest
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, cfd, 1), EINVAL);
  FAILS(mmap(0, 0, PROT_READ, MAP_PRIVATE, cfd, 0), EBADF);
  FAILS(mmap(0, PGSIZE, PROT_READ, 0x8, cfd, 0), EBADF);

  // EACCES: the descriptor's mode does not allow the mapping
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, wfd, 0), EACCES);
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_SHARED, wfd, 0), EACCES);
  FAILS(mmap(0, PGSIZE, RW, MAP_SHARED, wfd, 0), EACCES);
  FAILS(mmap(0, PGSIZE, RW, MAP_SHARED, rfd, 0), EACCES);
  FAILS(mmap(0, PGSIZE, PROT_WRITE, MAP_SHARED, rfd, 0), EACCES);
  FAILS(mmap(0, PGSIZE, RW, MAP_SHARED_VALIDATE, rfd, 0), EACCES);

  // EOPNOTSUPP: MAP_SHARED_VALIDATE with a flag Linux's MAP_SHARED ignores
  // (MAP_SYNC, 0x80000: only for DAX files); MAP_SHARED ignores it still.
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_SHARED_VALIDATE|0x80000, rfd, 0), EOPNOTSUPP);
  unmap(map(PGSIZE, PROT_READ, MAP_SHARED|0x80000, rfd, 0), PGSIZE);
  char *s = map(PGSIZE, PROT_READ, MAP_SHARED, rfd, 0);   // these two are fine
  char *v = map(PGSIZE, RW, MAP_PRIVATE, rfd, 0);
  FAILS(mprotect(s, PGSIZE, RW), EACCES);    // nor may mprotect add the write
  OK(mprotect(v, PGSIZE, PROT_READ));
  OK(mprotect(v, PGSIZE, RW));
  unmap(s, PGSIZE);
  unmap(v, PGSIZE);

  // ENODEV: files that cannot be mapped (Linux's answer for a directory,
  // a device without mmap, and a pipe)
  int dfd = openf(DIR, O_RDONLY);
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, dfd, 0), ENODEV);
  close(dfd);
  int con = openf("/console", O_RDWR);
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_SHARED, con, 0), ENODEV);
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, con, 0), ENODEV);
  close(con);
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fds[0], 0), ENODEV);
  FAILS(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fds[1], 0), EACCES);   // not readable comes first
  close(fds[0]);
  close(fds[1]);

  // ENOMEM: more than the address space, or a length that wraps around
  FAILS(mmap(0, 1UL << 50, RW, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0), ENOMEM);
  FAILS(mmap(0, (uint64)-1, RW, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0), ENOMEM);

  // munmap: alignment and length are checked; an unmapped range is fine.
  FAILS(munmap(p + 1, PGSIZE), EINVAL);
  FAILS(munmap(p, 0), EINVAL);
  FAILS(munmap(p, 1UL << 50), EINVAL);
  char *u = anon(PGSIZE, RW, MAP_PRIVATE);
  unmap(u, PGSIZE);
  OK(munmap(u, PGSIZE));

  // mprotect
  FAILS(mprotect(p + 1, PGSIZE, PROT_READ), EINVAL);
  FAILS(mprotect(p, PGSIZE, 0x100), EINVAL);
  OK(mprotect(p, PGSIZE, RW | PROT_SEM));   // Linux takes PROT_SEM (and ignores it)
  p[0] = p[0];
  FAILS(mprotect(u, PGSIZE, PROT_READ), ENOMEM);
  FAILS(mprotect(p, 3*PGSIZE, PROT_READ), ENOMEM);   // runs past the end
  FAILS(mprotect(p, 1UL << 50, PROT_READ), ENOMEM);
  FAILS(mprotect(p, (uint64)-1, PROT_READ), ENOMEM);   // wraps: ENOMEM, unlike madvise
  FAILS(mprotect(p, (uint64)-1, 0x100), ENOMEM);       // the range is checked before prot
  OK(mprotect(p, 0, PROT_READ));
  OK(mprotect(p, 0, 0x100));
  OK(mprotect(p, 2*PGSIZE, RW));
  p[0] = 1;

  // madvise
  FAILS(madvise(p + 1, PGSIZE, MADV_DONTNEED), EINVAL);
  FAILS(madvise(p, PGSIZE, 12345), EINVAL);
  FAILS(madvise(u, PGSIZE, MADV_DONTNEED), ENOMEM);
  FAILS(madvise(p, 3*PGSIZE, MADV_NORMAL), ENOMEM);
  FAILS(madvise(p, 1UL << 50, MADV_NORMAL), ENOMEM);
  FAILS(madvise(p, (uint64)-1, MADV_NORMAL), EINVAL);        // a "negative" length
  FAILS(madvise(p, (uint64)-PGSIZE, MADV_DONTNEED), EINVAL); // ends past 2^64
  OK(madvise(p, 0, MADV_DONTNEED));
  CHECK(p[0] == 1, "madvise of length 0 dropped a page");
  // POSIX's read-ahead hints: accepted, the memory unchanged, holes ENOMEM.
  OK(madvise(p, 2*PGSIZE, MADV_RANDOM));
  OK(madvise(p, 2*PGSIZE, MADV_SEQUENTIAL));
  OK(madvise(p, 2*PGSIZE, MADV_WILLNEED));
  CHECK(p[0] == 1, "a read-ahead hint changed a page");
  FAILS(madvise(p, 3*PGSIZE, MADV_WILLNEED), ENOMEM);

  close(rfd);
  close(wfd);
  unmap(p, 2*PGSIZE);
  unlink(path);
}

// Every error of msync, and fsync's.
static void
msync_errors(void)
{
  char *path = DIR "/msync";
  mkfile(path, 2*PGSIZE);
  int fd = openf(path, O_RDWR);
  char *a = anon(PGSIZE, RW, MAP_PRIVATE);
  // Two pages of the file with a hole after them.
  char *p = anon(3*PGSIZE, RW, MAP_PRIVATE);
  CHECK(mmap(p, 2*PGSIZE, RW, MAP_SHARED|MAP_FIXED, fd, 0) == p, "MAP_FIXED: %s", strerror(errno));
  unmap(p + 2*PGSIZE, PGSIZE);
  p[0] = 'm';
  FAILS(msync(p + 1, PGSIZE, MS_SYNC), EINVAL);
  FAILS(msync(p, PGSIZE, MS_SYNC|MS_ASYNC), EINVAL);
  FAILS(msync(p, PGSIZE, 8), EINVAL);
  OK(msync(p, 2*PGSIZE, MS_SYNC));
  OK(msync(p, PGSIZE, MS_ASYNC));
  OK(msync(p, PGSIZE, MS_INVALIDATE));
  OK(msync(p, 1, MS_SYNC));
  OK(msync(p, 0, MS_SYNC));
  OK(msync(a, PGSIZE, MS_SYNC));       // anonymous memory: nothing to do
  char *u = anon(PGSIZE, RW, MAP_PRIVATE);
  unmap(u, PGSIZE);
  FAILS(msync(u, PGSIZE, MS_SYNC), ENOMEM);
  FAILS(msync(p, 3*PGSIZE, MS_SYNC), ENOMEM);   // runs past the end
  CHECK(p[0] == 'm', "msync changed the mapping");

  OK(fsync(fd));
  int dfd = openf(DIR, O_RDONLY);
  OK(fsync(dfd));
  close(dfd);
  int cfd = openf(path, O_RDONLY);
  close(cfd);
  FAILS(fsync(cfd), EBADF);
  FAILS(fsync(-1), EBADF);
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
  FAILS(fsync(fds[1]), EINVAL);
  close(fds[0]);
  close(fds[1]);

  close(fd);
  unmap(p, 2*PGSIZE);
  unmap(a, PGSIZE);
  unlink(path);
}

// persist-write and persist-check are one test in two halves with a reboot
// in between: the test runner runs `mmaptest persist-write`, reboots QEMU
// on the same disk, then runs `mmaptest persist-check`. The data reaches the
// file only through a MAP_SHARED mapping and msync. Neither half is in the
// default run.
#define PDIR  "mmpersist"
#define PFILE PDIR "/marker"
static char
mark(int i)
{
  return 1 + (i * 7) % 251;
}

static void
persist_write(void)
{
  CHECK(mkdir(PDIR) == 0 || errno == EEXIST, "mkdir %s: %s", PDIR, strerror(errno));
  int fd = open(PFILE, O_CREATE|O_TRUNC|O_RDWR);
  CHECK(fd >= 0, "create %s: %s", PFILE, strerror(errno));
  memset(buf, 0, 2*PGSIZE);
  CHECK(write(fd, buf, 2*PGSIZE) == 2*PGSIZE, "write: %s", strerror(errno));
  char *p = map(2*PGSIZE, RW, MAP_SHARED, fd, 0);
  for(int i = 0; i < 2*PGSIZE; i++)
    p[i] = mark(i);
  OK(msync(p, 2*PGSIZE, MS_SYNC));
  unmap(p, 2*PGSIZE);
  close(fd);
}

static void
persist_check(void)
{
  int fd = open(PFILE, O_RDONLY);
  CHECK(fd >= 0, "no %s (%s): run persist-write, reboot, then persist-check", PFILE, strerror(errno));
  close(fd);
  int n = readfile(PFILE);
  CHECK(n == 2*PGSIZE, "%s has %d bytes, want %d", PFILE, n, 2*PGSIZE);
  for(int i = 0; i < n; i++)
    CHECK(buf[i] == mark(i), "byte %d of %s is %d after the reboot, want %d", i, PFILE, buf[i], mark(i));
  // main removes the file and directory, whether this passed or not
}

// Three generations with private and shared, anonymous and file mappings:
// each sees the shared writes of the others and only its own private ones,
// and once all have exited every page is free again.
static void
gen3(char *pa, char *sa, char *pf, char *sf, char me)
{
  pa[0] = me; pa[PGSIZE] = me;
  pf[1] = me;
  sa[me - 'A'] = me;
  sf[me - 'A'] = me;
}

static void
fork_with_mappings(void)
{
  char *path = DIR "/forkmaps";
  mkfile(path, 2*PGSIZE);     // first, so that its COW copies of buf are not counted
  counter("nr_free_pages");
  uint64 before = counter("nr_free_pages");
  int pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    int fd = openf(path, O_RDWR);
    char *pa = anon(4*PGSIZE, RW, MAP_PRIVATE);
    char *sa = anon(2*PGSIZE, RW, MAP_SHARED);
    char *pf = map(2*PGSIZE, RW, MAP_PRIVATE, fd, 0);
    char *sf = map(2*PGSIZE, RW, MAP_SHARED, fd, 0);
    close(fd);
    gen3(pa, sa, pf, sf, 'A');
    int pid2 = fork();
    CHECK(pid2 >= 0, "fork: %s", strerror(errno));
    if(pid2 == 0){
      CHECK(pa[0] == 'A' && pf[1] == 'A', "child does not see the parent's private data");
      gen3(pa, sa, pf, sf, 'B');
      int pid3 = fork();
      CHECK(pid3 >= 0, "fork: %s", strerror(errno));
      if(pid3 == 0){
        CHECK(pa[0] == 'B' && pf[1] == 'B', "grandchild does not see its parent's private data");
        gen3(pa, sa, pf, sf, 'C');
        pa[3*PGSIZE] = 'C';
        exit(0);
      }
      CHECK(reap(pid3) == 0, "grandchild failed");
      CHECK(pa[0] == 'B' && pf[1] == 'B' && pa[3*PGSIZE] == 0, "child sees the grandchild's private writes");
      CHECK(sa[2] == 'C' && sf[2] == 'C', "child does not see the grandchild's shared writes");
      exit(0);
    }
    CHECK(reap(pid2) == 0, "child failed");
    CHECK(pa[0] == 'A' && pa[PGSIZE] == 'A' && pf[1] == 'A', "parent sees a child's private writes");
    CHECK(memcmp(sa, "ABC", 3) == 0 && memcmp(sf, "ABC", 3) == 0, "parent misses shared writes");
    unmap(pa, 4*PGSIZE);      // some freed here, the rest at exit
    unmap(sf, 2*PGSIZE);
    exit(0);
  }
  CHECK(reap(pid) == 0, "child failed");
  CHECK(readfile(path) == 2*PGSIZE && memcmp(buf, "ABC", 3) == 0, "the file misses shared writes");
  CHECK(buf[3] == pat(3), "the file was changed by a private write");
  CHECK(unlink(path) == 0, "unlink: %s", strerror(errno));
  uint64 after = counter("nr_free_pages");
  CHECK(after == before, "free pages %d before, %d after", (int)before, (int)after);
}

static struct test tests[] = {
  { anon_private, "anon_private" },
  { anon_fork_private, "anon_fork_private" },
  { anon_shared_fork, "anon_shared_fork" },
  { partial_munmap, "partial_munmap" },
  { fixed, "fixed" },
  { mprotect_test, "mprotect" },
  { madv_dontneed, "madv_dontneed" },
  { madv_dontfork, "madv_dontfork" },
  { madv_wipeonfork, "madv_wipeonfork" },
  { madv_populate, "madv_populate" },
  { madv_free, "madv_free" },
  { file_private, "file_private" },
  { file_shared_rw, "file_shared_rw" },
  { file_shared_fork, "file_shared_fork" },
  { mmap_errors, "mmap_errors" },
  { msync_errors, "msync_errors" },
  { fork_with_mappings, "fork_with_mappings" },
  { persist_write, "persist-write", 1 },
  { persist_check, "persist-check", 1 },
};

// Files a failed test may have left behind.
static char *files[] = {
  DIR "/fixed", DIR "/dontneed", DIR "/private", DIR "/shared", DIR "/sharedfork",
  DIR "/errors", DIR "/msync", DIR "/forkmaps",
};

static void
cleanup(void)
{
  for(int i = 0; i < NELEM(files); i++)
    unlink(files[i]);
}

static void
after(struct test *t)
{
  cleanup();
  if(t->f == persist_check){   // pass or fail, the next run starts clean
    unlink(PFILE);
    unlink(PDIR);
  }
}

int
main(int argc, char *argv[])
{
  cleanup();
  if(mkdir(DIR) < 0 && errno != EEXIST){
    printf("mmaptest: mkdir %s: %s\n", DIR, strerror(errno));
    exit(1);
  }
  int failed = run_tests("mmaptest", tests, NELEM(tests), argc, argv, after);
  if(unlink(DIR) < 0)
    printf("mmaptest: cannot remove %s: %s\n", DIR, strerror(errno));
  exit(failed != 0);
}
