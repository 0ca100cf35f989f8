// vmsplice_leak: CVE-2020-29374 (Jann Horn). The child vmsplices a page
// it shares with its parent after fork (a GUP reference, no COW break),
// unmaps it, and the parent writes a secret there. If the parent's write
// fault reuses the page because only one PTE maps it (the rule before
// 5.8), the child reads the secret from the pipe.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "user/user.h"
#include "user/repro.h"

int
main(void)
{
  SETUP("vmsplice_leak");
  char *p = map_anon(PGSIZE);
  memset(p, 'o', PGSIZE);
  if(vmsplice_after_fork(p, PGSIZE))
    BUG("the child read the parent's later write \"%s\" from the pipe", "SECRET");
  VERDICT_OK("the pipe kept the page as it was when spliced");
}
