// A program written the way MIT xv6's own user programs are (usertests.c,
// 6.1810's mmaptest.c): a format that does not match its argument (a
// warning under cowpin's printf format attribute) and its own definition
// of a name user.h already has. make EXTRA=tests/extra/mitstyle.c must
// build it with warnings, not stop on them (tests/extra/run.sh).
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"

#define MAP_FAILED ((char *) -1)

int
main(int argc, char *argv[])
{
  uint64 big = 1UL << 33;
  char *p = sbrk(4096);
  if(p == MAP_FAILED){
    printf("mitstyle: sbrk failed\n");
    exit(1);
  }
  p[0] = 'x';
  printf("mitstyle: %d\n", big);   // %d for a uint64: a warning, as in MIT's usertests.c
  printf("mitstyle: OK\n");
  exit(0);
}
