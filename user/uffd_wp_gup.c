// uffd_wp_gup: why 5.8's "GUP breaks COW" was reverted. 5.8
// (17839856fd58, knob gup_read_breaks_cow) made a read-only GUP of a COW
// page take a write fault first, so that the page it gets is the
// process's own. A page write-protected by userfaultfd is a read-only PTE
// in a private writable region, just like a COW page: the read-only GUP
// takes a write fault on it, and the monitor is told of a write
// (UFFD_PAGEFAULT_FLAG_WRITE | WP) that never happens. In Peter Xu's
// report (August 2020) the GUP's thread then waited for good, the monitor
// seeing no reason to un-protect; 5.9 reverted the rule (a308c71bf1e6).
// Here the monitor looks for that message while a thread vmsplices the
// page (a plain read-only GUP) into a pipe, and un-protects the page if it
// comes, so that the thread finishes either way.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/userfaultfd.h"
#include "user/user.h"
#include "user/repro.h"

static char *page;
static int fds[2];
static volatile int done;
static char stack[4096] __attribute__((aligned(16)));

static int
gup_reader(void *arg)
{
  int r = vmsplice(fds[1], page, 16, 0);
  done = 1;
  return r == 16 ? 0 : 1;
}

int
main(void)
{
  SETUP("uffd_wp_gup");
  page = map_anon(PGSIZE);
  page[0] = 'x';
  int uffd = userfaultfd(O_NONBLOCK);
  CHECK(uffd >= 0, "userfaultfd: %s", strerror(errno));
  struct uffdio_api api = { UFFD_API, 0, 0 };
  CHECK(ioctl(uffd, UFFDIO_API, &api) == 0, "UFFDIO_API: %s", strerror(errno));
  struct uffdio_register reg = { { (uint64)page, PGSIZE }, UFFDIO_REGISTER_MODE_WP, 0 };
  CHECK(ioctl(uffd, UFFDIO_REGISTER, &reg) == 0, "UFFDIO_REGISTER: %s", strerror(errno));
  struct uffdio_writeprotect wp = { { (uint64)page, PGSIZE }, UFFDIO_WRITEPROTECT_MODE_WP };
  CHECK(ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) == 0, "UFFDIO_WRITEPROTECT: %s", strerror(errno));
  CHECK(pipe(fds) == 0, "pipe");
  int tid = thread_spawn(gup_reader, 0, stack, sizeof(stack));
  CHECK(tid > 0, "thread_spawn");

  struct uffd_msg msg;
  int told = 0;
  for(int i = 0; i < 100 && !done && !told; i++){
    told = read(uffd, &msg, sizeof(msg)) == sizeof(msg);
    if(!told){
      CHECK(errno == EAGAIN, "read: %s", strerror(errno));
      sleep(1);
    }
  }
  if(told){   // let the thread go: un-protect (and wake)
    wp.mode = 0;
    CHECK(ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) == 0, "un-protect: %s", strerror(errno));
  }
  int st;
  CHECK(thread_join(tid, &st) == 0 && st == 0, "the vmsplice failed");
  CHECK(page[0] == 'x', "the page changed");
  if(told)
    BUG("a read-only GUP (vmsplice) was reported as a write fault (flags %lx) on the "
        "write-protected page", msg.arg.pagefault.flags);
  VERDICT_OK("a read-only GUP of a write-protected page reached no monitor");
}
