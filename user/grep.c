// grep: print the lines that match a simple regular expression.
//
// Patterns: c matches itself, '.' any character, x* zero or more of x,
// a leading '^' anchors at the start of the line, a trailing '$' at the
// end.  (The classic tiny matcher from Kernighan and Pike's
// "The Practice of Programming", re-written.)

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

static int here(const char *re, const char *s);

// Match c* followed by re at s, trying the shortest run of c first.
static int
star(int c, const char *re, const char *s)
{
  for(;;){
    if(here(re, s))
      return 1;
    if(*s == 0 || (c != '.' && *s != c))
      return 0;
    s++;
  }
}

// Does re match at the start of s (not necessarily all of s)?
static int
here(const char *re, const char *s)
{
  for(; re[0] != 0; re++, s++){
    if(re[1] == '*')
      return star(re[0], re + 2, s);
    if(re[0] == '$' && re[1] == 0)
      return *s == 0;
    if(*s == 0 || (re[0] != '.' && re[0] != *s))
      return 0;
  }
  return 1;
}

// Does re match anywhere in s?
static int
match(const char *re, const char *s)
{
  if(re[0] == '^')
    return here(re + 1, s);
  for(;; s++){
    if(here(re, s))
      return 1;
    if(*s == 0)
      return 0;
  }
}

static char buf[1024];

// Print the line starting at line (terminated by *end, a newline or the
// end of the buffer) if it matches.
static void
check(const char *re, char *line, char *end)
{
  char c = *end;

  *end = 0;
  if(match(re, line)){
    *end = '\n';
    write(1, line, end - line + 1);
  }
  *end = c;
}

// The first newline in [p, end), or 0.
static char *
findnl(char *p, char *end)
{
  for(; p < end; p++)
    if(*p == '\n')
      return p;
  return 0;
}

static void
grep(const char *re, int fd, const char *name)
{
  int n, have = 0;
  char *line, *nl;

  // One byte of buf is kept free so an unterminated final line can be
  // given a newline.
  while((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0){
    have += n;
    line = buf;
    while((nl = findnl(line, buf + have)) != 0){
      check(re, line, nl);
      line = nl + 1;
    }
    have -= line - buf;
    if(have == sizeof(buf) - 1){
      // A line longer than the buffer: judge the part we have.
      check(re, buf, buf + have);
      have = 0;
    } else if(have > 0){
      memmove(buf, line, have);
    }
  }
  if(n < 0){
    fprintf(2, "grep: %s: read error: %s\n", name, strerror(errno));
    exit(1);
  }
  if(have > 0)
    check(re, buf, buf + have);
}

int
main(int argc, char *argv[])
{
  int fd, i;

  if(argc <= 1){
    fprintf(2, "usage: grep pattern [file ...]\n");
    exit(1);
  }
  if(argc == 2){
    grep(argv[1], 0, "stdin");
    exit(0);
  }
  for(i = 2; i < argc; i++){
    if((fd = open(argv[i], O_RDONLY)) < 0){
      fprintf(2, "grep: cannot open %s: %s\n", argv[i], strerror(errno));
      exit(1);
    }
    grep(argv[1], fd, argv[i]);
    close(fd);
  }
  exit(0);
}
