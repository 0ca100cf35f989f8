// thptest: the buddy allocator and transparent huge pages. Each test
// prints "thptest: running NAME" and then "test NAME: OK" or "FAILED".
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmstat.h"
#include "kernel/errno.h"
#include "kernel/fcntl.h"
#include "kernel/vmmap.h"
#include "user/user.h"
#include "user/testlib.h"

#define MAX_ORDER 11   // kernel/mm/mm.h
#define THP_NEVER_V 0  // knob transparent_hugepage: never, madvise, always
#define THP_MADVISE_V 1
#define THP_ALWAYS_V 2

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


// --- transparent huge pages ---------------------------------------------

#define HPAGE (2 * 1024 * 1024)
#define HNR 512   // pages in a huge page

// The tests run under the policy madvise (the default); a test that
// changes it has it set back after it, even if it failed.
static void
restore_policy(struct test *t)
{
  vmknob("transparent_hugepage", THP_MADVISE_V);
}

static void
set_policy(int v)
{
  CHECK(vmknob("transparent_hugepage", v) >= 0, "vmknob: %s", strerror(errno));
}

// n huge pages' worth of private anonymous memory at a 2 MiB aligned
// address, marked MADV_HUGEPAGE (the default policy, madvise, gives it
// huge pages); the region around it is mapped too, so that the address
// is aligned.
static char *
map_huge(int n)
{
  char *p = map_anon((uint64)(n + 1) * HPAGE);
  char *a = (char *)(((uint64)p + HPAGE - 1) & ~(uint64)(HPAGE - 1));
  CHECK(madvise(a, (uint64)n * HPAGE, MADV_HUGEPAGE) == 0, "madvise: %s", strerror(errno));
  return a;
}

// Is va mapped by a huge PMD, and are the pages of its huge page where
// they should be (frame i at page i, the first frame 2 MiB aligned)?
static int
is_huge(char *va)
{
  static struct page_info pi[PAGEINFO_MAX];
  char *h = (char *)((uint64)va & ~(uint64)(HPAGE - 1));
  for(int i = 0; i < HNR; i += PAGEINFO_MAX){
    CHECK(pageinfo(0, h + (uint64)i * PGSIZE, PAGEINFO_MAX, pi) == PAGEINFO_MAX, "pageinfo: %s",
          strerror(errno));
    for(int j = 0; j < PAGEINFO_MAX; j++){
      if(!pi[j].huge)
        return 0;
      CHECK(pi[j].pfn == pi[0].pfn + j && (i > 0 || pi[0].pfn % HNR == 0),
            "page %d of a huge mapping has frame %lx (page 0: %lx)", i + j, pi[j].pfn, pi[0].pfn);
    }
  }
  return 1;
}

// Write page i of the huge page at h with byte i + k, all of it.
static void
fill(char *h, int k)
{
  for(int i = 0; i < HNR; i++)
    memset(h + (uint64)i * PGSIZE, i + k, PGSIZE);
}

// Check the pattern of fill, skipping page skip.
static void
check_fill(char *h, int k, int skip)
{
  for(int i = 0; i < HNR; i++){
    if(i == skip)
      continue;
    char *pg = h + (uint64)i * PGSIZE;
    CHECK(pg[0] == (char)(i + k) && pg[PGSIZE - 1] == (char)(i + k),
          "page %d holds %d, not %d", i, pg[0], (char)(i + k));
  }
}

// A write fault in a MADV_HUGEPAGE region maps one huge page: 512 frames,
// aligned, zeroed; unmapping all of it frees it without a split.
static void
thp_fault(void)
{
  uint64 alloc = counter("thp_fault_alloc"), split = counter("thp_split_pmd");
  uint64 free0 = counter("nr_free_pages");
  char *h = map_huge(1);
  h[100] = 1;
  CHECK(counter("thp_fault_alloc") == alloc + 1, "thp_fault_alloc did not count the fault");
  CHECK(is_huge(h), "the first write did not map a huge page");
  CHECK(free0 - counter("nr_free_pages") >= HNR, "a huge page took only %ld frames",
        free0 - counter("nr_free_pages"));
  for(int i = 0; i < HPAGE; i += 512)
    CHECK(h[i] == 0, "byte %d of a new huge page is %d", i, h[i]);
  struct page_info *pi = page_info_of(h + 5 * PGSIZE);
  CHECK(pi->refcount == 1 && pi->mapcount == 1 && (pi->flags & PI_ANON_EXCLUSIVE),
        "page 5: refcount %d mapcount %d flags %x", pi->refcount, pi->mapcount, pi->flags);
  fill(h, 0);
  check_fill(h, 0, -1);
  CHECK(munmap(h, HPAGE) == 0, "munmap: %s", strerror(errno));
  CHECK(counter("thp_split_pmd") == split, "munmap of a whole huge page split it");
  CHECK(counter("nr_free_pages") + 8 >= free0, "munmap did not free the huge page");
}

