// gup_softdirty: a real effect of 5.8's "GUP breaks COW", beside the
// breakage that got it reverted (userfaultfd-wp: uffd_wp_gup; strace on
// DAX, which cowpin lacks). After clear_refs, a read-only GUP (vmsplice) of a
// page that nobody writes makes the page soft-dirty (and writable),
// because the GUP took a write fault: a soft-dirty tracker (CRIU) sees a
// write that never was.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmmap.h"
#include "user/user.h"
#include "user/repro.h"

int
main(void)
{
  SETUP("gup_softdirty");
  char *p = map_anon(PGSIZE);
  p[0] = 1;
  CHECK(clear_refs(0, CLEAR_REFS_SOFT_DIRTY) == 0, "clear_refs");
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  CHECK(vmsplice(fds[1], p, 16, 0) == 16, "vmsplice: %s", strerror(errno));
  uint64 e;
  CHECK(pagemap(0, p, 1, &e) == 1, "pagemap");
  if(e & PM_SOFT_DIRTY)
    BUG("a read-only GUP made an unwritten page soft-dirty");
  VERDICT_OK("a read-only GUP left the page clean");
}
