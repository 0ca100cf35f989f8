// cowtest: copy-on-write fork. Each test prints "cowtest: running NAME"
// and then "test NAME: OK" or "test NAME: FAILED", like usertests.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmstat.h"
#include "kernel/vmmap.h"
#include "kernel/errno.h"
#include "user/user.h"
#include "user/testlib.h"


#define EXPECT(call, err) do { errno = 0; int r_ = (call); \
  CHECK(r_ == -1 && errno == (err), "%s returned %d errno %d, expected errno %d", #call, r_, errno, err); } while(0)

// Share more memory than could be copied: with two thirds of RAM in use,
// an eager fork would run out of memory. The child reads every page; the
// fork itself may only allocate page tables.
static void
share(void)
{
  int n = counter("nr_free_pages") * 2 / 3;   // the RAM the kernel found, not PHYSTOP
  char *p = sbrk(n * PGSIZE);
  CHECK(p != SBRK_ERROR, "cannot allocate %d pages", n);
  for(int i = 0; i < n; i++)
    p[i * PGSIZE] = i;
  uint64 before = counter("nr_free_pages");
  int pid = fork();
  CHECK(pid >= 0, "fork of a big process failed: %s", strerror(errno));
  if(pid == 0){
    uint64 after = counter("nr_free_pages");
    CHECK(before - after < n / 8, "fork used %d pages for %d shared ones", (int)(before - after), n);
    for(int i = 0; i < n; i++)
      CHECK(p[i * PGSIZE] == (char)i, "child sees the wrong byte in page %d", i);
    exit(0);
  }
  CHECK(reap(pid) == 0, "child failed");
  sbrk(-n * PGSIZE);
}

// Writes after fork stay private, in both directions, and in the heap,
// the data segment and the stack.
static int data_var = 1;
static void
isolation(void)
{
  int stack_var = 1;
  char *heap = sbrk(PGSIZE);
  heap[0] = 1;
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    char c;
    data_var = 2; stack_var = 2; heap[0] = 2;
    CHECK(read(fds[0], &c, 1) == 1, "read");   // the parent has written
    CHECK(data_var == 2 && stack_var == 2 && heap[0] == 2, "child sees the parent's writes");
    exit(0);
  }
  data_var = 3; stack_var = 3; heap[0] = 3;
  CHECK(write(fds[1], "x", 1) == 1, "write");
  CHECK(reap(pid) == 0, "child failed");
  CHECK(data_var == 3 && stack_var == 3 && heap[0] == 3, "parent sees the child's writes");
  close(fds[0]);
  close(fds[1]);
  sbrk(-PGSIZE);
}

// The kernel writing into a COW page (read() into a buffer shared with the
// parent) must copy it too.
static char buf[PGSIZE];
static void
kernelwrite(void)
{
  int fds[2];
  memset(buf, 'p', sizeof(buf));
  CHECK(pipe(fds) == 0, "pipe");
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    CHECK(read(fds[0], buf, 10) == 10, "read");
    CHECK(memcmp(buf, "0123456789", 10) == 0, "child did not get the data");
    exit(0);
  }
  CHECK(write(fds[1], "0123456789", 10) == 10, "write");
  CHECK(reap(pid) == 0, "child failed");
  for(int i = 0; i < sizeof(buf); i++)
    CHECK(buf[i] == 'p', "read() in the child changed the parent's byte %d", i);
  close(fds[0]);
  close(fds[1]);
}

// Three generations share a page; each writes its own value and sees only it.
static void
chain(void)
{
  char *p = sbrk(PGSIZE);
  p[0] = 'a';
  int pid = fork();
  if(pid == 0){
    int pid2 = fork();
    if(pid2 == 0){
      CHECK(p[0] == 'a', "grandchild sees %c", p[0]);
      p[0] = 'c';
      CHECK(p[0] == 'c', "grandchild lost its write");
      exit(0);
    }
    CHECK(p[0] == 'a', "child sees %c", p[0]);
    p[0] = 'b';
    CHECK(reap(pid2) == 0, "grandchild failed");
    CHECK(p[0] == 'b', "child sees %c after the grandchild", p[0]);
    exit(0);
  }
  CHECK(reap(pid) == 0, "child failed");
  CHECK(p[0] == 'a', "parent sees %c", p[0]);
  sbrk(-PGSIZE);
}

// Once the child is gone, the parent's write reuses its page in place:
// no one else holds it (the refcount rule, 5.9 on).
static void
reuse(void)
{
  char *p = sbrk(PGSIZE);
  p[0] = 1;
  int pid = fork();
  if(pid == 0)
    exit(0);
  CHECK(reap(pid) == 0, "child failed");
  uint64 copies = counter("cow_copy"), reuses = counter("cow_reuse");
  p[0] = 2;
  CHECK(counter("cow_reuse") == reuses + 1, "the write did not reuse the page");
  CHECK(counter("cow_copy") == copies, "the write copied a page nobody shares");
  sbrk(-PGSIZE);
}

