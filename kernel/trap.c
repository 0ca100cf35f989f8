// Traps: system calls, interrupts and exceptions, from user mode and from
// the kernel.
//
// A trap is the hart jumping to the address in stvec, in supervisor mode,
// with sepc saying where it was, scause why, and stval the address or
// instruction that caused it. Where stvec points depends on where the hart
// was:
//
//  - In user mode, at uservec (kernelvec.S). sscratch holds the running
//    thread's trapframe: uservec swaps it with a0, saves the user
//    registers there, loads the kernel stack pointer and tp from it and
//    calls usertrap. There is no page-table switch, unlike xv6's
//    trampoline: every page table has the kernel's upper half mapped (and
//    PTE_U keeps user mode out of it), so the kernel runs on the user's
//    table until the scheduler switches (switch_mm, lazily).
//  - In the kernel, at kernelvec: the registers go on the current kernel
//    stack and kerneltrap handles the trap: an interrupt. An exception
//    there is a kernel bug and panics: the kernel reaches user memory by
//    walking the page table (copyin, copyout), never by a load that could
//    fault.
//
// usertrap sorts the trap out (system call, device interrupt, timer,
// page fault for handle_mm_fault, or a fault that kills the process), and
// usertrapret goes back: interrupts off, stvec back to uservec, sscratch
// to the trapframe, then userret restores the registers and srets to
// sepc. A system call returns its result in a0, xv6's convention, with
// negative errnos for errors (the stubs of user/usys.py turn them into -1
// and errno).

#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "lockdep.h"
#include "kcheck.h"

struct spinlock tickslock;
uint ticks;          // timer ticks since boot, TICK_HZ per second
uint64 tick_interval;   // in timebase units

void kernelvec();
void uservec();
void userret(struct trapframe *);
void fpu_save(struct fpstate *);
void fpu_restore(struct fpstate *);

// Floating point. A process starts with the FPU off; its first FP
// instruction traps as illegal and turns it on (fp_used). From then on,
// every trap saves the registers if user mode changed them (FS Dirty), and
// every return to user mode restores them: processes never see each
// other's registers, and the kernel always runs with the FPU off.
static void
fpu_from_user(struct proc *p)
{
  if(p->fp_used && (r_sstatus() & SSTATUS_FS) == SSTATUS_FS_DIRTY)
    fpu_save(&p->fp);
  csr_clear(sstatus, SSTATUS_FS);
}

// Returns the sstatus FS field for the return to user mode.
static uint64
fpu_to_user(struct proc *p)
{
  if(!p->fp_used)
    return 0;
  csr_set(sstatus, SSTATUS_FS_INITIAL);
  fpu_restore(&p->fp);
  return SSTATUS_FS_CLEAN;
}

void
trapinit(void)
{
  initlock(&tickslock, "time");
  tick_interval = timebase / TICK_HZ;
}

// Per hart: take traps in kernelvec, and enable the interrupts we use.
void
trapinithart(void)
{
  csr_clear(sstatus, SSTATUS_FS);   // the kernel runs with the FPU off
  w_stvec((uint64)kernelvec);
  w_sie(SIE_SEIE | SIE_STIE | SIE_SSIE);
  // User programs may read the time CSR (rdtime), as on Linux (its vDSO
  // clock): forkbench times what a tick is too coarse for.
  csr_write(scounteren, SCOUNTEREN_TM);
  sbi_set_timer(r_time() + tick_interval);
}

static void
clockintr(void)
{
  if(cpuid() == 0){
    acquire(&tickslock);
    ticks++;
    wakeup(&ticks);
    release(&tickslock);
  }
  sbi_set_timer(r_time() + tick_interval);
}

// Handle interrupt irq. Returns 2 for a timer interrupt (the caller
// yields), 1 for another interrupt, 0 for one we do not know.
static int
handle_interrupt(uint64 cause)
{
  switch(cause){
  case IRQ_S_EXT: {
    int irq = plic_claim();
    if(irq == uart_irq)
      uartintr();
    else if(irq == virtio_blk_irq)
      virtio_blk_intr();
    else if(irq)
      printf("unexpected interrupt irq=%d\n", irq);
    if(irq)
      plic_complete(irq);
    return 1;
  }
  case IRQ_S_TIMER:
    clockintr();
    return 2;
  case IRQ_S_SOFT:
    // An IPI: the sender only wants this hart out of wfi (work to do).
    csr_clear(sip, SIE_SSIE);
    kcheck_ipi();   // a checked kernel's test hook (kcheck.c)
    return 1;
  }
  return 0;
}

// Handle an interrupt, if scause is one (else 0): handle_interrupt's
// value. The lock-order checker is told where handlers begin and end.
static int
devintr(uint64 scause)
{
  if((scause & SCAUSE_INTR) == 0)
    return 0;
  lockdep_hardirq_enter();
  int r = handle_interrupt(scause & ~SCAUSE_INTR);
  lockdep_hardirq_exit();
  return r;
}

