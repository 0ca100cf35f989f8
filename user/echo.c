// echo: print the arguments separated by spaces, then a newline.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  char buf[512];
  int n = 0, len, i;

  // Assemble the line so it reaches the output in one write (or a few
  // for very long lines) instead of one per argument.
  for(i = 1; i < argc; i++){
    len = strlen(argv[i]);
    if(n + len + 1 > sizeof(buf)){
      if(n > 0)
        write(1, buf, n);
      n = 0;
      if(len + 1 > sizeof(buf)){
        write(1, argv[i], len);
        len = 0;
      }
    }
    memmove(buf + n, argv[i], len);
    n += len;
    buf[n++] = i + 1 < argc ? ' ' : '\n';
  }
  if(argc < 2)
    buf[n++] = '\n';
  if(write(1, buf, n) != n)
    exit(1);
  exit(0);
}
