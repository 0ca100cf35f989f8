// rdma_fork: the 5.9-rc4 regression. A process registers memory with a
// device (a long-term write pin), forks, the child exits, the parent
// writes. If fork shared the pinned page copy-on-write and the parent's
// write copies it because the pin holds a reference (refcount != 1), the
// parent now writes a page the device never sees.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "user/repro.h"

int
main(void)
{
  SETUP("rdma_fork");
  char *p = map_anon(PGSIZE);
  p[0] = 'a';
  int fd = pin_user_pages(p, PGSIZE, FOLL_WRITE | FOLL_LONGTERM);
  CHECK(fd >= 0, "pin_user_pages: %s", strerror(errno));
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0)
    exit(0);
  wait(0);
  p[0] = 'P';                  // the parent writes after the child is gone
  char c = device_byte(fd, 0);
  if(c != 'P')
    BUG("the device sees '%c', not the parent's write 'P': the parent left the pinned page", c);
  VERDICT_OK("the device and the parent still share the pinned page");
}
