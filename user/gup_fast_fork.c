// gup_fast_fork: the race that 57efa1fe5957 (5.11) closed. Since 5.9 fork
// gives the child a copy of a pinned page instead of sharing it, but it
// decides by the page's pin count, and GUP-fast pins without any lock: a
// pin that lands after fork looked at the page and before fork
// write-protected it is missed. The page is shared copy-on-write; the
// child exits, the parent writes, the write copies the page (the pin's
// reference makes its count 2), and the device and the parent see two
// different pages. 5.11 has fork bump mm->write_protect_seq around its
// copy: GUP-fast that sees it move backs off to the slow path, which waits
// for fork's mmap_lock. race_delay_ms makes the pin wait inside GUP-fast
// until fork stands in that window at the page (on one hart too). The pin
// waits before it has read anything, and fork is under way when it goes
// on; with "late", fork comes only after the pin has read everything it
// reads and waits just before it takes the page (grab_page). A fence that
// works in the one case may fail in the other.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "user/repro.h"

static char *p;
static volatile int fd = -1;
static char stack[4096] __attribute__((aligned(16)));

static int
pinner(void *arg)
{
  fd = pin_user_pages(p, PGSIZE, FOLL_WRITE | FOLL_LONGTERM);
  return fd >= 0 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
  SETUP("gup_fast_fork");
  int late = argc > 1 && strcmp(argv[1], "late") == 0;
  CHECK(argc == 1 || late, "usage: gup_fast_fork [late]");
  p = map_anon(PGSIZE);
  p[0] = 'a';
  int old = vmknob("race_delay_ms", 200);
  int tid = thread_spawn(pinner, 0, stack, sizeof(stack));
  CHECK(tid > 0, "thread_spawn");
  // The pinner now waits at the top of GUP-fast, for at most 4 times
  // race_delay_ms; late, fork comes after that, and meets it further on.
  pause(late ? 10 : 1);
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0)
    exit(0);
  int st;
  CHECK(thread_join(tid, &st) == 0 && st == 0, "pin_user_pages failed");
  CHECK(reap(pid) == 0, "the child failed");
  vmknob("race_delay_ms", old);
  p[0] = 'P';                  // the parent writes after the child is gone
  char c = device_byte(fd, 0);
  if(c != 'P')
    BUG("the device sees '%c', not the parent's write 'P': fork shared the page it was pinning", c);
  VERDICT_OK("the device and the parent still share the pinned page");
}
