// Driver for the 16550-family UART that is the console: QEMU's ns16550a
// and the VisionFive 2's Synopsys DesignWare 8250 (snps,dw-apb-uart).
// Register spacing (reg-shift) and access width (reg-io-width) come from
// the device tree. The firmware has already set the baud rate.

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "fdt.h"
#include "defs.h"

#define RHR 0                 // receive holding register (read)
#define THR 0                 // transmit holding register (write)
#define IER 1                 // interrupt enable register
#define IER_RX_ENABLE (1<<0)
#define IER_TX_ENABLE (1<<1)
#define FCR 2                 // FIFO control register (write)
#define FCR_FIFO_ENABLE (1<<0)
#define FCR_FIFO_CLEAR (3<<1)
#define IIR 2                 // interrupt identification (read)
#define IIR_BUSY 0x7          // DW: LCR was written while busy
#define LCR 3                 // line control register
#define LCR_8N1 0x3
#define LSR 5                 // line status register
#define LSR_RX_READY (1<<0)
#define LSR_TX_IDLE (1<<5)    // THR can accept another character
#define USR 31                // DW: UART status; reading clears a busy interrupt

static volatile uchar *base;  // 0 until uartinit: then the SBI console is used
static int shift, width, dw;
int uart_irq;

static struct spinlock uart_tx_lock;
#define UART_TX_BUF_SIZE 64
static char tx_buf[UART_TX_BUF_SIZE];
static uint64 tx_w, tx_r;     // write/read positions, modulo the size

static uint32
rd(int reg)
{
  volatile uchar *a = base + (reg << shift);
  return width == 4 ? *(volatile uint32*)a : *a;
}

static void
wr(int reg, uint32 v)
{
  volatile uchar *a = base + (reg << shift);
  if(width == 4)
    *(volatile uint32*)a = v;
  else
    *a = v;
}

// The DesignWare UART ignores an LCR write while it is busy sending:
// repeat until the value sticks.
static void
write_lcr(uint32 v)
{
  for(int tries = 0; tries < 1000; tries++){
    wr(LCR, v);
    if(!dw || (rd(LCR) & 0xff) == v)
      return;
    rd(USR);
  }
}

void
uartinit(struct fdt_machine *m)
{
  if(!m->uart.found)
    panic("no console UART in the device tree");
  shift = m->uart.reg_shift;
  width = m->uart.reg_io_width;
  dw = m->uart.dw;
  uart_irq = m->uart.irq;
  initlock(&uart_tx_lock, "uart");
  base = ioremap(m->uart.base, m->uart.size ? m->uart.size : PGSIZE);
  wr(IER, 0);
  write_lcr(LCR_8N1);
  wr(FCR, FCR_FIFO_ENABLE | FCR_FIFO_CLEAR);
  wr(IER, IER_RX_ENABLE);
}

// Send what is buffered while the UART can take it. Caller holds
// uart_tx_lock; called from both the top and bottom halves.
static void
uartstart(void)
{
  while(tx_w != tx_r){
    if((rd(LSR) & LSR_TX_IDLE) == 0){
      wr(IER, IER_RX_ENABLE | IER_TX_ENABLE);   // interrupt us when it can
      return;
    }
    int c = tx_buf[tx_r % UART_TX_BUF_SIZE];
    tx_r++;
    wakeup(&tx_r);
    wr(THR, c);
  }
  wr(IER, IER_RX_ENABLE);
}

// Write from a process (console write): sleeps while the buffer is full.
void
uartwrite(char buf[], int n)
{
  if(uart_irq == 0){
    // No interrupt to wait for (the tree gives none): poll.
    for(int i = 0; i < n; i++)
      uartputc_sync(buf[i]);
    return;
  }
  acquire(&uart_tx_lock);
  for(int i = 0; i < n; i++){
    while(tx_w == tx_r + UART_TX_BUF_SIZE)
      sleep(&tx_r, &uart_tx_lock);
    tx_buf[tx_w % UART_TX_BUF_SIZE] = buf[i];
    tx_w++;
    uartstart();
  }
  release(&uart_tx_lock);
}

// Output for kernel printf and echo: spins, usable with interrupts off.
void
uartputc_sync(int c)
{
  if(base == 0){
    sbi_console_putchar(c);
    return;
  }
  push_off();
  if(panicked){
    for(;;)
      ;
  }
  while((rd(LSR) & LSR_TX_IDLE) == 0)
    ;
  wr(THR, c);
  pop_off();
}

static int
uartgetc(void)
{
  if(rd(LSR) & LSR_RX_READY)
    return rd(RHR) & 0xff;
  return -1;
}

// The UART interrupted: input arrived, the transmitter is ready, or (DW)
// an LCR write was refused.
void
uartintr(void)
{
  if((rd(IIR) & 0xf) == IIR_BUSY)
    rd(USR);
  for(int c; (c = uartgetc()) >= 0; )
    consoleintr(c);
  acquire(&uart_tx_lock);
  uartstart();
  release(&uart_tx_lock);
}
