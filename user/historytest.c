// historytest: the history engine's own calls. vmknob reads and sets
// knobs and refuses unknown names and values; eras set every knob;
// memwrite writes into a process's memory like /proc/PID/mem (FOLL_FORCE:
// a read-only private file mapping gets a private copy, never the file);
// knob cow 0 makes fork copy eagerly; knobs ro_pin_unshares and
// ro_longterm_unshares_any 0 make a read-only pin take the page as it is.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "user/user.h"
#include "user/testlib.h"
#include "user/eras.h"
#include "kernel/vmmap.h"

static uint64
map_of_self(void *va)
{
  uint64 e;
  CHECK(pagemap(0, va, 1, &e) == 1, "pagemap");
  return e;
}


static void
knobs(void)
{
  CHECK(vmknob("cow_reuse", -1) == 2, "the default era is not the modern one");
  CHECK(vmknob("cow_reuse", 0) == 2 && vmknob("cow_reuse", -1) == 0, "set cow_reuse");
  CHECK(vmknob("cow_reuse", 2) == 0, "restore cow_reuse");
  errno = 0;
  CHECK(vmknob("no_such_knob", 0) == -1 && errno == EINVAL, "an unknown knob: errno %d", errno);
  errno = 0;
  CHECK(vmknob("cow_reuse", 3) == -1 && errno == EINVAL, "a value out of range: errno %d", errno);
  errno = 0;
  CHECK(vmknob("cow_reuse", -2) == -1 && errno == EINVAL, "a value below -1: errno %d", errno);
  errno = 0;
  CHECK(vmknob((char *)(MAXVA + 4096), 0) == -1 && errno == EFAULT, "a bad name: errno %d", errno);
  // Every era sets every knob; the last one is the modern default.
  for(int e = 0; e < neras; e++){
    CHECK(set_era(&eras[e]) == 0, "era %s: %s", eras[e].name, strerror(errno));
    for(int k = 0; k < NKNOB; k++)
      CHECK(vmknob(knob_names[k], -1) == eras[e].v[k], "era %s: knob %s", eras[e].name, knob_names[k]);
  }
  CHECK(vmknob("foll_cow", -1) == 2 && vmknob("cow", -1) == 1, "not back in the modern era");
}

static void
memwrite_test(void)
{
  static char buf[PGSIZE];
  int fd = open("histtest.f", O_CREATE | O_RDWR);
  CHECK(fd >= 0, "create");
  memset(buf, 'f', PGSIZE);
  CHECK(write(fd, buf, PGSIZE) == PGSIZE, "write");
  char *m = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  CHECK(m != MAP_FAILED, "mmap");
  CHECK(memwrite(0, m, "ptrace", 6) == 6, "memwrite into a read-only private mapping: %s", strerror(errno));
  CHECK(memcmp(m, "ptrace", 6) == 0, "the mapping does not show the forced write");
  CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, 6) == 6 && buf[0] == 'f', "the forced write reached the file");
  munmap(m, PGSIZE);
  close(fd);
  unlink("histtest.f");

  // Another process's memory, by pid: a descendant's only (Yama's
  // ptrace_scope 1), so the child may not write its parent's, nor init's.
  char *p = map_anon(PGSIZE);
  int ready[2], done[2], parent = getpid();
  CHECK(pipe(ready) == 0 && pipe(done) == 0, "pipe");
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    char c;
    write(ready[1], "r", 1);
    read(done[0], &c, 1);
    if(memwrite(parent, p, "child", 5) != -1 || errno != EPERM || memwrite(1, p, "child", 5) != -1)
      exit(2);
    if(clear_refs(parent, CLEAR_REFS_SOFT_DIRTY) != -1 || errno != EPERM)
      exit(3);
    exit(memcmp(p, "poked", 5) == 0 ? 0 : 1);
  }
  char c;
  read(ready[0], &c, 1);
  CHECK(memwrite(pid, p, "poked", 5) == 5, "memwrite into the child: %s", strerror(errno));
  CHECK(p[0] == 0, "memwrite into the child changed the parent");
  write(done[1], "d", 1);
  int st = reap(pid);
  CHECK(st != 2, "the child could memwrite its parent or init (want EPERM)");
  CHECK(st != 3, "the child could clear_refs its parent (want EPERM)");
  CHECK(st == 0, "the child does not see the write");
  CHECK(p[0] == 0, "the child wrote into its parent");

  errno = 0;
  CHECK(memwrite(0, p, buf, PGSIZE + 1) == -1 && errno == EINVAL, "more than a page: errno %d", errno);
  errno = 0;
  CHECK(memwrite(99999, p, buf, 1) == -1 && errno == ESRCH, "no such pid: errno %d", errno);
  munmap(p, PGSIZE);
  errno = 0;
  CHECK(memwrite(0, p, "x", 1) == -1 && errno == EFAULT, "an unmapped address: errno %d", errno);
  errno = 0;
  CHECK(memwrite(0, buf, (char *)(MAXVA + 4096), 1) == -1 && errno == EFAULT, "a bad buffer: errno %d", errno);
}