// The policy: madvise (the default) gives huge pages to MADV_HUGEPAGE
// regions only; always to any region but MADV_NOHUGEPAGE ones; never to none.
static void
thp_policy_knob(void)
{
  char *h = map_huge(4);
  CHECK(madvise(h, HPAGE, MADV_NOHUGEPAGE) == 0, "madvise: %s", strerror(errno));
  h[0] = 1;
  CHECK(!is_huge(h), "MADV_NOHUGEPAGE got a huge page");
  h[HPAGE] = 1;
  CHECK(is_huge(h + HPAGE), "MADV_HUGEPAGE got no huge page");
  char *q = map_anon(3 * HPAGE);
  char *a = (char *)(((uint64)q + HPAGE - 1) & ~(uint64)(HPAGE - 1));
  a[0] = 1;
  CHECK(!is_huge(a), "policy madvise gave an unmarked region a huge page");
  set_policy(THP_ALWAYS_V);
  a[HPAGE] = 1;
  CHECK(is_huge(a + HPAGE), "policy always gave no huge page");
  h[1] = 1;
  CHECK(!is_huge(h), "policy always gave a MADV_NOHUGEPAGE region a huge page");
  set_policy(THP_NEVER_V);
  h[2 * HPAGE] = 1;
  CHECK(!is_huge(h + 2 * HPAGE), "policy never gave a huge page");
  CHECK(madvise(h, 8, 14) == 0 && madvise(h, 8, 15) == 0, "MADV_HUGEPAGE is 14, MADV_NOHUGEPAGE 15");
}

