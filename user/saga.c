// saga: every reproducer under every era of the COW/GUP saga
// (docs/history.md), as one table: rows the bugs, columns the Linux
// versions, BUG where the bug happened. Where the next era changes several
// knobs at once, a second table takes them one at a time: each step is an
// era with one knob set to the next era's value, so it shows which change
// made which bug come or go. Each run is also printed as a line
// "saga NAME COLUMN VERDICT" for tools/test.py, which checks both tables
// against the history. Ends in the modern era. `saga NAME...` runs only
// those reproducers.
#include "kernel/types.h"
#include "user/user.h"
#include "user/eras.h"

#define NREPRO 16   // at most
#define MAXCOLS 32

// A column of a table: the knob values to run under, and its name.
struct column {
  char name[48];
  struct era era;
  int base;   // the era it is, or steps from (an index in eras)
};
static struct column cols[MAXCOLS];
static int ncols, nsteps;
static int selected[NREPRO];
static char verdict[NREPRO][MAXCOLS];

// Run a reproducer; its verdict: 'B' (BUG), 'o' (OK) or '?' (anything
// else). 'n' (n/a) is for a column before the era the reproducer needs.
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

static char *
word(char v)
{
  return v == 'B' ? "BUG" : v == 'o' ? "ok" : v == 'n' ? "n/a" : "??";
}

// The columns: the eras, then the one-knob steps between eras that differ
// in more than one knob ("5.8+cow_reuse=1": 5.8 with only cow_reuse
// changed towards 5.9-rc4).
static void
make_columns(void)
{
  for(int e = 0; e < neras; e++){
    strcpy(cols[ncols].name, eras[e].name);
    cols[ncols].base = e;
    cols[ncols++].era = eras[e];
  }
  for(int e = 0; e + 1 < neras; e++){
    int changed = 0;
    for(int k = 0; k < NKNOB; k++)
      changed += eras[e].v[k] != eras[e + 1].v[k];
    for(int k = 0; k < NKNOB && changed > 1; k++){
      if(eras[e].v[k] == eras[e + 1].v[k] || ncols == MAXCOLS)
        continue;
      struct column *c = &cols[ncols++];
      c->era = eras[e];
      c->base = e;
      c->era.v[k] = eras[e + 1].v[k];
      snprintf(c->name, sizeof(c->name), "%s+%s=%d", eras[e].name, knob_names[k], c->era.v[k]);
      nsteps++;
    }
  }
}

// Print the columns [from, to) as a table with headers head(c).
static void
table(int from, int to, int numbered)
{
  printf("\n%-14s", "");
  for(int c = from; c < to; c++){
    if(numbered)
      printf(" %-7d", c - from + 1);
    else
      printf(" %-7s", cols[c].name);
  }
  printf("\n");
  for(int r = 0; r < nrepros; r++){
    if(!selected[r])
      continue;
    printf("%-14s", repro_names[r]);
    for(int c = from; c < to; c++)
      printf(" %-7s", word(verdict[r][c]));
    printf("\n");
  }
  for(int c = from; numbered && c < to; c++)
    printf("%d = %s\n", c - from + 1, cols[c].name);
}

int
main(int argc, char *argv[])
{
  if(nrepros > NREPRO){
    printf("saga: more than %d reproducers\n", NREPRO);
    exit(1);
  }
  for(int r = 0; r < nrepros; r++){
    selected[r] = argc == 1;
    for(int a = 1; a < argc; a++)
      selected[r] |= strcmp(argv[a], repro_names[r]) == 0;
  }
  make_columns();
  for(int c = 0; c < ncols; c++){
    if(set_era(&cols[c].era) < 0){
      printf("saga: cannot set %s\n", cols[c].name);
      exit(1);
    }
    for(int r = 0; r < nrepros; r++){
      if(!selected[r])
        continue;
      verdict[r][c] = cols[c].base < repro_since[r] ? 'n' : run(repro_names[r]);
      printf("saga %s %s %s\n", repro_names[r], cols[c].name, word(verdict[r][c]));
    }
  }
  set_era(&eras[neras - 1]);
  table(0, neras, 0);
  printf("\nknob by knob, where the next era changes several knobs:");
  table(neras, ncols, 1);
  printf("saga: done\n");
  exit(0);
}
