// init: the first user program.  Sets up the console as fds 0, 1 and 2,
// then keeps a shell running forever, reaping the orphans that the kernel
// re-parents to it in the meantime.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/spinlock.h"
#include "kernel/sleeplock.h"
#include "kernel/fs.h"
#include "kernel/file.h"   // CONSOLE; included as xv6's init does, which keeps file.h usable here
#include "kernel/fcntl.h"
#include "user/user.h"

static char *shargv[] = { "sh", 0 };

// fd 0 becomes the console; 1 and 2 are copies of it, so all three share
// one open file.  The device node is created on first boot.
static void
open_console(void)
{
  if(open("console", O_RDWR) < 0){
    if(mknod("console", CONSOLE, 0) < 0 || open("console", O_RDWR) < 0)
      exit(1);   // nowhere to even report the failure
  }
  dup(0);   // stdout
  dup(0);   // stderr
}

// Start a shell; returns its pid (or -1 if fork failed).
static int
start_shell(void)
{
  int pid;

  printf("init: starting sh\n");
  pid = fork();
  if(pid < 0){
    printf("init: fork failed: %s\n", strerror(errno));
    return -1;
  }
  if(pid == 0){
    exec("sh", shargv);
    printf("init: exec sh failed: %s\n", strerror(errno));
    exit(1);
  }
  return pid;
}

int
main(void)
{
  int pid, w;

  open_console();
  for(;;){
    pid = start_shell();
    if(pid < 0){
      sleep(10);   // e.g. the process table is full: wait for exits
      continue;
    }
    // Reap until the shell itself exits; other children are orphans.
    for(;;){
      w = wait(0);
      if(w == pid)
        break;
      if(w < 0){
        printf("init: wait returned an error: %s\n", strerror(errno));
        exit(1);
      }
    }
  }
}