// Knob cow 0: fork copies every anonymous page at once, as xv6 did; the
// child's page is another frame before anyone writes.
static void
eager_fork(void)
{
  char *p = map_anon(PGSIZE);
  p[0] = 'e';
  uint64 e0 = map_of_self(p), e1;
  CHECK(vmknob("cow", 0) == 1, "set cow 0");
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    uint64 e = map_of_self(p);
    write(fds[1], &e, sizeof(e));
    exit(p[0] == 'e' ? 0 : 1);
  }
  vmknob("cow", 1);
  CHECK(read(fds[0], &e1, sizeof(e1)) == sizeof(e1), "pipe read");
  CHECK(reap(pid) == 0, "the child lacks the data");
  CHECK(PM_PFN(e0) != PM_PFN(e1), "with cow 0 the child shares the parent's frame");
  CHECK(PM_PFN(e0) == PM_PFN(map_of_self(p)), "the parent's page moved");
}

// Unshare faults taken by a read-only pin (flags) of len bytes at p with
// knob name set to 0.
static int
unshares_without(char *name, char *p, uint64 len, int flags)
{
  int old = vmknob(name, 0);
  uint64 unshare = counter("unshare_fault");
  int fd = pin_user_pages(p, len, flags);
  int n = counter("unshare_fault") - unshare;
  vmknob(name, old);
  CHECK(fd >= 0, "pin_user_pages with %s 0: %s", name, strerror(errno));
  close(fd);
  return n;
}

// The read-only pin knobs at 0 take the page as it is, also in the slow
// path (GUP-fast stops at p[0], not present yet, and at the zero page):
// before 5.19 (ro_pin_unshares) a pin of an anonymous page shared with a
// child, before 6.2 (ro_longterm_unshares_any) a long-term pin of the zero
// page, which stays the zero page.
static void
ro_pin_knobs_off(void)
{
  char *p = map_anon(3 * PGSIZE);
  p[PGSIZE] = 'a';
  (void)*(volatile char *)(p + 2 * PGSIZE);   // the zero page
  int go, pid = fork_holder(&go);
  int n = unshares_without("ro_pin_unshares", p, 2 * PGSIZE, 0);
  CHECK(n == 0, "with ro_pin_unshares 0 a read-only pin of a shared page took %d unshare faults", n);
  n = unshares_without("ro_longterm_unshares_any", p + 2 * PGSIZE, PGSIZE, FOLL_LONGTERM);
  CHECK(n == 0, "with ro_longterm_unshares_any 0 a long-term pin of the zero page took %d "
        "unshare faults", n);
  struct page_info pi;
  CHECK(pageinfo(0, p + 2 * PGSIZE, 1, &pi) == 1 && pi.zero,
        "with ro_longterm_unshares_any 0 a long-term pin replaced the zero page");
  CHECK(let_go(pid, go) == 0, "child failed");
}

static struct test tests[] = {
  { knobs, "knobs" },
  { eager_fork, "eager_fork" },
  { memwrite_test, "memwrite" },
  { ro_pin_knobs_off, "ro_pin_knobs_off" },
};

int
main(int argc, char *argv[])
{
  exit(run_tests("historytest", tests, NELEM(tests), argc, argv, 0) != 0);
}
