// The eras of the COW/GUP saga (see eras.h and docs/history.md). The
// tables themselves are made from docs/history.json (build/eras_table.c).
#include "kernel/types.h"
#include "user/user.h"
#include "user/eras.h"

int
set_era(struct era *e)
{
  for(int i = 0; i < NKNOB; i++)
    if(vmknob(knob_names[i], e->v[i]) < 0)
      return -1;
  return 0;
}

struct era *
find_era(char *name)
{
  for(int i = 0; i < neras; i++)
    if(strcmp(eras[i].name, name) == 0)
      return &eras[i];
  return 0;
}
