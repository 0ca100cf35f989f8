// crashwork SEED: a file-system workload for power-cut tests
// (tools/crashtest.py, make crashtest). It creates, writes, appends,
// unlinks, makes directories and links, writes through shared mappings
// with msync, writes with O_DIRECT and calls fsync, all below the
// directory cw. Each time a file's content is on the disk for sure (after
// fsync, msync(MS_SYNC), a direct write, or link() of such a file) it
// prints
//     synced PATH LENGTH CHECKSUM
// and never changes that file again: whenever the machine loses power
// later, the disk must hold exactly that content (the host reads it back
// after the next boot). CHECKSUM is FNV-1a (32 bits) of the bytes.
// Scratch files that are never synced come and go in between.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "user/testlib.h"

#define MAXLEN (24 * 1024)
#define NFILES 48          // then it stops: the disk is small

static uint64 rng;
static char buf[MAXLEN] __attribute__((aligned(PGSIZE)));

static uint64
rnd(void)
{
  return xorshift(&rng);
}

static uint
fnv(char *p, int n)
{
  uint h = 2166136261u;
  for(int i = 0; i < n; i++)
    h = (h ^ (uchar)p[i]) * 16777619u;
  return h;
}

static void
die(char *what, char *path)
{
  printf("crashwork: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

// The content of a file: n bytes from the seed and its number.
static void
content(int i, int n)
{
  for(int k = 0; k < n; k++)
    buf[k] = (char)(rnd() >> 24) ^ (char)(i * 13 + k);
}

static void
synced(char *path, int n)
{
  printf("synced %s %d %u\n", path, n, fnv(buf, n));
}

// write() in pieces, as appends.
static void
by_writes(char *path, int n)
{
  int fd = open(path, O_CREATE | O_RDWR | O_TRUNC);
  if(fd < 0)
    die("open", path);
  for(int done = 0; done < n; ){
    int m = 1 + rnd() % 5000;
    if(m > n - done)
      m = n - done;
    if(write(fd, buf + done, m) != m)
      die("write", path);
    done += m;
  }
  if(fsync(fd) < 0)
    die("fsync", path);
  close(fd);
}

// Through a shared mapping, then msync. The mapping (and the file) stay
// open until the next one: munmap and close write back too, and only
// msync may be what put the data on the disk.
static void
by_mmap(char *path, int n)
{
  static char *m;
  static int mlen, mfd = -1;
  if(m){
    munmap(m, mlen);
    close(mfd);
  }
  int fd = open(path, O_CREATE | O_RDWR | O_TRUNC);
  if(fd < 0)
    die("open", path);
  static char zero[PGSIZE];
  for(int done = 0; done < n; done += PGSIZE)
    if(write(fd, zero, n - done < PGSIZE ? n - done : PGSIZE) < 0)
      die("write", path);
  m = mmap(0, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if(m == MAP_FAILED)
    die("mmap", path);
  memmove(m, buf, n);
  if(msync(m, n, MS_SYNC) < 0)
    die("msync", path);
  mlen = n;
  mfd = fd;
}

// O_DIRECT, whole sectors.
static void
by_direct(char *path, int n)
{
  int fd = open(path, O_CREATE | O_RDWR | O_DIRECT);
  if(fd < 0)
    die("open", path);
  if(write(fd, buf, n) != n)
    die("direct write", path);
  close(fd);
}

int
main(int argc, char *argv[])
{
  rng = (argc > 1 ? atoi(argv[1]) : 1) * 2654435761u + 1;
  mkdir("cw");
  if(chdir("cw") < 0)
    die("chdir", "cw");
  char path[32], scratch[32], dir[16] = "";
  for(int i = 0; i < NFILES; i++){
    if(rnd() % 6 == 0){
      snprintf(dir, sizeof(dir), "d%d", i);
      if(mkdir(dir) < 0)
        die("mkdir", dir);
    }
    // A scratch file now and then: written, maybe appended, unlinked.
    if(rnd() % 3 == 0){
      snprintf(scratch, sizeof(scratch), "s%d", i);
      content(i + 1000, 3000);
      int fd = open(scratch, O_CREATE | O_RDWR);
      if(fd < 0 || write(fd, buf, 3000) != 3000)
        die("scratch", scratch);
      close(fd);
      if(unlink(scratch) < 0)
        die("unlink", scratch);
    }
    snprintf(path, sizeof(path), "%s%sf%d", dir, dir[0] ? "/" : "", i);
    int how = rnd() % 3;
    int n = 512 * (1 + rnd() % (MAXLEN / 512));
    if(how != 2)
      n -= rnd() % 512;   // any length but for O_DIRECT
    content(i, n);
    if(how == 0)
      by_writes(path, n);
    else if(how == 1)
      by_mmap(path, n);
    else
      by_direct(path, n);
    synced(path, n);
    if(rnd() % 4 == 0){
      char ln[32];
      snprintf(ln, sizeof(ln), "l%d", i);
      if(link(path, ln) < 0)
        die("link", ln);
      synced(ln, n);
    }
  }
  printf("crashwork: done\n");
  exit(0);
}
