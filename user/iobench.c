// iobench: speeds for make bench (tools/bench.py), one line each.
//   iobench dio [KIB]   buffered against O_DIRECT: write then read a file
//                       of KIB KiB (default 256) four times over, so that
//                       a MiB moves each way; prints each one's time
//   iobench cpu N MS    N processes each spinning MS ms of work (the same
//                       loop count on any machine): the time until all are
//                       done, for the speedup of more harts
// Times are in units of the time CSR (rdtime; QEMU's virt: 10 MHz).
// Before each buffered read the file's pages are dropped from the page
// cache (an O_DIRECT write does that), so both reads come from the disk.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define PASSES 4
#define CHUNK (64 * 1024)

static void
die(char *what)
{
  printf("iobench: %s\n", what);
  exit(1);
}

// PASSES passes over the whole file, CHUNK at a time; its time.
static uint64
passes(char *path, int flags, int writing, char *buf, int size)
{
  uint64 t0 = r_time();
  for(int p = 0; p < PASSES; p++){
    int fd = open(path, flags);
    if(fd < 0)
      die("open failed");
    for(int off = 0; off < size; off += CHUNK){
      int n = size - off < CHUNK ? size - off : CHUNK;
      if((writing ? write(fd, buf, n) : read(fd, buf, n)) != n)
        die(writing ? "write failed" : "read failed");
    }
    close(fd);
  }
  return r_time() - t0;
}

static void
dio(int kib)
{
  int size = kib * 1024;
  // Page aligned, as O_DIRECT wants (sbrk's memory starts on a page).
  char *buf = sbrk(CHUNK + PGSIZE);
  if(buf == SBRK_ERROR)
    die("sbrk failed");
  buf = (char *)PGROUNDUP((uint64)buf);
  memset(buf, 'x', CHUNK);
  char *f = "iobench.f";
  uint64 bw = passes(f, O_CREATE | O_WRONLY, 1, buf, size);
  uint64 dw = passes(f, O_WRONLY | O_DIRECT, 1, buf, size);   // also empties the cache
  uint64 br = passes(f, O_RDONLY, 0, buf, size);
  passes(f, O_WRONLY | O_DIRECT, 1, buf, size);
  uint64 dr = passes(f, O_RDONLY | O_DIRECT, 0, buf, size);
  unlink(f);
  printf("iobench dio bytes=%d buffered_write=%lu direct_write=%lu buffered_read=%lu "
         "direct_read=%lu\n", PASSES * size, bw, dw, br, dr);
}

// Work that takes about ms milliseconds on QEMU's virt at one hart.
static void
spin(int ms)
{
  volatile uint64 x = 0;
  for(uint64 i = 0; i < (uint64)ms * 700000; i++)
    x += i;
}

static void
cpu(int n, int ms)
{
  uint64 t0 = r_time();
  for(int i = 0; i < n; i++){
    int pid = fork();
    if(pid < 0)
      die("fork failed");
    if(pid == 0){
      spin(ms);
      exit(0);
    }
  }
  for(int i = 0; i < n; i++)
    if(wait(0) < 0)
      die("wait failed");
  printf("iobench cpu procs=%d ms=%d time=%lu\n", n, ms, r_time() - t0);
}

int
main(int argc, char *argv[])
{
  if(argc >= 2 && strcmp(argv[1], "dio") == 0 && argc <= 3){
    int kib = argc == 3 ? atoi(argv[2]) : 256;
    if(kib < 1 || kib > 256)
      die("KIB must be 1..256 (a file's largest size is 268 KiB)");
    dio(kib);
  } else if(argc == 4 && strcmp(argv[1], "cpu") == 0 && atoi(argv[2]) > 0 && atoi(argv[3]) > 0){
    cpu(atoi(argv[2]), atoi(argv[3]));
  } else {
    fprintf(2, "usage: iobench dio [KIB] | iobench cpu NPROC MS\n");
    exit(1);
  }
  exit(0);
}