// An anonymous private mapping whose length is a whole number of huge
// pages, placed by the kernel, starts 2 MiB aligned (Linux: efa7df3e3bb5,
// d4148aeab412), so MADV_HUGEPAGE on all of it gets huge pages from its
// first byte; a hint is still taken as it is.
static void
thp_align(void)
{
  for(int n = 1; n <= 3; n++){
    map_anon(PGSIZE);   // leave the top of the free space unaligned
    char *p = map_anon((uint64)n * HPAGE);
    CHECK((uint64)p % HPAGE == 0, "mmap of %d MiB at %p: not 2 MiB aligned", 2 * n, p);
  }
  char *p = map_anon(2 * HPAGE);
  CHECK(madvise(p, 2 * HPAGE, MADV_HUGEPAGE) == 0, "madvise: %s", strerror(errno));
  p[0] = 1;
  p[HPAGE] = 1;
  CHECK(is_huge(p) && is_huge(p + HPAGE), "an aligned mapping's first touch got no huge page");
  char *hint = p - HPAGE - PGSIZE;   // below p: free, in a top-down layout
  char *q = mmap(hint, HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(q == hint, "the free hint %p was not taken (%p)", hint, q);
}

// A read fault maps the huge zero page: zeros read, and 2 MiB used once
// for all (thp_zero_page_alloc; it goes with its last mapping); a write
// then splits it and copies one page.
static void
thp_zero(void)
{
  char *h = map_huge(2);
  uint64 zalloc = counter("thp_zero_page_alloc");
  for(int i = 0; i < HPAGE; i += PGSIZE)
    CHECK(h[i] == 0, "byte %d of untouched memory is %d", i, h[i]);
  CHECK(counter("thp_zero_page_alloc") == zalloc + 1, "the huge zero page was allocated %ld "
        "times", counter("thp_zero_page_alloc") - zalloc);
  uint64 free0 = counter("nr_free_pages"), split = counter("thp_split_pmd");
  for(int i = HPAGE; i < 2 * HPAGE; i += PGSIZE)
    CHECK(h[i] == 0, "byte %d of untouched memory is %d", i, h[i]);
  CHECK(counter("thp_zero_page_alloc") == zalloc + 1, "a second read allocated another");
  struct page_info *pi = page_info_of(h + 7 * PGSIZE);
  CHECK(pi->huge && pi->zero && !(pi->pte & PTE_W), "a read did not map the huge zero page "
        "read-only (huge %d zero %d pte %lx)", pi->huge, pi->zero, pi->pte);
  CHECK(free0 < counter("nr_free_pages") + 16, "reading took %ld frames",
        free0 - counter("nr_free_pages"));
  h[7 * PGSIZE] = 7;
  CHECK(counter("thp_split_pmd") == split + 1, "a write to the huge zero page did not split it");
  pi = page_info_of(h + 7 * PGSIZE);
  CHECK(!pi->huge && !pi->zero && (pi->pte & PTE_W), "the written page is not a copy");
  pi = page_info_of(h + 8 * PGSIZE);
  CHECK(!pi->huge && pi->zero, "its neighbour is not the zero page");
  for(int i = 0; i < HPAGE; i += PGSIZE)
    CHECK(h[i] == (i == 7 * PGSIZE ? 7 : 0), "byte %d is %d after the split", i, h[i]);
  free0 = counter("nr_free_pages");
  CHECK(munmap(h, 2 * HPAGE) == 0, "munmap: %s", strerror(errno));
  CHECK(counter("nr_free_pages") >= free0 + HNR, "the huge zero page stayed after its last "
        "mapping went (%ld frames back)", counter("nr_free_pages") - free0);
}

// Take every free 2 MiB block (4 KiB pages of a big region), then give
// half the frames back, every other one: memory is free but fragmented.
// Returns the region's first page and its size in *n.
static char *
fragment_memory(int *n)
{
  struct buddy b;
  int max = counter("nr_free_pages");
  char *p = map_anon((uint64)max * PGSIZE);
  int i = 0;
  // The allocator hands out small free pieces before it splits a block,
  // so the last 2 MiB block goes only once little else is free: touch 2
  // MiB at a time, then what is left but a reserve (page tables, others).
  for(buddy_snapshot(&b); huge_frames(&b) > 0; buddy_snapshot(&b)){
    int room = (int)counter("nr_free_pages") - 128;
    int step = room < HNR ? room : HNR;
    if(step <= 0 || i + step > max)
      break;
    touch(p + (uint64)i * PGSIZE, step);
    i += step;
  }
  CHECK(huge_frames(&b) == 0, "touching %d pages left %ld frames in 2 MiB blocks", i,
        huge_frames(&b));
  drop(p, i, 1, 2);
  *n = i;
  return p;
}

// With no free 2 MiB block, a fault falls back to 4 KiB pages.
static void
thp_fallback(void)
{
  int n;
  fragment_memory(&n);
  uint64 fallback = counter("thp_fault_fallback");
  char *h = map_huge(1);
  h[0] = 1;
  CHECK(counter("thp_fault_fallback") == fallback + 1, "thp_fault_fallback did not count");
  CHECK(!is_huge(h), "a huge page with no free 2 MiB block");
  fill(h, 3);
  check_fill(h, 3, -1);
}

// A partial munmap, mprotect and MADV_DONTNEED each split the huge PMD:
// the other pages keep their data, in the same frames.
static void
thp_split(void)
{
  char *h = map_huge(3);
  uint64 split = counter("thp_split_pmd");
  for(int k = 0; k < 3; k++){
    char *x = h + (uint64)k * HPAGE;
    fill(x, k);
    CHECK(is_huge(x), "huge page %d is not", k);
  }
  uint64 pfn = page_info_of(h)->pfn;
  CHECK(munmap(h + 10 * PGSIZE, PGSIZE) == 0, "munmap: %s", strerror(errno));
  CHECK(counter("thp_split_pmd") == split + 1, "a partial munmap did not split");
  check_fill(h, 0, 10);
  CHECK(page_info_of(h + 11 * PGSIZE)->pfn == pfn + 11 && !page_info_of(h)->huge,
        "the split moved pages");
  CHECK(page_info_of(h + 10 * PGSIZE)->pte == 0, "the unmapped page is still mapped");

  char *y = h + HPAGE;
  CHECK(mprotect(y + 3 * PGSIZE, PGSIZE, PROT_READ) == 0, "mprotect: %s", strerror(errno));
  CHECK(counter("thp_split_pmd") == split + 2, "a partial mprotect did not split");
  CHECK(!(page_info_of(y + 3 * PGSIZE)->pte & PTE_W) && (page_info_of(y + 4 * PGSIZE)->pte & PTE_W),
        "mprotect changed the wrong pages");
  check_fill(y, 1, -1);
  y[4 * PGSIZE] = 9;

  char *z = h + 2 * HPAGE;
  CHECK(madvise(z + 5 * PGSIZE, PGSIZE, MADV_DONTNEED) == 0, "madvise: %s", strerror(errno));
  CHECK(counter("thp_split_pmd") == split + 3, "a partial MADV_DONTNEED did not split");
  CHECK(z[5 * PGSIZE] == 0, "MADV_DONTNEED'd page still has data");
  check_fill(z, 2, 5);
  uint64 free0 = counter("nr_free_pages");
  CHECK(madvise(y, HPAGE, MADV_DONTNEED) == 0, "madvise: %s", strerror(errno));
  CHECK(counter("nr_free_pages") >= free0 + HNR, "MADV_DONTNEED of a split huge page freed "
        "only %ld frames", counter("nr_free_pages") - free0);
  // The pages of a split exclusive huge page are exclusive: a write after
  // clear_refs write-protected them reuses the page in place.
  CHECK(clear_refs(0, CLEAR_REFS_SOFT_DIRTY) == 0, "clear_refs: %s", strerror(errno));
  h[12 * PGSIZE] = 12;
  CHECK(page_info_of(h + 12 * PGSIZE)->pfn == pfn + 12, "a write after the split copied the page");
}

// mprotect of a whole huge page keeps it huge (Linux: change_huge_pmd):
// read-only, a write kills; writable again, the next write reuses the
// page in place. No split, the same frames, the data kept.
static void
thp_mprotect(void)
{
  char *h = map_huge(1);
  fill(h, 3);
  uint64 pfn = page_info_of(h)->pfn, split = counter("thp_split_pmd");
  CHECK(mprotect(h, HPAGE, PROT_READ) == 0, "mprotect: %s", strerror(errno));
  CHECK(counter("thp_split_pmd") == split, "mprotect of a whole huge page split it");
  CHECK(is_huge(h) && !(page_info_of(h + 7 * PGSIZE)->pte & PTE_W),
        "PROT_READ: not huge and read-only");
  check_fill(h, 3, -1);
  int pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if(pid == 0){
    h[9 * PGSIZE] = 1;   // killed here
    exit(0);
  }
  CHECK(reap(pid) == -1, "a write to a PROT_READ huge page was not killed");
  CHECK(mprotect(h, HPAGE, PROT_READ | PROT_WRITE) == 0, "mprotect: %s", strerror(errno));
  h[9 * PGSIZE] = 42;
  CHECK(counter("thp_split_pmd") == split, "mprotect back, or the write, split the huge page");
  CHECK(is_huge(h) && page_info_of(h)->pfn == pfn && (page_info_of(h)->pte & PTE_W),
        "the write after mprotect did not reuse the huge page");
  CHECK(h[9 * PGSIZE] == 42 && h[10 * PGSIZE] == 13, "the data did not survive");
}

// fork shares a huge page at 2 MiB, copy-on-write; a write by the child
// splits its PMD and copies one page; the parent's stays huge, and its
// next write reuses it once the child is gone.
static void
thp_fork_cow(void)
{
  char *h = map_huge(1);
  fill(h, 0);
  uint64 pfn = page_info_of(h)->pfn, split = counter("thp_split_pmd");
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    struct page_info *pi = page_info_of(h + 3 * PGSIZE);
    CHECK(pi->huge && pi->pfn == pfn + 3 && pi->mapcount == 2 && !(pi->pte & PTE_W) &&
          (pi->pte & PTE_COW) && !(pi->flags & PI_ANON_EXCLUSIVE),
          "the child's page 3: huge %d pfn %lx mapcount %d pte %lx", pi->huge, pi->pfn,
          pi->mapcount, pi->pte);
    check_fill(h, 0, -1);
    h[3 * PGSIZE] = 'c';
    CHECK(page_info_of(h + 3 * PGSIZE)->pfn != pfn + 3, "the child wrote the shared page");
    CHECK(page_info_of(h + 4 * PGSIZE)->pfn == pfn + 4, "the other pages were copied too");
    char c = 0;
    write(fds[1], &c, 1);
    exit(0);
  }
  char c;
  close(fds[1]);   // a child that fails closes the pipe
  CHECK(read(fds[0], &c, 1) == 1, "the child failed");
  CHECK(counter("thp_split_pmd") == split + 1, "the child's write did not split its PMD");
  CHECK(h[3 * PGSIZE] == 3, "the parent sees the child's write");
  CHECK(is_huge(h), "the parent's huge page was split");
  CHECK(reap(pid) == 0, "child failed");
  uint64 reuse = counter("cow_reuse");
  h[0] = 'p';
  CHECK(counter("cow_reuse") == reuse + 1 && is_huge(h) && page_info_of(h)->pfn == pfn,
        "the parent's write did not reuse its huge page");
  CHECK(counter("thp_split_pmd") == split + 1, "the parent's write split");
}

