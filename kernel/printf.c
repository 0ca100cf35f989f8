// Formatted console output for the kernel: printf and panic.

#include <stdarg.h>

#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "riscv.h"
#include "defs.h"
#include "file.h"
#include "proc.h"

volatile int panicking = 0; // printing a panic message
volatile int panicked = 0;  // spinning forever at end of a panic

// One printf's output is not interleaved with another's.
static struct spinlock pr_lock;

static char digits[] = "0123456789abcdef";

static void
printnum(uint64 x, int base, int sign)
{
  char buf[24];
  int i = 0;
  int neg = sign && (int64)x < 0;

  if(neg)
    x = -(int64)x;
  do {
    buf[i++] = digits[x % base];
  } while((x /= base) != 0);
  if(neg)
    buf[i++] = '-';
  while(--i >= 0)
    consputc(buf[i]);
}

static void
vprintf(char *fmt, va_list ap)
{
  for(int i = 0; fmt[i]; i++){
    int c = fmt[i] & 0xff;
    if(c != '%'){
      consputc(c);
      continue;
    }
    c = fmt[++i] & 0xff;
    int islong = 0;
    while(c == 'l'){   // %ld, %lld
      islong = 1;
      c = fmt[++i] & 0xff;
    }
    switch(c){
    case 'd':
      printnum(islong ? va_arg(ap, int64) : va_arg(ap, int), 10, 1);
      break;
    case 'u':
      printnum(islong ? va_arg(ap, uint64) : va_arg(ap, uint32), 10, 0);
      break;
    case 'x':
      printnum(islong ? va_arg(ap, uint64) : va_arg(ap, uint32), 16, 0);
      break;
    case 'p': {
      uint64 x = va_arg(ap, uint64);
      consputc('0');
      consputc('x');
      for(int k = 0; k < 16; k++, x <<= 4)
        consputc(digits[x >> 60]);
      break;
    }
    case 'c':
      consputc(va_arg(ap, int));
      break;
    case 's': {
      char *s = va_arg(ap, char*);
      for(s = s ? s : "(null)"; *s; s++)
        consputc(*s);
      break;
    }
    case '%':
      consputc('%');
      break;
    case 0:
      return;
    default:
      consputc('%');
      consputc(c);
      break;
    }
  }
}

int
printf(char *fmt, ...)
{
  va_list ap;
  int locking = !panicking;

  if(locking)
    acquire(&pr_lock);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  if(locking)
    release(&pr_lock);
  return 0;
}

void
panic(char *fmt, ...)
{
  va_list ap;

  panicking = 1;
  printf("panic: ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  panicked = 1; // freeze uart output from other CPUs
  for(;;)
    asm volatile("wfi");
}

void
printfinit(void)
{
  initlock(&pr_lock, "pr");
}
