// huge_dirtycow: CVE-2017-1000405 ("Huge Dirty COW", Bindecy). Dirty
// COW's fix (4.9) lets a retried FOLL_FORCE write through a read-only
// entry only if the entry is dirty, which only the COW copy was meant to
// be. On a huge PMD that proof failed: GUP's touch_pmd made the PMD dirty
// on any access, a read too. A forced write into a read-only private
// mapping copies the huge zero page (until 5.7 into a new huge page); a
// thread drops the copy (MADV_DONTNEED), reads the range again, which maps
// the huge zero page, and vmsplices it into a pipe (a GUP read, which
// makes the PMD dirty); the retry of the write then takes the read-only,
// dirty huge zero page for its copy and writes the zeros every process
// reads. Before 4.9 the retry asked for no write at all (Dirty COW) and
// wrote there too. 4.15 (a8f97366452e) dirties the PMD only for a write
// GUP. race_delay_ms widens the window between the COW fault and the
// retry. (A huge zero page that was written goes away with its mappings.)
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "user/repro.h"

#define HPAGE (2 * 1024 * 1024)
#define TRIES 10

static char *map;
static volatile int stop;
static char stack[8192] __attribute__((aligned(16)));

// 2 MiB of read-only private anonymous memory, 2 MiB aligned, that may be
// huge, and read: the huge zero page.
static char *
huge_readonly(void)
{
  char *p = mmap(0, 2 * HPAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
  char *h = (char *)(((uint64)p + HPAGE - 1) & ~(uint64)(HPAGE - 1));
  CHECK(madvise(h, HPAGE, MADV_HUGEPAGE) == 0, "madvise: %s", strerror(errno));
  volatile char c = h[0];
  (void)c;
  return h;
}

static int
dontneed(void *arg)
{
  volatile char c;
  static char buf[PGSIZE];
  int fds[2];
  if(pipe(fds) < 0)
    return 1;
  while(!stop){
    madvise(map, HPAGE, MADV_DONTNEED);
    c = map[0];   // a read fault maps the huge zero page again
    // A read GUP (vmsplice's get_user_pages, under mmap_lock held for
    // reading like the forced write's) touches the PMD.
    if(vmsplice(fds[1], map, PGSIZE, 0) == PGSIZE)
      for(int got = 0, r; got < PGSIZE && (r = read(fds[0], buf, PGSIZE - got)) > 0; got += r)
        ;   // drained: the pipe never fills
    // Mostly the retry should find the dirty huge zero page mapped.
    for(int i = 0; i < 2000 && !stop; i++)
      c = map[i];
  }
  (void)c;
  return 0;
}

int
main(void)
{
  SETUP("huge_dirtycow");
  CHECK(vmknob("transparent_hugepage", -1) != 0, "transparent huge pages are off");
  map = huge_readonly();
  // Other untouched memory: it maps the same huge zero page, and keeps it
  // (it goes when its last mapping does).
  char *witness = huge_readonly();
  int bug = 0;
  int old = vmknob("race_delay_ms", 110);   // a tick and more: on one hart the timer lets the other thread run
  int dog = watchdog(100, "a forced write (memwrite)");
  int tid = thread_spawn(dontneed, 0, stack, sizeof(stack));
  CHECK(tid > 0, "thread_spawn");
  for(int i = 0; i < TRIES && !bug; i++){
    CHECK(memwrite(0, map + 5 * PGSIZE, "MOO", 3) == 3, "memwrite: %s", strerror(errno));
    bug = memcmp(witness + 5 * PGSIZE, "MOO", 3) == 0;
  }
  watchdog_stop(dog);
  stop = 1;
  thread_join(tid, 0);
  vmknob("race_delay_ms", old);
  if(bug)
    BUG("a forced write into a read-only private mapping wrote the huge zero page: "
        "other untouched memory reads \"MOO\"");
  VERDICT_OK("the forced writes went to private copies; the huge zero page is zeros");
}
