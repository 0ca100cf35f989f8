# Trap entry and exit.
#
# The kernel is mapped in the upper half of every page table, so a trap from
# user mode lands directly in the kernel with no page-table switch. While a
# process runs in user mode, stvec = uservec and sscratch = its trapframe;
# while the kernel runs, stvec = kernelvec.

        .section .text
        .globl uservec
        .balign 4
uservec:
        csrrw a0, sscratch, a0          # a0 = trapframe, sscratch = user a0
        sd ra, 24(a0)
        sd sp, 32(a0)
        sd gp, 40(a0)
        sd tp, 48(a0)
        sd t0, 56(a0)
        sd t1, 64(a0)
        sd t2, 72(a0)
        sd s0, 80(a0)
        sd s1, 88(a0)
        sd a1, 104(a0)
        sd a2, 112(a0)
        sd a3, 120(a0)
        sd a4, 128(a0)
        sd a5, 136(a0)
        sd a6, 144(a0)
        sd a7, 152(a0)
        sd s2, 160(a0)
        sd s3, 168(a0)
        sd s4, 176(a0)
        sd s5, 184(a0)
        sd s6, 192(a0)
        sd s7, 200(a0)
        sd s8, 208(a0)
        sd s9, 216(a0)
        sd s10, 224(a0)
        sd s11, 232(a0)
        sd t3, 240(a0)
        sd t4, 248(a0)
        sd t5, 256(a0)
        sd t6, 264(a0)
        csrr t0, sscratch
        sd t0, 96(a0)                   # user a0
        ld sp, 0(a0)                    # kernel stack
        ld tp, 8(a0)                    # cpu index
        # The kernel's gp is not used (no gp-relative addressing), so
        # leave whatever user mode had there.
        j usertrap

# userret(trapframe): restore user registers and return to user mode.
# sepc, sstatus, stvec and sscratch were set by usertrapret.
        .globl userret
userret:
        ld ra, 24(a0)
        ld sp, 32(a0)
        ld gp, 40(a0)
        ld tp, 48(a0)
        ld t0, 56(a0)
        ld t1, 64(a0)
        ld t2, 72(a0)
        ld s0, 80(a0)
        ld s1, 88(a0)
        ld a1, 104(a0)
        ld a2, 112(a0)
        ld a3, 120(a0)
        ld a4, 128(a0)
        ld a5, 136(a0)
        ld a6, 144(a0)
        ld a7, 152(a0)
        ld s2, 160(a0)
        ld s3, 168(a0)
        ld s4, 176(a0)
        ld s5, 184(a0)
        ld s6, 192(a0)
        ld s7, 200(a0)
        ld s8, 208(a0)
        ld s9, 216(a0)
        ld s10, 224(a0)
        ld s11, 232(a0)
        ld t3, 240(a0)
        ld t4, 248(a0)
        ld t5, 256(a0)
        ld t6, 264(a0)
        ld a0, 96(a0)
        sret

# A trap while in the kernel: an interrupt, or a fault (a bug, fatal).
# Save the caller-saved registers on the current kernel stack; kerneltrap()
# preserves the rest as the C calling convention says.
        .globl kernelvec
        .balign 4
kernelvec:
        addi sp, sp, -256
        sd ra, 0(sp)
        sd gp, 16(sp)
        sd tp, 24(sp)
        sd t0, 32(sp)
        sd t1, 40(sp)
        sd t2, 48(sp)
        sd a0, 72(sp)
        sd a1, 80(sp)
        sd a2, 88(sp)
        sd a3, 96(sp)
        sd a4, 104(sp)
        sd a5, 112(sp)
        sd a6, 120(sp)
        sd a7, 128(sp)
        sd t3, 216(sp)
        sd t4, 224(sp)
        sd t5, 232(sp)
        sd t6, 240(sp)

        call kerneltrap

        ld ra, 0(sp)
        ld gp, 16(sp)
        # not tp: it is the cpu index, and if kerneltrap yielded, this
        # code may now be running on another cpu than the one that saved it.
        ld t0, 32(sp)
        ld t1, 40(sp)
        ld t2, 48(sp)
        ld a0, 72(sp)
        ld a1, 80(sp)
        ld a2, 88(sp)
        ld a3, 96(sp)
        ld a4, 104(sp)
        ld a5, 112(sp)
        ld a6, 120(sp)
        ld a7, 128(sp)
        ld t3, 216(sp)
        ld t4, 224(sp)
        ld t5, 232(sp)
        ld t6, 240(sp)
        addi sp, sp, 256
        sret
