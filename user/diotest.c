// diotest: O_DIRECT. read() and write() of a file opened with O_DIRECT go
// straight between the disk and the user's (pinned) pages; the buffer, the
// length and the offset must be multiples of 512. Several MiB go through
// in round trips of the largest file xv6's format allows (268 KiB), each
// checked byte for byte against a buffered read; the page cache and the
// buffer cache stay coherent with direct I/O.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/vmmap.h"
#include "kernel/errno.h"
#include "user/user.h"
#include "user/testlib.h"

#define FILE "diotest.f"
#define SIZE (256 * 1024)        // under xv6's 268 KiB
#define ROUNDS 12                // 12 x 256 KiB written and read twice: 9 MiB moved

static char
pat(int round, int i)
{
  return (i * 7 + round * 13 + i / 4096) % 251 + 1;
}

static int
openf(int mode)
{
  int fd = open(FILE, mode);
  CHECK(fd >= 0, "open %s: %s", FILE, strerror(errno));
  return fd;
}

// Read all of fd into buf (n bytes at most) in pieces of step.
static int
readall(int fd, char *buf, int n, int step)
{
  int got = 0, r;
  while(got < n && (r = read(fd, buf + got, n - got < step ? n - got : step)) > 0)
    got += r;
  CHECK(r >= 0 || got == n, "read: %s", strerror(errno));
  return got;
}

// Round trips: direct write, direct read, buffered read. Odd rounds use a
// buffer that starts 512 bytes into a page (requests then span two pages)
// and other piece sizes.
static void
roundtrip(void)
{
  char *wbuf = map_anon(SIZE + PGSIZE), *rbuf = map_anon(SIZE + PGSIZE);
  for(int round = 0; round < ROUNDS; round++){
    int shift = round % 2 ? 512 : 0, step = round % 3 == 0 ? SIZE : 16384 * (1 + round % 3);
    char *w = wbuf + shift, *r = rbuf + shift;
    for(int i = 0; i < SIZE; i++)
      w[i] = pat(round, i);
    int fd = openf(O_CREATE | O_TRUNC | O_RDWR | O_DIRECT);
    for(int off = 0; off < SIZE; off += step){
      int c = SIZE - off < step ? SIZE - off : step;
      CHECK(write(fd, w + off, c) == c, "round %d: direct write at %d: %s", round, off, strerror(errno));
    }
    close(fd);
    memset(r, 0, SIZE);
    fd = openf(O_RDONLY | O_DIRECT);
    int n = readall(fd, r, SIZE + 4096, step);
    close(fd);
    CHECK(n == SIZE, "round %d: direct read got %d bytes", round, n);
    for(int i = 0; i < SIZE; i++)
      CHECK(r[i] == w[i], "round %d: direct read: byte %d is %d, want %d", round, i, r[i], w[i]);
    memset(r, 0, SIZE);
    fd = openf(O_RDONLY);
    n = readall(fd, r, SIZE + 4096, 5000);
    close(fd);
    CHECK(n == SIZE, "round %d: buffered read got %d bytes", round, n);
    for(int i = 0; i < SIZE; i++)
      CHECK(r[i] == w[i], "round %d: buffered read: byte %d is %d, want %d", round, i, r[i], w[i]);
  }
  unlink(FILE);
}

// Misaligned requests are refused; nothing else may be.
static void
misaligned(void)
{
  char *b = map_anon(2 * PGSIZE);
  int fd = openf(O_CREATE | O_TRUNC | O_RDWR | O_DIRECT);
  errno = 0;
  CHECK(write(fd, b + 100, 512) == -1 && errno == EINVAL, "unaligned buffer: errno %d", errno);
  errno = 0;
  CHECK(write(fd, b, 100) == -1 && errno == EINVAL, "unaligned length: errno %d", errno);
  CHECK(write(fd, b, 1024) == 1024, "aligned write: %s", strerror(errno));
  CHECK(lseek(fd, 100, SEEK_SET) == 100, "lseek");
  errno = 0;
  CHECK(read(fd, b, 512) == -1 && errno == EINVAL, "unaligned offset: errno %d", errno);
  CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
  CHECK(read(fd, b, 4096) == 1024, "a read past the end returns what there is");
  CHECK(read(fd, b, 512) == 0, "a read at the end returns 0");
  close(fd);
  errno = 0;
  CHECK(open(".", O_RDONLY | O_DIRECT) == -1 && errno == EINVAL, "O_DIRECT on a directory: errno %d", errno);
  errno = 0;
  CHECK(open("console", O_RDWR | O_DIRECT) == -1 && errno == EINVAL, "O_DIRECT on a device: errno %d", errno);
  munmap(b, 2 * PGSIZE);
  unlink(FILE);
}

