// RISC-V privileged architecture: CSRs, Sv39 page-table entries.
#ifndef COWPIN_RISCV_H
#define COWPIN_RISCV_H

#ifndef __ASSEMBLER__

// Supervisor Status Register, sstatus
#define SSTATUS_SPP  (1L << 8)  // Previous mode, 1=Supervisor, 0=User
#define SSTATUS_SPIE (1L << 5)  // Supervisor Previous Interrupt Enable
#define SSTATUS_SIE  (1L << 1)  // Supervisor Interrupt Enable
#define SSTATUS_SUM  (1L << 18) // Supervisor may access User Memory
#define SSTATUS_FS   (3L << 13) // floating-point unit state:
#define SSTATUS_FS_INITIAL (1L << 13)
#define SSTATUS_FS_CLEAN   (2L << 13)
#define SSTATUS_FS_DIRTY   (3L << 13) // registers changed since restored

// Supervisor Interrupt Enable / Pending
#define SIE_SSIE (1L << 1)  // software (IPI)
#define SIE_STIE (1L << 5)  // timer
#define SIE_SEIE (1L << 9)  // external (PLIC)

// scause values
#define SCAUSE_INTR     (1UL << 63)
#define IRQ_S_SOFT      1
#define IRQ_S_TIMER     5
#define IRQ_S_EXT       9
#define EXC_INST_MISALIGNED 0
#define EXC_INST_ACCESS     1
#define EXC_ILLEGAL_INST    2
#define EXC_BREAKPOINT      3
#define EXC_LOAD_ACCESS     5
#define EXC_STORE_ACCESS    7
#define EXC_ECALL_U         8
#define EXC_INST_PAGE_FAULT 12
#define EXC_LOAD_PAGE_FAULT 13
#define EXC_STORE_PAGE_FAULT 15

#define csr_read(csr) ({ uint64 __v; asm volatile("csrr %0, " #csr : "=r"(__v)); __v; })
#define csr_write(csr, v) asm volatile("csrw " #csr ", %0" :: "r"((uint64)(v)) : "memory")
#define csr_set(csr, v) asm volatile("csrs " #csr ", %0" :: "r"((uint64)(v)))
#define csr_clear(csr, v) asm volatile("csrc " #csr ", %0" :: "r"((uint64)(v)))

static inline uint64 r_sstatus() { return csr_read(sstatus); }
static inline void w_sstatus(uint64 x) { csr_write(sstatus, x); }
static inline uint64 r_sip() { return csr_read(sip); }
static inline uint64 r_sie() { return csr_read(sie); }
static inline void w_sie(uint64 x) { csr_write(sie, x); }
static inline uint64 r_sepc() { return csr_read(sepc); }
static inline void w_sepc(uint64 x) { csr_write(sepc, x); }
static inline uint64 r_stvec() { return csr_read(stvec); }
static inline void w_stvec(uint64 x) { csr_write(stvec, x); }
static inline uint64 r_satp() { return csr_read(satp); }
static inline void w_satp(uint64 x) { csr_write(satp, x); }
#define SCOUNTEREN_TM (1 << 1)   // scounteren: U-mode may read time
static inline void w_sscratch(uint64 x) { csr_write(sscratch, x); }
static inline uint64 r_scause() { return csr_read(scause); }
static inline uint64 r_stval() { return csr_read(stval); }
static inline uint64 r_time() { return csr_read(time); }

static inline void intr_on() { csr_set(sstatus, SSTATUS_SIE); }
static inline void intr_off() { csr_clear(sstatus, SSTATUS_SIE); }
static inline int intr_get() { return (r_sstatus() & SSTATUS_SIE) != 0; }

static inline uint64 r_sp() { uint64 x; asm volatile("mv %0, sp" : "=r"(x)); return x; }
// tp holds this hart's cpu index (not its hart id) while in the kernel.
static inline uint64 r_tp() { uint64 x; asm volatile("mv %0, tp" : "=r"(x)); return x; }
static inline void w_tp(uint64 x) { asm volatile("mv tp, %0" :: "r"(x)); }
static inline uint64 r_ra() { uint64 x; asm volatile("mv %0, ra" : "=r"(x)); return x; }

// Flush this hart's TLB: all entries, or those of one virtual page.
static inline void sfence_vma() { asm volatile("sfence.vma zero, zero" ::: "memory"); }
static inline void sfence_vma_page(uint64 va) { asm volatile("sfence.vma %0, zero" :: "r"(va) : "memory"); }

typedef uint64 pte_t;
typedef uint64 *pagetable_t; // 512 PTEs, a kernel virtual address

#endif // __ASSEMBLER__

#define SATP_SV39 (8L << 60)
#define MAKE_SATP(pa) (SATP_SV39 | (((uint64)(pa)) >> 12))

#define PGSIZE 4096 // bytes per page
#define PGSHIFT 12  // bits of offset within a page

#define PGROUNDUP(sz)  (((sz)+PGSIZE-1) & ~(PGSIZE-1))
#define PGROUNDDOWN(a) (((a)) & ~(PGSIZE-1))

#define PTE_V (1L << 0) // valid
#define PTE_R (1L << 1)
#define PTE_W (1L << 2)
#define PTE_X (1L << 3)
#define PTE_U (1L << 4) // user can access
#define PTE_G (1L << 5) // global
#define PTE_A (1L << 6) // accessed
#define PTE_D (1L << 7) // dirty
// bits 8 and 9 are reserved for software (RSW). cowpin's mm code uses
// bit 8: a private page that fork shared read-only. A write fault on it is
// a copy-on-write fault (do_wp_page), not a protection error.
#define PTE_COW (1L << 8)
#define PTE_SOFT_DIRTY (1L << 9)   // RSW: written since the last clear_refs
// The userfaultfd write-protect bit (Linux: _PAGE_UFFD_WP), a software bit
// on a read-only PTE: a write must go to the monitor. RSW has no third
// bit, and Linux's choice on RISC-V, bit 60 of Svrsw60t59b, faults on
// harts without that extension (QEMU 7.2, the U74). So it borrows G:
// cowpin gives every address space ASID 0 and every sfence.vma (local,
// or SBI's remote one) flushes all address spaces, global entries
// included, and a hart flushes its whole TLB whenever it loads a page
// table (switch_mm). No hart can keep a "global" user entry past a flush.
#define PTE_UFFD_WP PTE_G

// shift a physical address to the right place for a PTE.
#define PA2PTE(pa) ((((uint64)pa) >> 12) << 10)
#define PTE2PA(pte) (((pte) >> 10) << 12)
#define PTE_FLAGS(pte) ((pte) & 0x3FF)

// extract the three 9-bit page table indices from a virtual address.
#define PXMASK          0x1FF // 9 bits
#define PXSHIFT(level)  (PGSHIFT+(9*(level)))
#define PX(level, va) ((((uint64) (va)) >> PXSHIFT(level)) & PXMASK)

// one beyond the highest user virtual address: the lower half of Sv39
// (bit 38 clear), as in xv6.
#define MAXVA (1L << (9 + 9 + 9 + 12 - 1))

#endif
