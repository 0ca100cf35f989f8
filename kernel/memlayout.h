// Memory layout.
//
// Physical memory is discovered from the device tree; nothing below is a
// hard-coded machine address except KERNBASE/PHYSTOP, which describe the RAM
// that `make qemu` gives QEMU's virt machine (128 MiB at 0x80000000). xv6
// programs size their tests by PHYSTOP - KERNBASE.
#define KERNBASE 0x80000000L
#define PHYSTOP (KERNBASE + 128*1024*1024)

// Virtual layout (Sv39, 512 GiB in two halves):
//
//   0                    .. MAXVA (256 GiB)   user memory
//   PAGE_OFFSET          .. +254 GiB          direct map of physical memory and
//                                             device registers: va = pa + PAGE_OFFSET
//   KSTACK_BASE          ..                   kernel stacks, each with a guard page
//   KIMAGE_VADDR         ..                   the kernel image, wherever it was loaded
//
// The upper half is the same in every page table, so a trap from user mode
// needs no page-table switch (Linux does the same; xv6 uses a trampoline).
#define PAGE_OFFSET   0xffffffc000000000UL
#define KSTACK_BASE   0xffffffff00000000UL
#define KIMAGE_VADDR  0xffffffff80000000UL
#define TEXT_OFFSET   0x200000UL  // the image sits 2 MiB above the start of RAM

// xv6 keeps a trapframe page (and the trampoline above it) at the top of
// user memory, and xv6 programs size tests by TRAPFRAME. cowpin needs
// neither page: user memory ends at MAXVA.
#define TRAPFRAME MAXVA

#define KSTACK_PAGES 2
// Kernel stack of process slot p: KSTACK_PAGES pages below an unmapped guard page.
#define KSTACK(p) (KSTACK_BASE + ((p)+1) * (KSTACK_PAGES+1) * PGSIZE)
