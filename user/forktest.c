// forktest: fork until the kernel refuses (the process table is full),
// then check that every child can be waited for, and no more.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"

#define N 1000   // far more than NPROC: fork must fail before this

int
main(void)
{
  int n, pid;

  printf("fork test\n");
  for(n = 0; n < N; n++){
    pid = fork();
    if(pid < 0)
      break;
    if(pid == 0)
      exit(0);   // stays a zombie until reaped, holding its slot
  }
  if(n == N){
    printf("fork claimed to work %d times!\n", N);
    exit(1);
  }
  for(; n > 0; n--){
    if(wait(0) < 0){
      printf("wait stopped early: %s\n", strerror(errno));
      exit(1);
    }
  }
  if(wait(0) != -1){
    printf("wait got too many\n");
    exit(1);
  }
  printf("fork test OK\n");
  exit(0);
}
