// clear_refs_dio: Andrea Arcangeli's reproducer. An O_DIRECT read into
// the first half of a page is in flight (the kernel holds the page through
// GUP) while one thread's clear_refs write-protects the page and another
// thread writes the second half. If that write fault copies the page
// (5.9's refcount rule: the GUP reference makes the count 2), the process
// moves to the copy and the read lands in the old frame: its data is lost.
// 5.11 made clear_refs skip pinned pages, but O_DIRECT took plain
// references (FOLL_GET) until 6.5, so the bug outlived that fix;
// PageAnonExclusive (5.19) reuses the page instead of copying it.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/vmmap.h"
#include "user/user.h"
#include "user/repro.h"

#define FILE "crdio.f"

static char *buf;
static volatile int reading, cleared;
static char cstack[4096] __attribute__((aligned(16)));
static char wstack[4096] __attribute__((aligned(16)));

// Once the read has taken its page: clear_refs.
static int
clearer(void *arg)
{
  while(!reading)
    ;
  pause(2);                    // inside the read's race window (race_delay_ms)
  clear_refs(0, CLEAR_REFS_SOFT_DIRTY);
  cleared = 1;
  return 0;
}

// Once clear_refs has write-protected the page (it is no longer
// soft-dirty), write its other half. clear_refs leaves a pinned page
// alone (5.11): then write when it is done.
static int
writer(void *arg)
{
  uint64 e;
  // A tick between looks: mmap_lock lets readers in while a writer
  // waits, so pagemap in a tight loop could keep out a clear_refs that
  // takes it for writing (5.11) until the read's window has closed.
  for(;;){
    CHECK(pagemap(0, buf, 1, &e) == 1, "pagemap: %s", strerror(errno));
    if(!(e & PM_SOFT_DIRTY) || cleared)
      break;
    pause(1);
  }
  buf[PGSIZE - 1] = 'w';
  return 0;
}

int
main(void)
{
  SETUP("clear_refs_dio");
  close(page_file(FILE, 'd'));
  buf = map_anon(PGSIZE);
  memset(buf, '.', PGSIZE);
  int fd = open(FILE, O_RDONLY | O_DIRECT);
  CHECK(fd >= 0, "open O_DIRECT: %s", strerror(errno));
  int old = vmknob("race_delay_ms", 600);
  int c = thread_spawn(clearer, 0, cstack, sizeof(cstack));
  int w = thread_spawn(writer, 0, wstack, sizeof(wstack));
  CHECK(c > 0 && w > 0, "thread_spawn");
  reading = 1;
  int n = read(fd, buf, PGSIZE / 2);
  thread_join(c, 0);
  thread_join(w, 0);
  vmknob("race_delay_ms", old);
  close(fd);
  unlink(FILE);
  CHECK(n == PGSIZE / 2, "direct read: %d (%s)", n, strerror(errno));
  if(buf[0] != 'd' || buf[PGSIZE / 2 - 1] != 'd')
    BUG("the O_DIRECT read's data is lost (the page holds '%c', the file 'd')", buf[0]);
  CHECK(buf[PGSIZE - 1] == 'w', "the other half lost the thread's write");
  VERDICT_OK("the O_DIRECT read's data is in the process's page");
}
