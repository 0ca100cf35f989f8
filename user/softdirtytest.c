// softdirtytest: soft-dirty tracking (clear_refs, pagemap). After
// clear_refs(pid, CLEAR_REFS_SOFT_DIRTY), exactly the pages written since
// are soft-dirty; a new mapping is soft-dirty as a whole; reads and
// read-only pins leave pages clean; pinned pages stay writable and
// soft-dirty, and only they do.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/vmmap.h"
#include "user/user.h"
#include "user/testlib.h"

#define RW (PROT_READ | PROT_WRITE)

static uint64 e[PAGEMAP_MAX];

static uint64 *
map_of(int pid, void *va, int n)
{
  CHECK(pagemap(pid, va, n, e) == n, "pagemap: %s", strerror(errno));
  return e;
}

static void
clear(int pid)
{
  CHECK(clear_refs(pid, CLEAR_REFS_SOFT_DIRTY) == 0, "clear_refs: %s", strerror(errno));
}

// The soft-dirty pages of [p, p+n pages) as a bit mask.
static int
dirty_mask(int pid, char *p, int n)
{
  uint64 *m = map_of(pid, p, n);
  int mask = 0;
  for(int i = 0; i < n; i++)
    if(m[i] & PM_SOFT_DIRTY)
      mask |= 1 << i;
  return mask;
}

// Exactly the written pages, not the read ones.
static void
exact(void)
{
  char *p = map_anon(8 * PGSIZE);
  CHECK(dirty_mask(0, p, 8) == 0xff, "a new mapping is not soft-dirty");
  for(int i = 0; i < 8; i++)
    p[i * PGSIZE] = i;
  clear(0);
  CHECK(dirty_mask(0, p, 8) == 0, "clear_refs left soft-dirty pages: %x", dirty_mask(0, p, 8));
  uint64 *m = map_of(0, p, 8);
  for(int i = 0; i < 8; i++)
    CHECK(m[i] & PM_PRESENT, "page %d not present after clear_refs", i);
  p[1 * PGSIZE] = 1;
  p[3 * PGSIZE + 100] = 3;
  p[6 * PGSIZE + 4095] = 6;
  volatile char c = p[0] + p[2 * PGSIZE] + p[7 * PGSIZE];
  (void)c;
  int mask = dirty_mask(0, p, 8);
  CHECK(mask == ((1 << 1) | (1 << 3) | (1 << 6)), "soft-dirty mask %x, want 4a", mask);
  CHECK(p[1 * PGSIZE] == 1 && p[3 * PGSIZE + 100] == 3 && p[0] == 0, "data changed");
  // A new mapping is soft-dirty as a whole; the old one is unchanged.
  clear(0);
  char *q = map_anon(2 * PGSIZE);
  CHECK(dirty_mask(0, q, 2) == 3, "a mapping made after clear_refs is not soft-dirty");
  CHECK(dirty_mask(0, p, 8) == 0, "the old mapping became soft-dirty");
}

// Another process's pages, by pid.
static void
other_pid(void)
{
  char *p = map_anon(4 * PGSIZE);
  memset(p, 1, 4 * PGSIZE);
  int to[2], from[2];
  CHECK(pipe(to) == 0 && pipe(from) == 0, "pipe");
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    char c;
    memset(p, 2, 4 * PGSIZE);   // the child's own copies
    write(from[1], "r", 1);
    read(to[0], &c, 1);
    p[2 * PGSIZE] = 9;
    write(from[1], "w", 1);
    read(to[0], &c, 1);
    exit(0);
  }
  char c;
  read(from[0], &c, 1);
  clear(pid);
  CHECK(dirty_mask(pid, p, 4) == 0, "the child's pages are soft-dirty after clear_refs(pid)");
  write(to[1], "x", 1);
  read(from[0], &c, 1);
  CHECK(dirty_mask(pid, p, 4) == 1 << 2, "the child's write: mask %x, want 4", dirty_mask(pid, p, 4));
  CHECK(dirty_mask(0, p, 4) != 0, "clear_refs(child) cleared the parent");
  write(to[1], "x", 1);
  CHECK(reap(pid) == 0, "child failed");
}

// A read-only pin takes an exclusive page as it is: no copy, no
// soft-dirty (the 5.8 "GUP breaks COW" fix did both, which is why it was
// reverted).
static void
ro_pin(char *p)
{
  uint64 pfn = PM_PFN(map_of(0, p, 1)[0]);
  int fd = pin_user_pages(p, 1, 0);
  CHECK(fd >= 0, "read-only pin: %s", strerror(errno));
  CHECK(dirty_mask(0, p, 1) == 0, "a read-only pin made the page soft-dirty");
  CHECK(PM_PFN(map_of(0, p, 1)[0]) == pfn, "a read-only pin copied the page");
  close(fd);
}

// The PTE of page va (pageinfo) and whether it is soft-dirty (pagemap).
static pte_t
pte_of(char *va, int *soft_dirty)
{
  pte_t pte = page_info_of(va)->pte;
  *soft_dirty = (map_of(0, va, 1)[0] & PM_SOFT_DIRTY) != 0;
  return pte;
}

