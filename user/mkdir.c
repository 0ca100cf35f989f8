// mkdir: create directories.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  int i;

  if(argc < 2){
    fprintf(2, "Usage: mkdir files...\n");
    exit(1);
  }
  // Stop at the first failure, as xv6's does: later names are often
  // inside the one that could not be made.
  for(i = 1; i < argc; i++){
    if(mkdir(argv[i]) < 0){
      fprintf(2, "mkdir: %s: %s\n", argv[i], strerror(errno));
      exit(1);
    }
  }
  exit(0);
}
