// poweroff: turn the machine off, or restart it with -r.

#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  int reboot = 0;

  if(argc == 2 && strcmp(argv[1], "-r") == 0){
    reboot = 1;
  } else if(argc != 1){
    fprintf(2, "usage: poweroff [-r]\n");
    exit(1);
  }
  poweroff(reboot);
  // Only reached if the call failed.
  fprintf(2, "poweroff: %s\n", strerror(errno));
  exit(1);
}
