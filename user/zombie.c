// zombie: leave a child unreaped for a moment, then exit.  The child
// stays a zombie until the parent exits and init reaps it.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"

int
main(void)
{
  if(fork() > 0)
    sleep(5);   // the child exits at once and is not waited for
  exit(0);
}