// clear_refs must leave a page that a device may be writing where the
// process can write it too: its PTE writable, so no write fault copies it
// away from the device, and soft-dirty, since the device may write it at
// any time without a fault. Only the pinned page: its neighbours (a page
// whose pin is gone, a page vmsplice holds by a plain reference) are
// cleaned and write-protected although the process has pinned pages and
// they have extra references. A pinned page whose PTE is read-only is
// cleaned too: its next write faults anyway (Linux 5.11 tests the PTE).
static void
pins(void)
{
  char *p = map_anon(3 * PGSIZE);   // 0: pinned, then not; 1: pinned; 2: vmspliced
  memset(p, 1, 3 * PGSIZE);
  clear(0);
  ro_pin(p);

  int fd = pin_user_pages(p + PGSIZE, 1, FOLL_WRITE | FOLL_LONGTERM);
  CHECK(fd >= 0, "write pin: %s", strerror(errno));
  int pfd[2];
  CHECK(pipe(pfd) == 0, "pipe");
  memset(p, 2, 3 * PGSIZE);   // all three writable and soft-dirty again
  CHECK(vmsplice(pfd[1], p + 2 * PGSIZE, PGSIZE, 0) == PGSIZE, "vmsplice: %s", strerror(errno));
  clear(0);
  int sd;
  pte_t pte = pte_of(p + PGSIZE, &sd);
  CHECK(pte & PTE_W, "clear_refs write-protected a pinned page");
  CHECK(sd, "clear_refs cleared the soft-dirty bit of a pinned page, "
        "which a device may write without any fault");
  pte = pte_of(p, &sd);
  CHECK(!(pte & PTE_W) && !sd, "clear_refs left a page that is not pinned %s "
        "(its process has pinned another page)", sd ? "soft-dirty" : "writable");
  pte = pte_of(p + 2 * PGSIZE, &sd);
  CHECK(!(pte & PTE_W) && !sd, "clear_refs left a page with a plain reference (vmsplice) %s: "
        "only a pin counts", sd ? "soft-dirty" : "writable");

  uint64 pfn = PM_PFN(map_of(0, p + PGSIZE, 1)[0]);
  p[PGSIZE] = 3;
  CHECK(PM_PFN(map_of(0, p + PGSIZE, 1)[0]) == pfn, "a write moved the pinned page");
  CHECK(device_byte(fd, 0) == 3, "the device does not see the process's write");

  CHECK(mprotect(p + PGSIZE, PGSIZE, PROT_READ) == 0, "mprotect: %s", strerror(errno));
  clear(0);
  pte_of(p + PGSIZE, &sd);
  CHECK(!sd, "clear_refs left a pinned page with a read-only PTE soft-dirty "
        "(it was not writable: nothing to keep)");
  close(fd);
  close(pfd[0]);
  close(pfd[1]);
}

// The other pagemap bits: present, exclusive, file, PFN.
static void
bits(void)
{
  char *p = map_anon(2 * PGSIZE);
  p[0] = 1;
  (void)*(volatile char *)(p + PGSIZE);   // the zero page
  uint64 *m = map_of(0, p, 2);
  struct page_info pi;
  CHECK(pageinfo(0, p, 1, &pi) == 1, "pageinfo");
  CHECK((m[0] & PM_PRESENT) && PM_PFN(m[0]) == pi.pfn, "PFN %lx, pageinfo says %lx", PM_PFN(m[0]), pi.pfn);
  CHECK((m[0] & PM_MMAP_EXCLUSIVE) && !(m[0] & PM_FILE), "an exclusive anonymous page: %lx", m[0]);
  CHECK((m[1] & PM_PRESENT) && !(m[1] & (PM_FILE | PM_MMAP_EXCLUSIVE)),
        "the zero page: %lx", m[1]);
  char *s = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(s != MAP_FAILED, "mmap");
  s[0] = 1;
  CHECK((map_of(0, s, 1)[0] & (PM_PRESENT | PM_FILE)) == (PM_PRESENT | PM_FILE),
        "a shared anonymous page: %lx", e[0]);
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    pause(5);
    exit(0);
  }
  CHECK(!(map_of(0, p, 1)[0] & PM_MMAP_EXCLUSIVE), "a page shared with a child is exclusive");
  kill(pid);
  reap(pid);
  munmap(p + PGSIZE, PGSIZE);
  CHECK(map_of(0, p + PGSIZE, 1)[0] == 0, "an unmapped page has bits");
}

static void
errors(void)
{
  char *p = map_anon(1 * PGSIZE);
  errno = 0;
  CHECK(clear_refs(0, 1) == -1 && errno == EINVAL, "clear_refs mode 1: errno %d", errno);
  errno = 0;
  CHECK(clear_refs(99999, CLEAR_REFS_SOFT_DIRTY) == -1 && errno == ESRCH, "no such pid: errno %d", errno);
  errno = 0;
  CHECK(pagemap(0, p + 1, 1, e) == -1 && errno == EINVAL, "unaligned: errno %d", errno);
  errno = 0;
  CHECK(pagemap(0, p, PAGEMAP_MAX + 1, e) == -1 && errno == EINVAL, "too many: errno %d", errno);
  errno = 0;
  CHECK(pagemap(0, p, 1, (uint64 *)(MAXVA + 4096)) == -1 && errno == EFAULT, "bad out: errno %d", errno);
  errno = 0;
  CHECK(pagemap(99999, p, 1, e) == -1 && errno == ESRCH, "no such pid: errno %d", errno);
}

static struct test tests[] = {
  { exact, "exact" },
  { other_pid, "other_pid" },
  { pins, "pins" },
  { bits, "bits" },
  { errors, "errors" },
};

int
main(int argc, char *argv[])
{
  exit(run_tests("softdirtytest", tests, NELEM(tests), argc, argv, 0) != 0);
}
