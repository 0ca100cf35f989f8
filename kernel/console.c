// The console device (major CONSOLE): line-buffered input with editing,
// output to the UART.
//   ^H or DEL  erase a character    ^U  erase the line
//   ^D         end of file          ^P  list processes

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

#define BACKSPACE 0x100
#define C(x)  ((x)-'@')  // Control-x

// Echo and kernel output.
void
consputc(int c)
{
  if(c == BACKSPACE){
    uartputc_sync('\b'); uartputc_sync(' '); uartputc_sync('\b');
  } else {
    if(c == '\n')
      uartputc_sync('\r');
    uartputc_sync(c);
  }
}

static struct {
  struct spinlock lock;
#define INPUT_BUF_SIZE 128
  char buf[INPUT_BUF_SIZE];
  uint r;  // read index
  uint w;  // end of the lines a reader may take
  uint e;  // edit index
} cons;

static int
consolewrite(int user_src, uint64 src, int n)
{
  char buf[64];
  int i = 0;

  while(i < n){
    int m = n - i < (int)sizeof(buf) ? n - i : (int)sizeof(buf);
    if(either_copyin(buf, user_src, src + i, m) < 0)
      break;
    // The UART wants \r\n; a program writes \n.
    for(int k = 0; k < m; k++){
      if(buf[k] == '\n')
        uartwrite("\r", 1);
      uartwrite(&buf[k], 1);
    }
    i += m;
  }
  return i > 0 ? i : (n == 0 ? 0 : -EFAULT);
}

// Read up to n bytes of one line. A ^D ends the input: it returns what
// precedes it, or 0 (end of file) on its own. The bytes are gathered
// under the lock and copied to the user after it is released (a fault on
// the user page may sleep).
static int
consoleread(int user_dst, uint64 dst, int n)
{
  char kbuf[INPUT_BUF_SIZE];
  int m = 0;

  acquire(&cons.lock);
  while(cons.r == cons.w){
    if(killed(myproc())){
      release(&cons.lock);
      return -EINTR;
    }
    sleep(&cons.r, &cons.lock);
  }
  while(m < n && m < INPUT_BUF_SIZE && cons.r != cons.w){
    int c = cons.buf[cons.r % INPUT_BUF_SIZE];
    if(c == C('D')){
      if(m == 0)
        cons.r++;   // alone: end of file; after text: left for the next read
      break;
    }
    cons.r++;
    kbuf[m++] = c;
    if(c == '\n')
      break;
  }
  release(&cons.lock);
  if(m > 0 && either_copyout(user_dst, dst, kbuf, m) < 0)
    return -EFAULT;
  return m;
}

// A character arrived from the UART (interrupt time).
void
consoleintr(int c)
{
  acquire(&cons.lock);
  switch(c){
  case C('P'):
    procdump();
    break;
  case C('U'):
    while(cons.e != cons.w && cons.buf[(cons.e-1) % INPUT_BUF_SIZE] != '\n'){
      cons.e--;
      consputc(BACKSPACE);
    }
    break;
  case C('H'):
  case '\x7f':
    if(cons.e != cons.w){
      cons.e--;
      consputc(BACKSPACE);
    }
    break;
  default:
    if(c != 0 && cons.e - cons.r < INPUT_BUF_SIZE){
      c = (c == '\r') ? '\n' : c;
      consputc(c);
      cons.buf[cons.e++ % INPUT_BUF_SIZE] = c;
      if(c == '\n' || c == C('D') || cons.e - cons.r == INPUT_BUF_SIZE){
        cons.w = cons.e;   // a whole line (or a full buffer): wake readers
        wakeup(&cons.r);
      }
    }
    break;
  }
  release(&cons.lock);
}

void
consoleinit(void)
{
  initlock(&cons.lock, "cons");
  devsw[CONSOLE].read = consoleread;
  devsw[CONSOLE].write = consolewrite;
}
