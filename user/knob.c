// knob: the history knobs (docs/history.md).
//   knob                 list every knob and its value
//   knob NAME            print one
//   knob NAME VALUE      set one (prints the old value)
//   knob era             list the eras, one line each
//   knob era NAME        set every knob to that Linux version's behaviour
#include "kernel/types.h"
#include "user/user.h"
#include "user/eras.h"

static char *others[] = { "race_delay_ms", "transparent_hugepage" };

static void
show(char *name)
{
  int v = vmknob(name, -1);
  if(v < 0){
    fprintf(2, "knob: %s: %s\n", name, strerror(errno));
    exit(1);
  }
  printf("%-24s %d\n", name, v);
}

int
main(int argc, char *argv[])
{
  if(argc == 1){
    for(int i = 0; i < NKNOB; i++)
      show(knob_names[i]);
    for(int i = 0; i < sizeof(others) / sizeof(others[0]); i++)
      show(others[i]);
  } else if(strcmp(argv[1], "era") == 0 && argc == 2){
    for(int i = 0; i < neras; i++)
      printf("%-8s %s\n", eras[i].name, eras[i].what);
  } else if(strcmp(argv[1], "era") == 0){
    struct era *e = find_era(argv[2]);
    if(e == 0){
      fprintf(2, "knob: no era %s (knob era lists them)\n", argv[2]);
      exit(1);
    }
    if(set_era(e) < 0){
      fprintf(2, "knob: era %s: %s\n", argv[2], strerror(errno));
      exit(1);
    }
    printf("era %s: %s\n", e->name, e->what);
  } else if(argc == 2){
    show(argv[1]);
  } else {
    int old = vmknob(argv[1], atoi(argv[2]));
    if(old < 0){
      fprintf(2, "knob: %s %s: %s\n", argv[1], argv[2], strerror(errno));
      exit(1);
    }
    printf("%s: %d -> %d\n", argv[1], old, atoi(argv[2]));
  }
  exit(0);
}
