// vmsplice_leak: CVE-2020-29374 (Jann Horn). The child vmsplices a page
// it shares with its parent after fork (a GUP reference, no COW break),
// unmaps it, and the parent writes a secret there. If the parent's write
// fault reuses the page because only one PTE maps it (the rule before
// 5.8), the child reads the secret from the pipe.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "user/user.h"
#include "user/repro.h"

int
main(void)
{
  SETUP("vmsplice_leak");
  char *p = map_anon(PGSIZE);
  memset(p, 'o', PGSIZE);
  int fds[2], go[2], done[2];
  CHECK(pipe(fds) == 0 && pipe(go) == 0 && pipe(done) == 0, "pipe");
  int pid = fork();
  CHECK(pid >= 0, "fork");
  if(pid == 0){
    CHECK(vmsplice(fds[1], p, PGSIZE, 0) == PGSIZE, "vmsplice: %s", strerror(errno));
    CHECK(munmap(p, PGSIZE) == 0, "munmap");
    char c;
    write(done[1], "s", 1);
    read(go[0], &c, 1);
    static char buf[PGSIZE];
    for(int got = 0, r; got < PGSIZE; got += r)
      CHECK((r = read(fds[0], buf + got, PGSIZE - got)) > 0, "pipe read");
    if(memcmp(buf, "SECRET", 6) == 0)
      BUG("the child read the parent's later write \"%s\" from the pipe", "SECRET");
    VERDICT_OK("the pipe kept the page as it was when spliced");
  }
  char c;
  read(done[0], &c, 1);
  memcpy(p, "SECRET", 6);
  write(go[1], "g", 1);
  int st;
  wait(&st);
  exit(st);
}