// A pin of one page pins the huge page (its head counts); fork then gives
// the child copies, small pages, as it does for pinned small pages, and the
// device keeps seeing the parent's writes.
static void
thp_pin(void)
{
  char *h = map_huge(1);
  fill(h, 0);
  uint64 pfn = page_info_of(h)->pfn;
  uint64 fast = counter("gup_fast_pages"), slow = counter("gup_slow_pages");
  int fd = pin_user_pages(h + 5 * PGSIZE, 2 * PGSIZE, FOLL_WRITE | FOLL_LONGTERM);
  CHECK(fd >= 0, "pin_user_pages: %s", strerror(errno));
  CHECK(counter("gup_fast_pages") == fast + 2 && counter("gup_slow_pages") == slow,
        "GUP-fast did not take the pages of a huge PMD");
  struct page_info *pi = page_info_of(h + 100 * PGSIZE);
  CHECK(pi->pincount == 2 && pi->refcount == 3, "page 100: pincount %d refcount %d, not 2 and 3",
        pi->pincount, pi->refcount);
  uint64 split = counter("thp_split_pmd");
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    check_fill(h, 0, -1);
    CHECK(page_info_of(h + 5 * PGSIZE)->pfn != pfn + 5, "the child shares the pinned page");
    exit(0);
  }
  CHECK(reap(pid) == 0, "child failed");
  CHECK(counter("thp_split_pmd") == split + 1, "fork did not split the pinned huge PMD");
  h[5 * PGSIZE] = 'x';
  CHECK(page_info_of(h + 5 * PGSIZE)->pfn == pfn + 5, "the parent left its pinned frame");
  CHECK(device_byte(fd, 0) == 'x', "the device does not see the parent's write");
  close(fd);
  CHECK(page_info_of(h)->pincount == 0, "close did not unpin");
}

