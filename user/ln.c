// ln: make a new name (hard link) for an existing file.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  if(argc != 3){
    fprintf(2, "Usage: ln old new\n");
    exit(1);
  }
  if(link(argv[1], argv[2]) < 0){
    fprintf(2, "ln: link %s %s: %s\n", argv[1], argv[2], strerror(errno));
    exit(1);
  }
  exit(0);
}
