# Kernel entry. The firmware (OpenSBI directly, or U-Boot's booti) jumps to
# _start with the MMU off, a0 = hart id, a1 = physical address of the device
# tree. The image may have been loaded anywhere in RAM (0x80200000 on QEMU,
# 0x40200000 on the VisionFive 2), but it is linked at KIMAGE_VADDR: so the
# code here, and early_pgtable() which it calls, use only PC-relative
# addressing until the MMU maps the image at its link address.

#include "param.h"
#include "memlayout.h"

#define BOOT_STACK 16384          /* bytes of boot stack per cpu */

        .section .text.head, "ax"
        .globl _start
_start:
        # The 64-byte RISC-V Linux image header that U-Boot's booti wants.
        .option push
        .option norvc
        j       _boot                   # code0
        .word   0                       # code1
        .option pop
        .dword  TEXT_OFFSET             # text_offset: where booti puts us above RAM's start
        .dword  _image_size             # image_size, bss included (must be non-zero)
        .dword  0                       # flags: little endian
        .word   2                       # version 0.2
        .word   0                       # res1
        .dword  0                       # res2
        .ascii  "RISCV\0\0\0"           # magic (deprecated)
        .ascii  "RSC\x05"               # magic2
        .word   0                       # res3

_boot:
        csrw    sie, zero
        csrw    satp, zero
        mv      s0, a0                  # hart id
        mv      s1, a1                  # device tree
        # zero .bss (early_pgtable's tables live there)
        la      t0, __bss_start
        la      t1, __bss_end
1:      bgeu    t0, t1, 2f
        sd      zero, 0(t0)
        addi    t0, t0, 8
        j       1b
2:      la      sp, stack0
        li      t0, BOOT_STACK
        add     sp, sp, t0
        la      a0, _start              # the physical load address
        la      t0, kernel_pa_start
        sd      a0, 0(t0)
        mv      a1, s1
        call    early_pgtable           # returns satp, or 0 if the image is misplaced
        beqz    a0, boot_fail
        la      t0, early_satp
        sd      a0, 0(t0)
        csrw    satp, a0
        sfence.vma
        # Jump to our link address: load it from a literal, PC-relatively.
        la      t0, .Lboot_virt
        ld      t0, 0(t0)
        jr      t0

boot_virt:
        la      sp, stack0              # now a virtual address
        li      t0, BOOT_STACK
        add     sp, sp, t0
        li      tp, 0                   # the boot hart is cpu 0
        mv      a0, s0
        mv      a1, s1
        call    kmain
3:      wfi
        j       3b

# A hart started by SBI HSM hart_start: a0 = hart id, a1 = cpu index.
        .globl secondary_entry
secondary_entry:
        csrw    sie, zero
        la      t0, early_satp
        ld      t0, 0(t0)
        csrw    satp, t0
        sfence.vma
        la      t0, .Lsecondary_virt
        ld      t0, 0(t0)
        jr      t0

secondary_virt:
        mv      tp, a1
        la      sp, stack0
        li      t0, BOOT_STACK
        addi    t1, a1, 1
        mul     t0, t0, t1
        add     sp, sp, t0
        call    kmain_secondary
4:      wfi
        j       4b

# early_pgtable refused the load address: say so through the SBI legacy
# console (no MMU, no device tree needed) and stop.
boot_fail:
        la      s2, .Lfailmsg
5:      lbu     a0, 0(s2)
        beqz    a0, 6f
        li      a7, 1                   # SBI legacy console_putchar
        ecall
        addi    s2, s2, 1
        j       5b
6:      wfi
        j       6b

        .section .rodata
        .balign 8
.Lboot_virt:
        .dword  boot_virt
.Lsecondary_virt:
        .dword  secondary_virt
.Lfailmsg:
        .asciz  "cowpin: the kernel must be loaded at a 2 MiB aligned address\r\n"

        .bss
        .balign 4096
        .globl stack0
stack0:
        .space  BOOT_STACK * NCPU
