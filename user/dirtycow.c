// dirtycow: CVE-2016-5195. A FOLL_FORCE write (memwrite, as through
// /proc/self/mem) into a read-only private mapping of a read-only file
// breaks COW and retries; before 4.8.3 the retry dropped FOLL_WRITE. A
// thread calling MADV_DONTNEED in a loop drops the COW copy in between,
// the retry maps the file's own page, and the write lands in the file.
// The thread also reads the page after each MADV_DONTNEED, as the exploit's
// victim might: the retry then mostly finds the file's page mapped by a
// read fault, read-only and clean, rather than no page at all. A fix that
// cannot tell that PTE from the COW copy's still writes the file.
// race_delay_ms widens the window between the COW fault and the retry so
// that the race is won every time.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "user/repro.h"

#define FILE "dcow.f"
#define TRIES 5

static char *map;
static volatile int stop;
static char stack[8192] __attribute__((aligned(16)));

static int
dontneed(void *arg)
{
  volatile char c;
  while(!stop){
    madvise(map, PGSIZE, MADV_DONTNEED);
    for(int i = 0; i < 1000 && !stop; i++)
      c = map[0];   // a read fault maps the file's own page
  }
  (void)c;
  return 0;
}

int
main(void)
{
  SETUP("dirtycow");
  static char buf[PGSIZE];
  close(page_file(FILE, 'r'));
  int fd = open(FILE, O_RDONLY);   // the attacker may only read the file
  map = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  CHECK(map != MAP_FAILED, "mmap");
  int old = vmknob("race_delay_ms", 110);   // a tick and more: on one hart the timer lets the other thread run
  int dog = watchdog(100, "a forced write (memwrite)");
  int tid = thread_spawn(dontneed, 0, stack, sizeof(stack));
  CHECK(tid > 0, "thread_spawn");
  for(int i = 0; i < TRIES; i++)
    CHECK(memwrite(0, map, "MOO", 3) == 3, "memwrite: %s", strerror(errno));
  watchdog_stop(dog);
  stop = 1;
  thread_join(tid, 0);
  vmknob("race_delay_ms", old);
  munmap(map, PGSIZE);
  close(fd);
  fd = open(FILE, O_RDONLY);
  CHECK(read(fd, buf, 3) == 3, "read");
  close(fd);
  unlink(FILE);
  if(memcmp(buf, "MOO", 3) == 0)
    BUG("a forced write into a private mapping changed the read-only file");
  VERDICT_OK("the forced writes went to private copies; the file is unchanged");
}
