// stressfs: five processes write and read back files at the same time,
// to exercise the file system's locking and log under concurrency.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define NPROCS 5    // this process and the four it starts
#define NBLOCK 20   // writes of BLKSZ per file
#define BLKSZ  512

static char data[BLKSZ];

static void
fail(const char *what, const char *path)
{
  fprintf(2, "stressfs: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

int
main(void)
{
  char path[] = "stressfs0";
  int fd, i, j, me;

  printf("stressfs starting\n");

  // A chain of processes: each child starts the next one, so that
  // process number `me` is the one that did not fork.
  for(me = 0; me < NPROCS - 1; me++)
    if(fork() > 0)
      break;
  printf("write %d\n", me);

  path[8] += me;
  memset(data, 'a' + me, sizeof(data));
  if((fd = open(path, O_CREATE | O_RDWR)) < 0)
    fail("create", path);
  for(i = 0; i < NBLOCK; i++)
    if(write(fd, data, sizeof(data)) != sizeof(data))
      fail("write", path);
  close(fd);

  printf("read\n");
  if((fd = open(path, O_RDONLY)) < 0)
    fail("open", path);
  for(i = 0; i < NBLOCK; i++){
    if(read(fd, data, sizeof(data)) != sizeof(data))
      fail("read", path);
    for(j = 0; j < BLKSZ; j++){
      if(data[j] != 'a' + me){
        fprintf(2, "stressfs: %s: wrong data\n", path);
        exit(1);
      }
    }
  }
  close(fd);

  wait(0);   // the next process in the chain, if any
  exit(0);
}
