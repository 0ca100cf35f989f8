// fprintf, printf and snprintf.
//
// Output is collected in a buffer and written with as few write calls as
// possible (one per call unless the output is long), so lines printed by
// concurrent processes do not interleave character by character.
//
// Conversions: %d %i %u %x %p %s %c %%, with the length modifiers l and ll
// on d, i, u and x, an optional '-' or '0' flag and a decimal field width.

#include <stdarg.h>

#include "kernel/types.h"
#include "user/user.h"

struct out {
  int fd;       // where the output goes; -1: into str (snprintf)
  char *str;    // snprintf's buffer, and the room left in it
  int room;
  int total;    // characters formatted
  int n;
  char buf[256];
};

static void
flush(struct out *o)
{
  if(o->fd >= 0 && o->n > 0)
    write(o->fd, o->buf, o->n);
  for(int i = 0; o->fd < 0 && i < o->n && o->room > 1; i++, o->room--)
    *o->str++ = o->buf[i];
  o->n = 0;
}

static void
putch(struct out *o, char c)
{
  if(o->n == sizeof(o->buf))
    flush(o);
  o->buf[o->n++] = c;
  o->total++;
}

static void
pad(struct out *o, int n, char c)
{
  while(n-- > 0)
    putch(o, c);
}

// Emit a string in a field of width `width`; zero padding goes after a
// leading '-' so that "-0042" comes out right.
static void
field(struct out *o, const char *s, int len, int width, int left, int zero)
{
  int fill = width > len ? width - len : 0;

  if(left){
    while(len-- > 0)
      putch(o, *s++);
    pad(o, fill, ' ');
    return;
  }
  if(zero){
    if(*s == '-'){
      putch(o, *s++);
      len--;
    }
    pad(o, fill, '0');
  } else {
    pad(o, fill, ' ');
  }
  while(len-- > 0)
    putch(o, *s++);
}

// Format x in the given base into the end of buf; returns the start.
static char *
utoa(char *end, uint64 x, int base)
{
  static const char digits[] = "0123456789abcdef";
  char *p = end;

  do {
    *--p = digits[x % base];
    x /= base;
  } while(x != 0);
  return p;
}

static void
vfmt(struct out *o, const char *fmt, va_list ap)
{
  char num[24];
  char *end = num + sizeof(num);
  char *s;
  int c, lng, width, left, zero;
  uint64 u;
  int64 v;

  for(; (c = *fmt) != 0; fmt++){
    if(c != '%'){
      putch(o, c);
      continue;
    }

    left = zero = width = lng = 0;
    for(fmt++; *fmt == '-' || *fmt == '0'; fmt++){
      if(*fmt == '-')
        left = 1;
      else
        zero = 1;
    }
    for(; *fmt >= '0' && *fmt <= '9'; fmt++)
      width = width * 10 + (*fmt - '0');
    for(; *fmt == 'l' && lng < 2; fmt++)
      lng++;

    switch(c = *fmt){
    case 'd':
    case 'i':
      v = lng ? va_arg(ap, int64) : va_arg(ap, int);
      u = v < 0 ? -(uint64)v : (uint64)v;
      s = utoa(end, u, 10);
      if(v < 0)
        *--s = '-';
      field(o, s, end - s, width, left, zero);
      break;
    case 'u':
    case 'x':
      u = lng ? va_arg(ap, uint64) : va_arg(ap, uint);
      s = utoa(end, u, c == 'u' ? 10 : 16);
      field(o, s, end - s, width, left, zero);
      break;
    case 'p':
      // Always 16 digits, as in xv6, so addresses line up.
      u = (uint64)va_arg(ap, void *);
      putch(o, '0');
      putch(o, 'x');
      for(int i = 60; i >= 0; i -= 4)
        putch(o, "0123456789abcdef"[(u >> i) & 0xf]);
      break;
    case 's':
      s = va_arg(ap, char *);
      if(s == 0)
        s = "(null)";
      field(o, s, strlen(s), width, left, 0);
      break;
    case 'c':
      num[0] = va_arg(ap, int);
      field(o, num, 1, width, left, 0);
      break;
    case '%':
      putch(o, '%');
      break;
    case 0:
      // A lone '%' at the end of the format: print it, stop.
      putch(o, '%');
      return;
    default:
      // Unknown conversion: show it literally so the mistake is visible.
      putch(o, '%');
      putch(o, c);
      break;
    }
  }
}

// Format to fd, or (fd -1) into str, of size bytes with the final 0.
static int
format(int fd, char *str, int size, const char *fmt, va_list ap)
{
  struct out o = { .fd = fd, .str = str, .room = size };
  vfmt(&o, fmt, ap);
  flush(&o);
  if(fd < 0 && size > 0)
    *o.str = 0;
  return o.total;
}

void
fprintf(int fd, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  format(fd, 0, 0, fmt, ap);
  va_end(ap);
}

void
printf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  format(1, 0, 0, fmt, ap);
  va_end(ap);
}

// As C's: at most size bytes into buf, always ended by a 0 (if size > 0);
// returns the length the whole output would have.
int
snprintf(char *buf, int size, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = format(-1, buf, size, fmt, ap);
  va_end(ap);
  return n;
}