// The slow path of GUP on a huge PMD: a forced write (memwrite) lands in
// the page of its address; a read-only pin of a huge page shared with a
// child unshares one page of it; read() into and write() from huge-page
// memory go through the kernel's copies.
static void
thp_gup_slow(void)
{
  char *h = map_huge(1);
  fill(h, 0);
  CHECK(memwrite(0, h + 33 * PGSIZE + 1, "mw", 2) == 2, "memwrite: %s", strerror(errno));
  CHECK(h[33 * PGSIZE + 1] == 'm' && h[33 * PGSIZE + 2] == 'w' && h[1] == 0 && is_huge(h),
        "memwrite into a huge page missed its page");
  int go, pid = fork_holder(&go);
  uint64 unshare = counter("unshare_fault");
  int fd = pin_user_pages(h + 9 * PGSIZE, PGSIZE, 0);
  CHECK(fd >= 0, "pin_user_pages: %s", strerror(errno));
  CHECK(counter("unshare_fault") > unshare, "a read-only pin of a shared huge page did not unshare");
  h[9 * PGSIZE] = 'u';
  CHECK(device_byte(fd, 0) == 'u', "the pin does not see the process's write");
  close(fd);
  CHECK(let_go(pid, go) == 0, "holder failed");
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  CHECK(write(fds[1], h + 20 * PGSIZE - 8, 16) == 16, "write: %s", strerror(errno));
  CHECK(read(fds[0], h + 30 * PGSIZE - 8, 16) == 16, "read: %s", strerror(errno));
  CHECK(h[30 * PGSIZE - 8] == 19 && h[30 * PGSIZE + 7] == 20, "read() into a huge page");
}