// A child that writes more shared memory than exists runs out of memory in
// a COW fault: it is killed, and the kernel and parent carry on.
static void
oom(void)
{
  int n = counter("nr_free_pages") * 2 / 3;   // the RAM the kernel found, not PHYSTOP
  char *p = sbrk(n * PGSIZE);
  CHECK(p != SBRK_ERROR, "cannot allocate %d pages", n);
  for(int i = 0; i < n; i++)
    p[i * PGSIZE] = 1;
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    for(int i = 0; i < n; i++)
      p[i * PGSIZE] = 2;
    exit(0);
  }
  CHECK(reap(pid) == -1, "child writing too much was not killed");
  for(int i = 0; i < n; i++)
    CHECK(p[i * PGSIZE] == 1, "parent's page %d changed", i);
  sbrk(-n * PGSIZE);
}

// Reading untouched memory maps the shared zero page: no memory used. The
// first write replaces it with a page of the process's own.
static void
zeropage(void)
{
  int n = 1000;
  char *p = sbrklazy(n * PGSIZE);
  CHECK(p != SBRK_ERROR, "sbrklazy");
  uint64 free0 = counter("nr_free_pages"), maps0 = counter("zero_page_map");
  int sum = 0;
  for(int i = 0; i < n; i++)
    sum += p[i * PGSIZE];
  CHECK(sum == 0, "untouched memory is not zero");
  CHECK(counter("zero_page_map") - maps0 == n, "%d zero-page maps for %d reads",
        (int)(counter("zero_page_map") - maps0), n);
  CHECK(free0 - counter("nr_free_pages") < 10, "reading %d pages used %d pages", n,
        (int)(free0 - counter("nr_free_pages")));
  p[5 * PGSIZE] = 7;
  CHECK(p[5 * PGSIZE] == 7 && p[4 * PGSIZE] == 0 && p[6 * PGSIZE] == 0,
        "a write to a zero-page mapping went astray");
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  CHECK(write(fds[1], "z", 1) == 1, "write");
  CHECK(read(fds[0], p + 9 * PGSIZE, 1) == 1, "read() into a zero-page mapping failed");
  CHECK(p[9 * PGSIZE] == 'z' && p[10 * PGSIZE] == 0, "read() into a zero-page mapping went astray");
  close(fds[0]);
  close(fds[1]);
  sbrk(-n * PGSIZE);
}

// What vmmap shows: after fork a private page is shared by two PTEs,
// read-only and COW, exclusive to neither process; after the write fault
// the writer has a page of its own, exclusive and writable.
static void
cowstate(void)
{
  struct page_info pi;
  char *p = sbrk(PGSIZE);
  p[0] = 1;
  CHECK(pageinfo(0, p, 1, &pi) == 1, "pageinfo: %s", strerror(errno));
  CHECK((pi.pte & PTE_W) && (pi.flags & PI_ANON_EXCLUSIVE) && pi.refcount == 1 && pi.mapcount == 1,
        "a fresh page is not writable, exclusive and singly mapped");
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  int pid = fork();
  if(pid == 0){
    char c;
    read(fds[0], &c, 1);
    exit(0);
  }
  CHECK(pageinfo(0, p, 1, &pi) == 1, "pageinfo");
  CHECK(!(pi.pte & PTE_W) && (pi.pte & PTE_COW), "shared page: pte %lx is not read-only COW", pi.pte);
  CHECK(pi.refcount == 2 && pi.mapcount == 2 && !(pi.flags & PI_ANON_EXCLUSIVE),
        "shared page: ref %d map %d flags %x", pi.refcount, pi.mapcount, pi.flags);
  struct page_info cpi;
  CHECK(pageinfo(pid, p, 1, &cpi) == 1 && cpi.pfn == pi.pfn, "the child does not map the same frame");
  uint64 oldpfn = pi.pfn;
  p[0] = 2;   // COW fault: copy (the child still maps the page)
  CHECK(pageinfo(0, p, 1, &pi) == 1, "pageinfo");
  CHECK((pi.pte & PTE_W) && !(pi.pte & PTE_COW) && pi.pfn != oldpfn && pi.refcount == 1 &&
        (pi.flags & PI_ANON_EXCLUSIVE), "after the write: pte %lx pfn %lx ref %d flags %x",
        pi.pte, pi.pfn, pi.refcount, pi.flags);
  CHECK(pageinfo(pid, p, 1, &cpi) == 1 && cpi.refcount == 1 && cpi.mapcount == 1,
        "the child's page still counts the parent");
  write(fds[1], "x", 1);
  CHECK(reap(pid) == 0, "child failed");
  EXPECT(pageinfo(99999, p, 1, &pi), ESRCH);
  EXPECT(pageinfo(0, p + 1, 1, &pi), EINVAL);
  close(fds[0]);
  close(fds[1]);
  sbrk(-PGSIZE);
}

static struct test tests[] = {
  { cowstate, "cowstate" },
  { zeropage, "zeropage" },
  { share, "share" },
  { isolation, "isolation" },
  { kernelwrite, "kernelwrite" },
  { chain, "chain" },
  { reuse, "reuse" },
  { oom, "oom" },
};

int
main(int argc, char *argv[])
{
  exit(run_tests("cowtest", tests, NELEM(tests), argc, argv, 0) != 0);
}
