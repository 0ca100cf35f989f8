// ro_pin_gupfast: a read-only pin taken by GUP-fast while a fork runs.
// The page is exclusive and mapped read-only (an unshare fault left it
// so), so a fork shares it with the child, clears its exclusive bit and
// leaves the parent's PTE as it was. Since 5.19 GUP-fast pins an exclusive
// page at once and leaves any other to the slow path, which unshares it.
// It must ask only once it holds the page and has found the PTE
// unchanged: an answer got earlier may be stale, because a whole fork can
// run in between, and the pin then lands on a page the child shares. The
// process's next write copies the page away from the pin. race_delay_ms
// holds GUP-fast just before it takes its reference until a fork has run
// (on one hart too). Before 5.19 a read-only pin takes a shared page as it
// is anyway (ro_pin_fork), or, taken before fork, keeps a page that fork
// shares (before 5.9).
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
  fd = pin_user_pages(p, PGSIZE, 0);
  return fd >= 0 ? 0 : 1;
}

int
main(void)
{
  SETUP("ro_pin_gupfast");
  p = map_anon(PGSIZE);
  p[0] = 'a';
  int pid = fork();            // the page is shared, and then the child's no more
  CHECK(pid >= 0, "fork");
  if(pid == 0)
    exit(0);
  CHECK(reap(pid) == 0, "the child failed");
  int pre = pin_user_pages(p, PGSIZE, 0);   // unshares it: exclusive, read-only
  CHECK(pre >= 0, "pin_user_pages: %s", strerror(errno));
  close(pre);
  int old = vmknob("race_delay_ms", 200);
  int tid = thread_spawn(pinner, 0, stack, sizeof(stack));
  CHECK(tid > 0, "thread_spawn");
  pause(1);                    // the pinner now waits inside GUP-fast
  int go;
  pid = fork_holder(&go);      // keeps the page shared
  int st;
  CHECK(thread_join(tid, &st) == 0 && st == 0, "pin_user_pages failed");
  vmknob("race_delay_ms", old);
  p[0] = 'W';
  char c = device_byte(fd, 0);
  CHECK(let_go(pid, go) == 0, "the child failed");
  if(c != 'W')
    BUG("the read-only pin sees '%c', not the process's later write 'W': "
        "GUP-fast pinned a page that a fork had just shared", c);
  VERDICT_OK("the read-only pin sees the process's later write");
}