// Direct I/O and the caches: a buffered write is seen at once by a direct
// read (the log's copy goes to the disk first); a dirty page of a shared
// mapping is written back before a direct read; a direct write is seen by
// the mapping and by buffered reads afterwards.
static void
coherence(void)
{
  static char b[2 * PGSIZE];
  char *d = map_anon(2 * PGSIZE);
  memset(b, 'b', sizeof(b));
  int fd = openf(O_CREATE | O_TRUNC | O_RDWR);
  CHECK(write(fd, b, sizeof(b)) == sizeof(b), "buffered write");
  int dfd = openf(O_RDWR | O_DIRECT);
  CHECK(read(dfd, d, 2 * PGSIZE) == 2 * PGSIZE && d[0] == 'b' && d[2 * PGSIZE - 1] == 'b',
        "a direct read does not see a buffered write");

  char *m = mmap(0, 2 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED, "mmap: %s", strerror(errno));
  m[10] = 'm';
  m[PGSIZE + 10] = 'n';
  CHECK(lseek(dfd, 0, SEEK_SET) == 0, "lseek");
  CHECK(read(dfd, d, 2 * PGSIZE) == 2 * PGSIZE, "direct read");
  CHECK(d[10] == 'm' && d[PGSIZE + 10] == 'n', "a direct read misses a dirty mapped page");

  memset(d, 'D', 2 * PGSIZE);
  CHECK(lseek(dfd, 0, SEEK_SET) == 0, "lseek");
  CHECK(write(dfd, d, 2 * PGSIZE) == 2 * PGSIZE, "direct write: %s", strerror(errno));
  CHECK(m[10] == 'D' && m[PGSIZE + 10] == 'D', "the mapping does not see a direct write");
  CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
  CHECK(read(fd, b, sizeof(b)) == sizeof(b) && b[0] == 'D' && b[sizeof(b) - 1] == 'D',
        "a buffered read does not see a direct write");
  munmap(m, 2 * PGSIZE);
  close(fd);
  close(dfd);
  unlink(FILE);
}

// A direct read into a shared mapping of another file: the device writes
// the mapped page behind the page table, so when the read is done the page
// must be dirty again, even if writeback cleaned it meanwhile (Linux:
// bio_set_pages_dirty). race_delay_ms holds the read between taking the
// page and the I/O while another thread writes the mapping back.
#define DST "diotest.d"
static char *mapped;
static volatile int reading;

static int
syncer(void *arg)
{
  while(!reading)
    ;
  pause(2);   // inside the read's window
  return msync(mapped, PGSIZE, MS_SYNC);
}

static void
into_mapping(void)
{
  static char stack[4096] __attribute__((aligned(16)));
  close(page_file(FILE, 's'));
  int dst = page_file(DST, 't');
  mapped = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, dst, 0);
  CHECK(mapped != MAP_FAILED, "mmap: %s", strerror(errno));
  mapped[0] = 'x';   // dirty: the syncer has something to write back
  int src = openf(O_RDONLY | O_DIRECT);
  int old = vmknob("race_delay_ms", 600);
  int tid = thread_spawn(syncer, 0, stack, sizeof(stack));
  CHECK(tid > 0, "thread_spawn");
  reading = 1;
  int n = read(src, mapped, PGSIZE);
  int st;
  CHECK(thread_join(tid, &st) == 0 && st == 0, "msync failed");
  vmknob("race_delay_ms", old);
  CHECK(n == PGSIZE && mapped[0] == 's', "direct read into the mapping: %d", n);
  munmap(mapped, PGSIZE);
  close(dst);
  close(src);
  char *b = map_anon(PGSIZE);
  int fd = open(DST, O_RDONLY | O_DIRECT);
  CHECK(fd >= 0 && read(fd, b, PGSIZE) == PGSIZE, "direct read of %s", DST);
  CHECK(b[0] == 's' && b[PGSIZE - 1] == 's',
        "the direct read's data never reached %s's disk: it holds '%c'", DST, b[0]);
  close(fd);
  munmap(b, PGSIZE);
  unlink(FILE);
  unlink(DST);
}

