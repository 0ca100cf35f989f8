// thp_vmsplice: CVE-2020-29374 (vmsplice_leak) through a transparent
// huge page. The child vmsplices a page of a huge page it shares with its
// parent after fork (a GUP reference, no COW break), unmaps the huge
// page, and the parent writes a secret there. If the parent's write fault
// reuses the huge page because one mapping maps it, the child reads the
// secret from the pipe. Small pages were fixed in 5.8 (GUP breaks COW,
// also on huge PMDs) and again, differently, from 5.9 on (reuse at
// refcount 1); huge pages kept the mapcount rule until 5.18 (3bff7e3f1f16).
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/vmmap.h"
#include "user/user.h"
#include "user/repro.h"

#define HPAGE (2 * 1024 * 1024)

int
main(void)
{
  SETUP("thp_vmsplice");
  char *p = map_anon(2 * HPAGE);
  char *h = (char *)(((uint64)p + HPAGE - 1) & ~(uint64)(HPAGE - 1));
  CHECK(madvise(h, HPAGE, MADV_HUGEPAGE) == 0, "madvise: %s", strerror(errno));
  memset(h, 'o', HPAGE);
  struct page_info pi;
  CHECK(pageinfo(0, h, 1, &pi) == 1 && pi.huge, "no huge page (transparent_hugepage %d)",
        vmknob("transparent_hugepage", -1));
  if(vmsplice_after_fork(h, HPAGE))
    BUG("the child read the parent's later write \"%s\" from the pipe", "SECRET");
  VERDICT_OK("the pipe kept the huge page as it was when spliced");
}
