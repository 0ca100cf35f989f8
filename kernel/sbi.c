// Calls into the Supervisor Binary Interface (OpenSBI): the kernel's way to
// reach M-mode services (timer, inter-processor interrupts, remote fences,
// hart start, shutdown) on any RISC-V platform.

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

#define SBI_EXT_BASE  0x10
#define SBI_EXT_TIME  0x54494D45
#define SBI_EXT_IPI   0x735049
#define SBI_EXT_RFENCE 0x52464E43
#define SBI_EXT_HSM   0x48534D
#define SBI_EXT_SRST  0x53525354
#define SBI_LEGACY_PUTCHAR 0x01

static struct sbiret
sbi_call4(uint64 ext, uint64 fid, uint64 a0, uint64 a1, uint64 a2, uint64 a3)
{
  register uint64 r0 asm("a0") = a0;
  register uint64 r1 asm("a1") = a1;
  register uint64 r2 asm("a2") = a2;
  register uint64 r3 asm("a3") = a3;
  register uint64 r6 asm("a6") = fid;
  register uint64 r7 asm("a7") = ext;
  asm volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r3), "r"(r6), "r"(r7) : "memory");
  return (struct sbiret){ (long)r0, (long)r1 };
}

static struct sbiret
sbi_call(uint64 ext, uint64 fid, uint64 a0, uint64 a1, uint64 a2)
{
  return sbi_call4(ext, fid, a0, a1, a2, 0);
}

// The earliest console: works before the device tree is parsed.
void
sbi_console_putchar(int c)
{
  sbi_call(SBI_LEGACY_PUTCHAR, 0, c, 0, 0);
}

static void
require(uint64 ext, char *name)
{
  struct sbiret r = sbi_call(SBI_EXT_BASE, 3, ext, 0, 0);   // probe_extension
  if(r.error != 0 || r.value == 0)
    panic("SBI firmware lacks the %s extension; cowpin needs SBI v0.2+ with TIME, IPI, RFENCE, HSM and SRST", name);
}

void
sbi_init(void)
{
  struct sbiret v = sbi_call(SBI_EXT_BASE, 0, 0, 0, 0);     // get_spec_version
  struct sbiret impl = sbi_call(SBI_EXT_BASE, 1, 0, 0, 0);  // get_impl_id
  struct sbiret iv = sbi_call(SBI_EXT_BASE, 2, 0, 0, 0);    // get_impl_version
  printf("SBI: spec %ld.%ld, implementation %ld (%s) version 0x%lx\n",
         (v.value >> 24) & 0x7f, v.value & 0xffffff, impl.value,
         impl.value == 1 ? "OpenSBI" : "other", iv.value);
  require(SBI_EXT_TIME, "TIME");
  require(SBI_EXT_IPI, "IPI");
  require(SBI_EXT_RFENCE, "RFENCE");
  require(SBI_EXT_HSM, "HSM");
  require(SBI_EXT_SRST, "SRST");
}

// Program this hart's next timer interrupt; also clears a pending one.
void
sbi_set_timer(uint64 when)
{
  sbi_call(SBI_EXT_TIME, 0, when, 0, 0);
}

// Raise a supervisor software interrupt on the hart of cpu index c.
void
sbi_send_ipi(int c)
{
  uint64 hart = cpus[c].hartid;
  // The mask is relative to a base hart id, so any hart id fits.
  sbi_call(SBI_EXT_IPI, 0, 1, hart, 0);
}

// Run sfence.vma for [start, start+size) on the hart of cpu index c and
// return when it has (RFENCE remote_sfence_vma).
void
sbi_remote_sfence_vma(int c, uint64 start, uint64 size)
{
  // hart mask 1 relative to the hart's own id: any hart id fits
  sbi_call4(SBI_EXT_RFENCE, 1, 1, cpus[c].hartid, start, size);
}

int
sbi_hart_start(uint64 hartid, uint64 start_pa, uint64 opaque)
{
  return sbi_call(SBI_EXT_HSM, 0, hartid, start_pa, opaque).error;
}

void
sbi_shutdown(int reboot)
{
  sbi_call(SBI_EXT_SRST, 0, reboot ? 1 : 0, 0, 0);   // type: 0 shutdown, 1 cold reboot
  for(;;)
    asm volatile("wfi");
}
