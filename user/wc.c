// wc: count lines, words and bytes of each file (or of standard input).

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

static char buf[512];

static int
isspace(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v';
}

static void
wc(int fd, const char *name)
{
  int n, i, lines = 0, words = 0, bytes = 0, inword = 0;

  while((n = read(fd, buf, sizeof(buf))) > 0){
    bytes += n;
    for(i = 0; i < n; i++){
      if(buf[i] == '\n')
        lines++;
      // A word starts wherever a non-blank follows a blank (or the start).
      if(isspace(buf[i]))
        inword = 0;
      else if(!inword){
        inword = 1;
        words++;
      }
    }
  }
  if(n < 0){
    fprintf(2, "wc: %s: read error: %s\n", name, strerror(errno));
    exit(1);
  }
  printf("%d %d %d %s\n", lines, words, bytes, name);
}

int
main(int argc, char *argv[])
{
  int fd, i;

  if(argc <= 1){
    wc(0, "");
    exit(0);
  }
  for(i = 1; i < argc; i++){
    if((fd = open(argv[i], O_RDONLY)) < 0){
      fprintf(2, "wc: cannot open %s: %s\n", argv[i], strerror(errno));
      exit(1);
    }
    wc(fd, argv[i]);
    close(fd);
  }
  exit(0);
}
