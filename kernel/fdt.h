// Flattened device tree (DTB) parser: pulls out of the blob the firmware
// hands us (a1 at boot) the few facts cowpin needs to run on a machine:
// RAM, reserved RAM, harts, timer rate, console UART, PLIC, virtio-mmio.
//
// The parser needs no allocation and no libc, so the same fdt.c is built
// into the kernel and into the host test (tests/fdt_host.c).
#ifndef COWPIN_FDT_H
#define COWPIN_FDT_H

#include "kernel/types.h"

#define FDT_MAX_MEM     8
#define FDT_MAX_RSV     16
#define FDT_MAX_HARTS   16
#define FDT_MAX_VIRTIO  16
#define FDT_MAX_CTX     64

// Error codes returned by fdt_parse (negative Linux errno values; the
// parser cannot include kernel/errno.h, so the numbers are repeated here).
#define FDT_EBADMAGIC  (-22)   // -EINVAL: no 0xd00dfeed magic / bad header
#define FDT_EVERSION   (-8)    // -ENOEXEC: format version we do not understand
#define FDT_ETRUNC     (-7)    // -E2BIG: a block or token runs past totalsize
#define FDT_EBADSTRUCT (-5)    // -EIO: malformed structure block

struct fdt_range {
  uint64 base, size;
};

struct fdt_hart {
  uint32 hartid;         // the cpu node's reg
  int usable;            // status okay/ok/absent AND mmu-type present, not "riscv,none"
  uint32 intc_phandle;   // phandle of the cpu's interrupt-controller child, 0 if none
};

struct fdt_machine {
  // RAM: every range of every /memory node (top-level, device_type "memory").
  struct fdt_range mem[FDT_MAX_MEM];
  int nmem;

  // Must-not-touch RAM: memory reservation block entries first, then the
  // reg ranges of /reserved-memory children. The blob itself is not listed
  // (use fdt_totalsize).
  struct fdt_range rsv[FDT_MAX_RSV];
  int nrsv;

  // The /reserved-memory children marked no-map (also in rsv): firmware
  // memory the kernel must not even map (OpenSBI's, protected by PMP).
  // The rest of rsv (the initrd U-Boot reserves, say) may be mapped.
  struct fdt_range nomap[FDT_MAX_RSV];
  int nnomap;

  // Every /cpus/cpu@N node with device_type "cpu", in blob order.
  struct fdt_hart harts[FDT_MAX_HARTS];
  int nharts;

  uint64 timebase;       // /cpus timebase-frequency (else the first cpu's), 0 if none

  // Console UART: the node /chosen stdout-path names (alias or path,
  // ":options" ignored) if it is an enabled ns16550a / ns16550 /
  // snps,dw-apb-uart; otherwise the first enabled such node.
  struct {
    uint64 base, size;   // first reg entry
    int reg_shift;       // register i is at base + (i << reg_shift); default 0
    int reg_io_width;    // access width in bytes; default 1
    uint32 irq;          // PLIC source (first interrupts cell), 0 if none
    uint32 clock;        // clock-frequency, 0 if absent
    int dw;              // 1: DesignWare APB UART (LCR-while-busy quirk)
    int found;
  } uart;

  // First enabled PLIC ("riscv,plic0", "sifive,plic-1.0.0",
  // "starfive,jh7110-plic").
  struct {
    uint64 base, size;
    uint32 ndev;                 // riscv,ndev: number of interrupt sources
    int nctx;                    // contexts listed in interrupts-extended
    int ctx_hart[FDT_MAX_CTX];   // hart id whose S-mode external interrupt
                                 // (cause 9) is context i; -1 otherwise
    int found;
  } plic;

  // Enabled "virtio,mmio" nodes, sorted by ascending base address (so
  // virtio[0] is QEMU's bus 0 at the lowest address, where -drive ...
  // bus=virtio-mmio-bus.0 attaches).
  struct {
    uint64 base, size;
    uint32 irq;
  } virtio[FDT_MAX_VIRTIO];
  int nvirtio;

  char bootargs[256];            // /chosen bootargs, NUL-terminated, "" if none
  uint64 initrd_start, initrd_end;  // /chosen linux,initrd-start/end, 0 if absent
};

// Parse the blob into *m. Returns 0, or a negative FDT_E* code if the blob
// is malformed; every read is bounded by the header's totalsize. On error
// *m holds whatever was gathered before the problem was found; do not use it.
int fdt_parse(const void *blob, struct fdt_machine *m);

// The blob's totalsize header field (so the caller can reserve the blob's
// memory), or 0 if the magic is wrong.
uint64 fdt_totalsize(const void *blob);

#endif
