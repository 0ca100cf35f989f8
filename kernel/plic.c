// The platform-level interrupt controller (PLIC): routes device interrupts
// to harts. Each hart's S-mode "context" is found in the device tree's
// interrupts-extended (2h+1 for hart h on QEMU, 2h on the JH7110).

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "fdt.h"
#include "defs.h"

#define PLIC_PRIORITY(irq)  (4 * (irq))
#define PLIC_ENABLE(ctx)    (0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx) (0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)     (0x200004 + 0x1000 * (ctx))

static volatile uchar *plic;
static uint32 ndev;
static int nctx;
static int ctx_hart[FDT_MAX_CTX]; // hart id whose S-mode context each context is, or -1
static int hart_ctx[NCPU];        // S-mode context of each cpu index, or -1
static uint32 enabled[32];        // enabled sources, a bitmap (up to 1024)

static volatile uint32*
reg(uint64 off)
{
  return (volatile uint32*)(plic + off);
}

void
plicinit(struct fdt_machine *m)
{
  if(!m->plic.found)
    panic("no PLIC in the device tree");
  plic = ioremap(m->plic.base, m->plic.size);
  ndev = m->plic.ndev;
  nctx = m->plic.nctx;
  for(int i = 0; i < nctx; i++)
    ctx_hart[i] = m->plic.ctx_hart[i];
}

// Enable a source on every hart (with priority 1, above threshold 0).
void
plic_enable(int irq)
{
  if(irq <= 0 || irq > (int)ndev)
    return;
  *reg(PLIC_PRIORITY(irq)) = 1;
  enabled[irq / 32] |= 1u << (irq % 32);
}

// Per hart: firmware may leave enable bits set (the JH7110 does), so write
// the whole enable array for this hart's context.
void
plicinithart(void)
{
  int ctx = -1;
  for(int i = 0; i < nctx; i++)
    if(ctx_hart[i] == (int)mycpu()->hartid)
      ctx = i;
  hart_ctx[cpuid()] = ctx;
  if(ctx < 0){
    printf("cpu %d: no PLIC S-mode context; no device interrupts here\n", cpuid());
    return;
  }
  for(uint32 w = 0; w <= ndev / 32; w++)
    *reg(PLIC_ENABLE(ctx) + 4 * w) = enabled[w];
  *reg(PLIC_THRESHOLD(ctx)) = 0;
}

int
plic_claim(void)
{
  int ctx = hart_ctx[cpuid()];
  return ctx < 0 ? 0 : *reg(PLIC_CLAIM(ctx));
}

void
plic_complete(int irq)
{
  *reg(PLIC_CLAIM(hart_ctx[cpuid()])) = irq;
}