// Stable pages: a direct read into a mapped file page that is being
// written back must not change the page until its writeback is over (a
// disk that checksums its blocks, or mirrors them, would store one version
// and check another). GUP for writing waits for writeback (knob
// gup_waits_writeback, cowpin's modern default); with the knob off the
// device writes the page while it is still under writeback. race_delay_ms
// keeps the page under writeback (a slow disk) for two windows; the read
// starts once msync (or the flusher) has begun it. With the knob on, GUP
// counts its wait: that the read ends after the page's writeback cannot be
// checked, as the flusher may start another one at any time.
static int
under_writeback(char *va)
{
  return (page_info_of(va)->flags & PI_WRITEBACK) != 0;
}

static int
msyncer(void *arg)
{
  return msync(mapped, PGSIZE, MS_SYNC);
}

// Returns whether the page was still under writeback when the read ended;
// *waits: how often GUP waited for writeback meanwhile.
static int
read_during_writeback(int wait, uint64 *waits)
{
  static char stack[4096] __attribute__((aligned(16)));
  close(page_file(FILE, 's'));
  int dst = page_file(DST, 't');
  mapped = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, dst, 0);
  CHECK(mapped != MAP_FAILED, "mmap: %s", strerror(errno));
  int src = openf(O_RDONLY | O_DIRECT);
  int oldwait = vmknob("gup_waits_writeback", wait);
  int olddelay = vmknob("race_delay_ms", 300);
  mapped[0] = 'x';   // dirty: msync (or the flusher, as slowly) writes it back
  int tid = thread_spawn(msyncer, 0, stack, sizeof(stack));
  CHECK(tid > 0, "thread_spawn");
  for(int t0 = uptime(); !under_writeback(mapped); )
    CHECK(uptime() - t0 < 50, "the page never went under writeback");
  uint64 waits0 = counter("gup_writeback_wait");
  int n = read(src, mapped, PGSIZE);
  int during = under_writeback(mapped);
  *waits = counter("gup_writeback_wait") - waits0;
  int st;
  CHECK(thread_join(tid, &st) == 0 && st == 0, "msync failed");
  vmknob("race_delay_ms", olddelay);
  vmknob("gup_waits_writeback", oldwait);
  while(under_writeback(mapped))   // the flusher's, maybe: it holds the page
    ;
  CHECK(n == PGSIZE && mapped[0] == 's' && mapped[PGSIZE - 1] == 's',
        "direct read into the mapping: %d", n);
  munmap(mapped, PGSIZE);
  close(dst);
  close(src);
  unlink(FILE);
  unlink(DST);
  return during;
}

static void
stable_pages(void)
{
  uint64 waits;
  read_during_writeback(1, &waits);
  CHECK(waits > 0, "gup_waits_writeback 1: the read did not wait for writeback");
  CHECK(read_during_writeback(0, &waits) && waits == 0,
        "gup_waits_writeback 0: the read waited for writeback (%d times)", (int)waits);
}

static struct test tests[] = {
  { roundtrip, "roundtrip" },
  { misaligned, "misaligned" },
  { coherence, "coherence" },
  { into_mapping, "into_mapping" },
  { stable_pages, "stable_pages" },
};

int
main(int argc, char *argv[])
{
  unlink(FILE);
  exit(run_tests("diotest", tests, NELEM(tests), argc, argv, 0) != 0);
}
