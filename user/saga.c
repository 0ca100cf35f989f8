// saga: every reproducer under every era of the COW/GUP saga
// (docs/history.md), as one table: rows the bugs, columns the Linux
// versions, BUG where the bug happened. Each run is also printed as a
// line "saga NAME ERA VERDICT" for tools/test.py, which checks the table
// against the history. Ends in the modern era. `saga NAME...` runs only
// those reproducers.
#include "kernel/types.h"
#include "user/user.h"
#include "user/eras.h"

static char *repros[] = {
  "dirtycow", "vmsplice_leak", "gup_softdirty", "rdma_fork", "ro_pin_fork", "longterm_pin",
  "clear_refs_dio",
};
#define NREPRO (sizeof(repros) / sizeof(repros[0]))
#define MAXERAS 16

// Run a reproducer; its verdict: 'B' (BUG), 'o' (OK) or '?' (anything else).
static char
run(char *name)
{
  int fds[2];
  if(pipe(fds) < 0)
    return '?';
  int pid = fork();
  if(pid == 0){
    close(1);
    dup(fds[1]);
    close(fds[0]);
    close(fds[1]);
    char *argv[] = { name, 0 };
    exec(name, argv);
    printf("ERROR: exec %s failed\n", name);
    exit(1);
  }
  close(fds[1]);
  static char out[512];
  int n = 0, r;
  while(n < sizeof(out) - 1 && (r = read(fds[0], out + n, sizeof(out) - 1 - n)) > 0)
    n += r;
  out[n] = 0;
  close(fds[0]);
  int st;
  wait(&st);
  if(st == 0 && strncmp(out, "BUG:", 4) == 0)
    return 'B';
  if(st == 0 && strncmp(out, "OK:", 3) == 0)
    return 'o';
  printf("saga: %s: status %d, output: %s\n", name, st, out);
  return '?';
}

int
main(int argc, char *argv[])
{
  static char verdict[NREPRO][MAXERAS];
  int selected[NREPRO];
  for(int r = 0; r < NREPRO; r++){
    selected[r] = argc == 1;
    for(int a = 1; a < argc; a++)
      selected[r] |= strcmp(argv[a], repros[r]) == 0;
  }
  for(int e = 0; e < neras && e < MAXERAS; e++){
    if(set_era(&eras[e]) < 0){
      printf("saga: cannot set era %s\n", eras[e].name);
      exit(1);
    }
    for(int r = 0; r < NREPRO; r++){
      if(!selected[r])
        continue;
      verdict[r][e] = run(repros[r]);
      printf("saga %s %s %s\n", repros[r], eras[e].name,
             verdict[r][e] == 'B' ? "BUG" : verdict[r][e] == 'o' ? "ok" : "??");
    }
  }
  set_era(&eras[neras - 1]);

  printf("\n%-14s", "");
  for(int e = 0; e < neras; e++)
    printf(" %-7s", eras[e].name);
  printf("\n");
  for(int r = 0; r < NREPRO; r++){
    if(!selected[r])
      continue;
    printf("%-14s", repros[r]);
    for(int e = 0; e < neras; e++)
      printf(" %-7s", verdict[r][e] == 'B' ? "BUG" : verdict[r][e] == 'o' ? "ok" : "??");
    printf("\n");
  }
  exit(0);
}
