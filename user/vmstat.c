// vmstat: print the kernel's memory counters (free pages, copy-on-write
// faults, ...). "vmstat NAME" prints just that counter's value.
#include "kernel/types.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define MAXCOUNTERS 64

int
main(int argc, char *argv[])
{
  static struct vmstat_entry e[MAXCOUNTERS];
  int n = vmstat(e, MAXCOUNTERS);

  if(n < 0){
    perror("vmstat");
    exit(1);
  }
  for(int i = 0; i < n; i++){
    if(argc > 1 && strcmp(argv[1], e[i].name) != 0)
      continue;
    if(argc > 1)
      printf("%lu\n", e[i].value);
    else
      printf("%-20s %lu\n", e[i].name, e[i].value);
    if(argc > 1)
      exit(0);
  }
  if(argc > 1){
    fprintf(2, "vmstat: no counter named %s\n", argv[1]);
    exit(1);
  }
  exit(0);
}