// clear_refs write-protects a huge PMD and clears its soft-dirty bit
// without splitting it; a write makes all its pages soft-dirty again.
static void
thp_softdirty(void)
{
  static uint64 pm[HNR];
  char *h = map_huge(1);
  fill(h, 0);
  uint64 split = counter("thp_split_pmd");
  CHECK(clear_refs(0, CLEAR_REFS_SOFT_DIRTY) == 0, "clear_refs: %s", strerror(errno));
  CHECK(pagemap(0, h, HNR, pm) == HNR, "pagemap: %s", strerror(errno));
  for(int i = 0; i < HNR; i++)
    CHECK((pm[i] & PM_PRESENT) && !(pm[i] & PM_SOFT_DIRTY), "page %d soft-dirty after clear_refs", i);
  CHECK(is_huge(h) && !(page_info_of(h)->pte & PTE_W), "clear_refs split or did not write-protect");
  h[77 * PGSIZE] = 1;
  CHECK(pagemap(0, h, HNR, pm) == HNR, "pagemap: %s", strerror(errno));
  for(int i = 0; i < HNR; i++)
    CHECK(pm[i] & PM_SOFT_DIRTY, "page %d of the written huge page is not soft-dirty", i);
  CHECK(is_huge(h) && counter("thp_split_pmd") == split, "the write split the huge page");
}

// pagemap reports each page of a huge mapping: its own frame, present,
// exclusive; after a split, the same.
static void
thp_pagemap(void)
{
  static uint64 pm[HNR];
  char *h = map_huge(1);
  h[0] = 1;
  uint64 pfn = page_info_of(h)->pfn;
  for(int round = 0; round < 2; round++){
    CHECK(pagemap(0, h, HNR, pm) == HNR, "pagemap: %s", strerror(errno));
    for(int i = 0; i < HNR; i++)
      CHECK((pm[i] & PM_PRESENT) && (pm[i] & PM_MMAP_EXCLUSIVE) && PM_PFN(pm[i]) == pfn + i &&
            !(pm[i] & PM_FILE), "round %d: page %d: entry %lx (frame %lx)", round, i, pm[i], pfn + i);
    CHECK(mprotect(h + HPAGE - PGSIZE, PGSIZE, PROT_READ) == 0, "mprotect: %s", strerror(errno));
  }
}

// Huge pages in use, split, shared and unmapped: every frame comes back.
static void
churn(void)
{
  char *h = map_huge(4);
  for(int k = 0; k < 4; k++)
    fill(h + (uint64)k * HPAGE, k);
  munmap(h + HPAGE + 3 * PGSIZE, PGSIZE);
  int pid = fork();
  if(pid == 0){
    h[2 * HPAGE] = 1;
    munmap(h, HPAGE);
    exit(0);
  }
  reap(pid);
  madvise(h + 3 * HPAGE, HPAGE, MADV_DONTNEED);
  for(int i = 0; i < 4 * HPAGE; i += 4096 * 7)
    h[i] = 2;
}

static void
thp_no_leak(void)
{
  struct buddy a;
  buddy_snapshot(&a);
  in_child(churn);
  check_back(&a);
}

struct test tests[] = {
  { buddy_exact, "buddy_exact" },
  { buddy_merge, "buddy_merge" },
  { buddy_fragment, "buddy_fragment" },
  { thp_fault, "thp_fault" },
  { thp_policy_knob, "thp_policy" },
  { thp_align, "thp_align" },
  { thp_zero, "thp_zero" },
  { thp_fallback, "thp_fallback" },
  { thp_split, "thp_split" },
  { thp_mprotect, "thp_mprotect" },
  { thp_fork_cow, "thp_fork_cow" },
  { thp_pin, "thp_pin" },
  { thp_gup_slow, "thp_gup_slow" },
  { thp_softdirty, "thp_softdirty" },
  { thp_pagemap, "thp_pagemap" },
  { thp_no_leak, "thp_no_leak" },
};

int
main(int argc, char *argv[])
{
  int policy = vmknob("transparent_hugepage", THP_MADVISE_V);
  int failed = run_tests("thptest", tests, NELEM(tests), argc, argv, restore_policy);
  vmknob("transparent_hugepage", policy);
  exit(failed != 0);
}