static char *
cause_name(uint64 scause)
{
  switch(scause){
  case EXC_INST_MISALIGNED: return "instruction address misaligned";
  case EXC_INST_ACCESS: return "instruction access fault";
  case EXC_ILLEGAL_INST: return "illegal instruction";
  case EXC_BREAKPOINT: return "breakpoint";
  case EXC_LOAD_ACCESS: return "load access fault";
  case EXC_STORE_ACCESS: return "store access fault";
  case EXC_INST_PAGE_FAULT: return "instruction page fault";
  case EXC_LOAD_PAGE_FAULT: return "load page fault";
  case EXC_STORE_PAGE_FAULT: return "store page fault";
  }
  return "exception";
}

// A trap from user space (via uservec).
void
usertrap(void)
{
  struct proc *p = myproc();
  uint64 scause = r_scause();
  int which_dev = 0;

  if((r_sstatus() & SSTATUS_SPP) != 0)
    panic("usertrap: not from user mode");
  w_stvec((uint64)kernelvec);
  p->trapframe.epc = r_sepc();
  int fp_was_off = (r_sstatus() & SSTATUS_FS) == 0;
  fpu_from_user(p);

  if(scause == EXC_ILLEGAL_INST && fp_was_off && !p->fp_used){
    // Perhaps an FP instruction: give the process an FPU (zeroed
    // registers) and retry it. If it was not FP, it traps again and is
    // killed below.
    memset(&p->fp, 0, sizeof(p->fp));
    p->fp_used = 1;
  } else if(scause == EXC_ECALL_U){
    if(killed(p))
      kexit(-1);
    p->trapframe.epc += 4;   // return to the instruction after ecall
    intr_on();
    syscall();
  } else if((which_dev = devintr(scause)) != 0){
    // handled
  } else if(scause == EXC_INST_PAGE_FAULT || scause == EXC_LOAD_PAGE_FAULT ||
            scause == EXC_STORE_PAGE_FAULT){
    uint64 va = r_stval();   // read before an interrupt can change it
    intr_on();
    int err = handle_mm_fault(p->mm, va, scause);
    if(err == -ENOMEM || err == -EIO){
      printf("pid %d %s: %s at va %p: killed\n", p->pid, p->name,
             err == -EIO ? "I/O error" : "out of memory", (void*)va);
      setkilled(p);
    } else if(err){
      printf("pid %d %s: %s at va %p pc %p: killed\n", p->pid, p->name,
             cause_name(scause), (void*)va, (void*)p->trapframe.epc);
      setkilled(p);
    }
  } else {
    printf("pid %d %s: %s (scause 0x%lx) pc %p stval %p: killed\n", p->pid, p->name,
           cause_name(scause), scause, (void*)p->trapframe.epc, (void*)r_stval());
    setkilled(p);
  }

  if(killed(p))
    kexit(-1);
  if(which_dev == 2)
    yield();
  usertrapret();
}

// Return to user mode.
void
usertrapret(void)
{
  struct proc *p = myproc();

  // From here until sret a trap would go to uservec with kernel state:
  // keep interrupts off.
  intr_off();
  w_stvec((uint64)uservec);
  w_sscratch((uint64)&p->trapframe);
  p->trapframe.kernel_sp = p->kstack + KSTACK_PAGES * PGSIZE;
  p->trapframe.kernel_tp = r_tp();

  uint64 fs = fpu_to_user(p);
  uint64 x = r_sstatus();
  x &= ~(SSTATUS_SPP | SSTATUS_FS);   // return to user mode
  x |= SSTATUS_SPIE | fs;             // with interrupts enabled
  w_sstatus(x);
  w_sepc(p->trapframe.epc);
  userret(&p->trapframe);
  panic("userret returned");
}

// Interrupts and exceptions in the kernel, on the current kernel stack.
void
kerneltrap(void)
{
  uint64 sepc = r_sepc();
  uint64 sstatus = r_sstatus();
  uint64 scause = r_scause();
  int which_dev;

  if((sstatus & SSTATUS_SPP) == 0)
    panic("kerneltrap: not from supervisor mode");
  if(intr_get() != 0)
    panic("kerneltrap: interrupts enabled");

  if((which_dev = devintr(scause)) == 0)
    panic("kerneltrap: %s (scause 0x%lx) sepc %p stval %p", cause_name(scause),
          scause, (void*)sepc, (void*)r_stval());

  if(which_dev == 2 && myproc() != 0)
    yield();

  // yield() may have caused other traps: restore what sret uses.
  w_sepc(sepc);
  w_sstatus(sstatus);
}
