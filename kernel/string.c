// The few C library string functions the kernel uses.
#include "types.h"
#include "riscv.h"
#include "defs.h"   // __hot

void*
memset(void *dst, int c, uint64 n)
{
  uchar *d = dst;
  // Word stores when aligned: zeroing pages is on the hot path.
  if(((uint64)d & 7) == 0 && (n & 7) == 0){
    uint64 w = (uchar)c;
    w |= w << 8; w |= w << 16; w |= w << 32;
    for(uint64 *p = dst; n; n -= 8)
      *p++ = w;
    return dst;
  }
  while(n-- > 0)
    *d++ = c;
  return dst;
}

int
memcmp(const void *v1, const void *v2, uint64 n)
{
  const uchar *s1 = v1, *s2 = v2;
  for(; n > 0; n--, s1++, s2++)
    if(*s1 != *s2)
      return *s1 - *s2;
  return 0;
}

__hot void*
memmove(void *dst, const void *src, uint64 n)
{
  const uchar *s = src;
  uchar *d = dst;

  if(n == 0)
    return dst;
  if(s < d && s + n > d){
    // Overlap with the destination above the source: copy backwards.
    s += n;
    d += n;
    while(n-- > 0)
      *--d = *--s;
    return dst;
  }
  if((((uint64)s | (uint64)d | n) & 7) == 0){
    const uint64 *ws = src;
    uint64 *wd = dst;
    for(; n; n -= 8)
      *wd++ = *ws++;
    return dst;
  }
  while(n-- > 0)
    *d++ = *s++;
  return dst;
}

// gcc may emit calls to memcpy for structure copies.
void*
memcpy(void *dst, const void *src, uint64 n)
{
  return memmove(dst, src, n);
}

int
strncmp(const char *p, const char *q, uint64 n)
{
  for(; n > 0 && *p && *p == *q; n--, p++, q++)
    ;
  if(n == 0)
    return 0;
  return (uchar)*p - (uchar)*q;
}

// Copy at most n bytes; pad with NULs like the C library's strncpy.
char*
strncpy(char *s, const char *t, int n)
{
  char *os = s;
  while(n > 0 && (*s = *t) != 0){
    n--; s++; t++;
  }
  while(n-- > 0)
    *s++ = 0;
  return os;
}

// Like strncpy but always NUL-terminates.
char*
safestrcpy(char *s, const char *t, int n)
{
  char *os = s;
  if(n <= 0)
    return os;
  while(--n > 0 && (*s = *t) != 0){
    s++; t++;
  }
  *s = 0;
  return os;
}

int
strlen(const char *s)
{
  int n;
  for(n = 0; s[n]; n++)
    ;
  return n;
}
