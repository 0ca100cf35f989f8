// stale_tlb: a write-protect whose TLB flush comes late. clear_refs
// write-protects the page but defers the flush (as Linux's clear_refs and
// userfaultfd-wp do), so a writer thread keeps writing the page through
// its stale writable TLB entry. Meanwhile a write fault (the kernel
// writing into the page) copies the page and maps the copy: the writer's
// writes made to the old page after the copy are lost. Linux 5.12 (6ce64428d620) does the pending
// flush before copying. A pipe holds the page (vmsplice), so 5.9's
// refcount rule copies it; under the mapcount rule (until 5.8) and
// PageAnonExclusive (5.19) the fault reuses the page and nothing is lost.
// race_delay_ms holds the copy open half-way, with the writer's counters
// in the half already copied, and keeps clear_refs's own flush back, long
// enough for the writer to run in between, even on one hart.
//
// Run as uffd_wp_tlb (the same program under another name), it shows the
// race as it really happened (Nadav Amit's report, from the userfaultfd
// selftest): the page is registered with a userfaultfd for write-protect
// mode, and UFFDIO_WRITEPROTECT, not clear_refs, makes its PTE read-only.
// Even un-protecting did that (it mapped the page with the region's
// private protection), under mmap_lock held for reading with the flush at
// the end, so 5.11's clear_refs lock (knob clear_refs_mmap_write) does not
// end this one.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmmap.h"
#include "kernel/userfaultfd.h"
#include "user/user.h"
#include "user/repro.h"

// The page: page[8] is pagemap's, page[FIRST..FIRST+NCOUNT) the writer's
// counters, all in the page's first half (wp_page_copy copies it before
// its race window). Many of them, not one: a write that faults re-stores the value
// it loaded, which would mend a single counter after its lost writes.
#define FIRST 16
#define NCOUNT 64
static volatile uint64 *page;
static volatile int stop, ready, cleared;
static volatile uint64 wrote;
static char wstack[4096] __attribute__((aligned(16)));
static char fstack[4096] __attribute__((aligned(16)));
static int uffd = -1;   // uffd_wp_tlb: the userfaultfd the page is registered with

// Count up in the counters, round and round, until told to stop; every
// increment is one write.
static int
writer(void *arg)
{
  uint64 n = 0;
  while(!stop){
    for(int i = FIRST; i < FIRST + NCOUNT; i++)
      page[i]++;
    n += NCOUNT;
  }
  wrote = n;
  return 0;
}

static uint64
counted(void)
{
  uint64 sum = 0;
  for(int i = FIRST; i < FIRST + NCOUNT; i++)
    sum += page[i];
  return sum;
}

// Write the page through the kernel until it is write-protected: pagemap
// puts the page's own entry into it. The kernel walks the page table, not
// the TLB, so the first call after clear_refs write-protected the page
// takes the write fault even on the writer's hart, whose stale TLB entry
// would let a user-mode store through; the entry it writes is no longer
// soft-dirty. Nothing else here writes memory: a write fault on another
// write-protected page (this stack) would flush this hart's TLB, which on
// one hart is the writer's.
static int
faulter(void *arg)
{
  ready = 1;   // this thread's first writes (its stack) are done
  do {
    if(pagemap(0, (void *)page, 1, (uint64 *)&page[8]) != 1)
      return 1;
  } while((page[8] & PM_SOFT_DIRTY) && !cleared);
  return 0;
}

// clear_refs; or, for uffd_wp_tlb, un-protect the page, which was never
// protected: a monitor's routine call over a range that holds both kinds.
static void
write_protect(void)
{
  struct uffdio_writeprotect wp = { { (uint64)page, PGSIZE }, 0 };
  if(uffd < 0)
    CHECK(clear_refs(0, CLEAR_REFS_SOFT_DIRTY) == 0, "clear_refs");
  else
    CHECK(ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) == 0, "UFFDIO_WRITEPROTECT: %s", strerror(errno));
}

// One try: how many of the writer's writes were lost, and how many it made.
static uint64
try(uint64 *made)
{
  stop = ready = cleared = 0;
  page = (uint64 *)map_anon(PGSIZE);
  page[FIRST] = 0;   // a page of its own, not the zero page
  struct uffdio_register reg = { { (uint64)page, PGSIZE }, UFFDIO_REGISTER_MODE_WP, 0 };
  CHECK(uffd < 0 || ioctl(uffd, UFFDIO_REGISTER, &reg) == 0, "UFFDIO_REGISTER: %s", strerror(errno));
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  CHECK(vmsplice(fds[1], (void *)page, 16, 0) == 16, "vmsplice: %s", strerror(errno));
  int w = thread_spawn(writer, 0, wstack, sizeof(wstack));
  CHECK(w > 0, "thread_spawn");
  // Wait without sleeping: a thread that sleeps and wakes may take the
  // writer's hart, and the writer moves to one whose TLB lacks the page.
  while(counted() < 1000)   // the writer runs: its TLB maps the page writable
    ;
  int f = thread_spawn(faulter, 0, fstack, sizeof(fstack));
  CHECK(f > 0, "thread_spawn");
  while(!ready)   // a first write fault after clear_refs would flush the TLB
    ;
  write_protect();
  cleared = 1;   // (if the writer faulted first, its copy is soft-dirty)
  int fst;
  CHECK(thread_join(f, &fst) == 0 && fst == 0, "the faulting thread failed");
  stop = 1;
  CHECK(thread_join(w, 0) == 0, "thread_join");
  close(fds[0]);
  close(fds[1]);
  uint64 lost = wrote - counted();
  munmap((void *)page, PGSIZE);
  *made = wrote;
  return lost;
}

// Two tries: on four harts the scheduler may, rarely, move the writer to a
// hart without the stale entry before the copy; then nothing can be lost.
#define TRIES 2

int
main(int argc, char *argv[])
{
  SETUP("stale_tlb");
  int n = strlen(argv[0]);
  if(n >= 11 && strcmp(argv[0] + n - 11, "uffd_wp_tlb") == 0){
    struct uffdio_api api = { UFFD_API, 0, 0 };
    CHECK((uffd = userfaultfd(0)) >= 0 && ioctl(uffd, UFFDIO_API, &api) == 0,
          "userfaultfd: %s", strerror(errno));
  }
  int old = vmknob("race_delay_ms", 500);
  uint64 lost = 0, made = 0;
  for(int i = 0; i < TRIES && lost == 0; i++)
    lost = try(&made);
  vmknob("race_delay_ms", old);
  if(lost)
    BUG("%d of the writer's %d writes were lost", (int)lost, (int)made);
  VERDICT_OK("all %d of the writer's writes are in the page", (int)made);
}
