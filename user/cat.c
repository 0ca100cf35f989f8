// cat: copy each named file (or standard input) to standard output.

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

static char buf[512];

static void
copy(int fd, const char *name)
{
  int n;

  while((n = read(fd, buf, sizeof(buf))) > 0){
    if(write(1, buf, n) != n){
      fprintf(2, "cat: write error: %s\n", strerror(errno));
      exit(1);
    }
  }
  if(n < 0){
    fprintf(2, "cat: %s: read error: %s\n", name, strerror(errno));
    exit(1);
  }
}

int
main(int argc, char *argv[])
{
  int fd, i;

  if(argc <= 1){
    copy(0, "stdin");
    exit(0);
  }
  for(i = 1; i < argc; i++){
    if((fd = open(argv[i], O_RDONLY)) < 0){
      fprintf(2, "cat: cannot open %s: %s\n", argv[i], strerror(errno));
      exit(1);
    }
    copy(fd, argv[i]);
    close(fd);
  }
  exit(0);
}
