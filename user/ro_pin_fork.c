// ro_pin_fork: a read-only long-term pin of a page shared after fork. If
// the pin takes the shared page as it is, the pinning process's next write
// copies it (the child still maps it), and the pin no longer sees the
// process's memory. Fixed for good by 5.19's unsharing of read-only pins
// (5.8's COW break on read GUP did it too, until reverted).
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "user/repro.h"

int
main(void)
{
  SETUP("ro_pin_fork");
  char *p = map_anon(PGSIZE);
  p[0] = 'a';
  int go, pid = fork_holder(&go);   // keeps the page shared
  int fd = pin_user_pages(p, PGSIZE, FOLL_LONGTERM);
  CHECK(fd >= 0, "pin_user_pages: %s", strerror(errno));
  p[0] = 'W';
  char c = device_byte(fd, 0);
  let_go(pid, go);
  if(c != 'W')
    BUG("the read-only pin sees '%c', not the process's later write 'W'", c);
  VERDICT_OK("the read-only pin sees the process's later write");
}
