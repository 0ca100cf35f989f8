// thptest: the buddy allocator and transparent huge pages. Each test
// prints "thptest: running NAME" and then "test NAME: OK" or "FAILED".
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmstat.h"
#include "kernel/errno.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "user/testlib.h"

#define MAX_ORDER 11   // kernel/mm/mm.h

// One look at the allocator: the free frames and the free blocks of each
// order, from one vmstat call (the kernel takes them at one moment).
struct buddy {
  uint64 nr_free;
  uint64 blocks[MAX_ORDER];
};

static void
buddy_snapshot(struct buddy *b)
{
  static struct vmstat_entry e[64];
  int n = vmstat(e, 64);
  CHECK(n > MAX_ORDER, "vmstat: %d entries", n);
  CHECK(strcmp(e[0].name, "nr_free_pages") == 0, "vmstat's first entry is %s", e[0].name);
  b->nr_free = e[0].value;
  for(int o = 0; o < MAX_ORDER; o++)
    b->blocks[o] = e[1 + o].value;
}

// The free frames in blocks of 2 MiB or more: what huge pages can use.
static uint64
huge_frames(struct buddy *b)
{
  uint64 n = 0;
  for(int o = 9; o < MAX_ORDER; o++)
    n += b->blocks[o] << o;
  return n;
}

// The blocks add up to the free frames.
static void
check_exact(struct buddy *b)
{
  uint64 sum = 0;
  for(int o = 0; o < MAX_ORDER; o++)
    sum += b->blocks[o] << o;
  CHECK(sum == b->nr_free, "the free blocks hold %ld frames, nr_free_pages says %ld",
        sum, b->nr_free);
}

// Run f in a child and wait for it: whatever it allocated is freed when
// it exits, page tables included.
static void
in_child(void (*f)(void))
{
  int pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    f();
    exit(0);
  }
  CHECK(reap(pid) == 0, "child failed");
}

// Touch npages pages from p, one write each in every step pages.
static void
touch_step(char *p, int npages, int step)
{
  for(int i = 0; i < npages; i += step)
    p[(uint64)i * PGSIZE] = i;
}

static void
touch(char *p, int npages)
{
  touch_step(p, npages, 1);
}

// --- the buddy allocator ------------------------------------------------

static void
buddy_exact(void)
{
  struct buddy b;
  for(int i = 0; i < 20; i++){
    buddy_snapshot(&b);
    check_exact(&b);
    CHECK(b.blocks[MAX_ORDER - 1] > 0, "no block of order %d in an idle system", MAX_ORDER - 1);
  }
}

#define BIG (8 * 1024 * 1024)

static void
use_and_free(void)
{
  struct buddy a, b;
  buddy_snapshot(&a);
  char *p = map_anon(BIG);
  touch(p, BIG / PGSIZE);
  buddy_snapshot(&b);
  check_exact(&b);
  CHECK(a.nr_free - b.nr_free >= BIG / PGSIZE, "touching %d pages took %ld frames",
        BIG / PGSIZE, a.nr_free - b.nr_free);
  CHECK(munmap(p, BIG) == 0, "munmap: %s", strerror(errno));
}

// This process's own writes may take a few frames meanwhile: after a fork
// (run_tests's, or its own) its stack and data are copy-on-write.
#define SLACK 8
#define HUGE_SLACK 512   // ... which may break up a 2 MiB block

// After a child that used memory has exited, the frames are back, and
// back in 2 MiB blocks: freed frames merge with their buddies again. (The
// blocks are a function of the free frames, but for those SLACK frames.) Exact accounting is run_tests's "freed".
static void
check_back(struct buddy *a)
{
  struct buddy b;
  // A frame may come back a moment late: a hart that ran the child keeps
  // its page table until it runs another (lazy TLB).
  for(int i = 0; i < 20; i++){
    buddy_snapshot(&b);
    if(b.nr_free + SLACK >= a->nr_free)
      break;
    pause(1);
  }
  check_exact(&b);
  CHECK(b.nr_free + SLACK >= a->nr_free, "%ld frames lost", a->nr_free - b.nr_free);
  CHECK(huge_frames(&b) + HUGE_SLACK >= huge_frames(a), "%ld frames in 2 MiB blocks before, %ld after",
        huge_frames(a), huge_frames(&b));
}

static void
buddy_merge(void)
{
  struct buddy a;
  buddy_snapshot(&a);
  in_child(use_and_free);
  check_back(&a);
}

// Free npages pages from p, one in every step, without splitting the region.
static void
drop(char *p, int npages, int first, int step)
{
  for(int i = first; i < npages; i += step)
    CHECK(madvise(p + (uint64)i * PGSIZE, PGSIZE, MADV_DONTNEED) == 0, "madvise: %s",
          strerror(errno));
}

// Pages handed out one after another come from splitting large blocks, so
// they lie side by side: freeing every other one leaves single frames that
// cannot merge, and no more 2 MiB blocks; freeing the rest merges them all.
// The page tables are made first (and stay until exit), so that they do
// not lie among the pages.
static void
fragment(void)
{
  struct buddy z, a, b, c;
  int n = BIG / PGSIZE;
  char *p = map_anon(BIG);
  touch_step(p, n, 512);
  drop(p, n, 0, 512);
  buddy_snapshot(&z);
  touch(p, n);
  buddy_snapshot(&a);
  drop(p, n, 1, 2);
  buddy_snapshot(&b);
  check_exact(&b);
  CHECK(b.nr_free - a.nr_free + SLACK >= n / 2 && b.nr_free - a.nr_free <= n / 2, "freeing %d pages gave %ld frames", n / 2,
        b.nr_free - a.nr_free);
  CHECK(b.blocks[0] - a.blocks[0] >= n / 2 * 3 / 4, "freeing every other page of %d made "
        "only %ld single free frames", n, b.blocks[0] - a.blocks[0]);
  CHECK(huge_frames(&b) == huge_frames(&a), "freeing every other page made 2 MiB blocks");
  drop(p, n, 0, 2);
  buddy_snapshot(&c);

  check_exact(&c);
  CHECK(huge_frames(&a) + n / 2 <= huge_frames(&z), "touching %d pages took only %ld frames "
        "of 2 MiB blocks", n, huge_frames(&z) - huge_frames(&a));
  CHECK(huge_frames(&c) + HUGE_SLACK >= huge_frames(&z), "%ld frames in 2 MiB blocks before, "
        "%ld after the pages were freed", huge_frames(&z), huge_frames(&c));
}

static void
buddy_fragment(void)
{
  struct buddy a;
  buddy_snapshot(&a);
  in_child(fragment);
  check_back(&a);
}

struct test tests[] = {
  { buddy_exact, "buddy_exact" },
  { buddy_merge, "buddy_merge" },
  { buddy_fragment, "buddy_fragment" },
};

int
main(int argc, char *argv[])
{
  exit(run_tests("thptest", tests, NELEM(tests), argc, argv, 0) != 0);
}
