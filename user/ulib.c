// The small C library every user program links with: the entry point,
// string and memory helpers, and wrappers over system calls.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

// The kernel enters a program here (user.ld names it as the ELF entry)
// with argc in a0 and argv in a1.  Passing main's return value to exit
// lets a program simply return from main.
void
start(int argc, char **argv)
{
  extern int main(int, char **);
  exit(main(argc, argv));
}

char *
strcpy(char *dst, const char *src)
{
  char *d = dst;
  while((*d++ = *src++) != 0)
    ;
  return dst;
}

int
strcmp(const char *a, const char *b)
{
  while(*a && *a == *b){
    a++;
    b++;
  }
  return (uchar)*a - (uchar)*b;
}

int
strncmp(const char *a, const char *b, uint n)
{
  for(; n > 0; n--, a++, b++){
    if(*a != *b || *a == 0)
      return (uchar)*a - (uchar)*b;
  }
  return 0;
}

uint
strlen(const char *s)
{
  uint n = 0;
  while(s[n])
    n++;
  return n;
}

void *
memset(void *dst, int c, uint n)
{
  char *d = dst;
  while(n-- > 0)
    *d++ = c;
  return dst;
}

char *
strchr(const char *s, char c)
{
  for(; *s; s++)
    if(*s == c)
      return (char *)s;
  return 0;
}

// Read a line from fd 0 one byte at a time, so no input beyond the
// newline is consumed (a child exec'd afterwards still sees it).
// Keeps the newline; the result is always NUL-terminated, and an empty
// string means end of file.
char *
gets(char *buf, int max)
{
  int i = 0;
  char c;

  while(i + 1 < max){
    if(read(0, &c, 1) != 1)
      break;
    buf[i++] = c;
    if(c == '\n' || c == '\r')
      break;
  }
  buf[i] = 0;
  return buf;
}

int
stat(const char *path, struct stat *st)
{
  int fd, r;

  fd = open(path, O_RDONLY);
  if(fd < 0)
    return -1;
  r = fstat(fd, st);
  close(fd);
  return r;
}

// Decimal conversion; an optional leading '-' is accepted (xv6's only
// takes digits), anything else stops the scan.
int
atoi(const char *s)
{
  int neg = 0, n = 0;

  if(*s == '-'){
    neg = 1;
    s++;
  }
  while(*s >= '0' && *s <= '9')
    n = n * 10 + (*s++ - '0');
  return neg ? -n : n;
}

// Copies correctly even when the regions overlap: backwards when the
// destination lies above the source.
void *
memmove(void *dst, const void *src, int n)
{
  char *d = dst;
  const char *s = src;

  if(n <= 0 || d == s)
    return dst;
  if(s < d && s + n > d){
    d += n;
    s += n;
    while(n-- > 0)
      *--d = *--s;
  } else {
    while(n-- > 0)
      *d++ = *s++;
  }
  return dst;
}

int
memcmp(const void *a, const void *b, uint n)
{
  const uchar *p = a, *q = b;

  for(; n > 0; n--, p++, q++)
    if(*p != *q)
      return *p - *q;
  return 0;
}

// gcc may emit calls to memcpy for structure copies, so it must exist;
// memmove is correct for any overlap.
void *
memcpy(void *dst, const void *src, uint n)
{
  return memmove(dst, src, n);
}

char *
sbrk(int n)
{
  return sys_sbrk(n, SBRK_EAGER);
}

char *
sbrklazy(int n)
{
  return sys_sbrk(n, SBRK_LAZY);
}
