// The kernel's own address space: the early page table that entry.S turns
// on, the boot-time frame allocator, and the final kernel page table built
// from the device tree (Linux: arch/riscv/mm/init.c).

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../fdt.h"
#include "../defs.h"

extern char _start[], etext[], erodata[], _end[];

#define SZ_2M (1UL << 21)
#define SZ_1G (1UL << 30)
#define PTE_KERNEL (PTE_V | PTE_A | PTE_D)   // A/D preset: some harts fault instead of setting them

uint64 kernel_pa_start;   // physical address of _start, set by entry.S
uint64 early_satp;        // entry.S and secondary harts run on it first
pagetable_t kernel_pagetable;

static pte_t early_pgd[512] __attribute__((aligned(PGSIZE)));
static pte_t early_pmd[512] __attribute__((aligned(PGSIZE)));

// Runs with the MMU off, at the physical load address: PC-relative code
// only, so every &symbol below is a physical address. It maps
//  - the image at its link address, in 2 MiB leaves;
//  - the gigabyte holding the image at its physical address, so the
//    instructions after the satp write (and secondary harts) keep running;
//  - that gigabyte and the device tree's in the direct map, for kmain's
//    first steps (parsing the tree, the boot allocator).
uint64
early_pgtable(uint64 pa_start, uint64 dtb_pa)
{
  uint64 va = KIMAGE_VADDR + TEXT_OFFSET;
  uint64 size = (uint64)_end - (uint64)_start;
  uint64 rwx = PTE_KERNEL | PTE_R | PTE_W | PTE_X;

  if(pa_start % SZ_2M)
    return 0;
  early_pgd[PX(2, va)] = PA2PTE((uint64)early_pmd) | PTE_V;
  for(uint64 off = 0; off < size; off += SZ_2M)
    early_pmd[PX(1, va + off)] = PA2PTE(pa_start + off) | rwx;
  early_pgd[PX(2, pa_start)] = PA2PTE(pa_start & ~(SZ_1G-1)) | rwx;
  early_pgd[PX(2, PAGE_OFFSET + pa_start)] = PA2PTE(pa_start & ~(SZ_1G-1)) | rwx;
  early_pgd[PX(2, PAGE_OFFSET + dtb_pa)] = PA2PTE(dtb_pa & ~(SZ_1G-1)) | rwx;
  return MAKE_SATP((uint64)early_pgd);
}

// Boot allocator: frames right after the image, until the real allocator
// takes over. They lie in the gigabyte the early page table maps.
static uint64 boot_lo, boot_next;
static int boot_done;
static struct fdt_machine *boot_m;
static uint64 boot_dtb_lo, boot_dtb_hi;

static int
boot_overlap(uint64 lo, uint64 hi)
{
  struct fdt_machine *m = boot_m;
  if(lo < boot_dtb_hi && hi > boot_dtb_lo)
    return 1;
  if(m->initrd_end > m->initrd_start && lo < m->initrd_end && hi > m->initrd_start)
    return 1;
  for(int j = 0; j < m->nrsv; j++)
    if(lo < m->rsv[j].base + m->rsv[j].size && hi > m->rsv[j].base)
      return 1;
  return 0;
}

static void*
boot_alloc(uint64 npages)
{
  uint64 size = npages * PGSIZE;
  if(boot_done)
    panic("boot_alloc after boot");
  // Step over the device tree, the initrd and reserved memory.
  while(boot_overlap(boot_next, boot_next + size))
    boot_next += PGSIZE;
  uint64 pa = boot_next;
  if((pa + size - 1) >> 30 != kernel_pa_start >> 30)
    panic("boot_alloc: beyond the early mapping");
  boot_next += size;
  memset(__va(pa), 0, size);
  return __va(pa);
}

// A zeroed page for a page table, from whichever allocator is running.
static void*
pgtable_alloc(void)
{
  return boot_done ? kalloc() : boot_alloc(1);
}

// Return the PTE for va in pagetable, creating intermediate tables if
// alloc is set (0 on failure). With leaf_level 1, stop at a 2 MiB leaf.
static pte_t*
walk_level(pagetable_t pagetable, uint64 va, int alloc, int leaf_level)
{
  for(int level = 2; level > leaf_level; level--){
    pte_t *pte = &pagetable[PX(level, va)];
    if(*pte & PTE_V){
      if(*pte & (PTE_R|PTE_W|PTE_X))
        panic("walk: va %p inside a huge mapping", (void*)va);
      pagetable = (pagetable_t)__va(PTE2PA(*pte));
    } else {
      if(!alloc || (pagetable = pgtable_alloc()) == 0)
        return 0;
      *pte = PA2PTE(__pa(pagetable)) | PTE_V;
    }
  }
  return &pagetable[PX(leaf_level, va)];
}

// The level-1 entry for va (a huge PMD's, a page-table pointer, or empty),
// creating the level-1 table if alloc is set.
pte_t*
walk_pmd(pagetable_t pagetable, uint64 va, int alloc)
{
  return walk_level(pagetable, va, alloc, 1);
}

pte_t*
walk(pagetable_t pagetable, uint64 va, int alloc)
{
  if(va >= MAXVA && va < PAGE_OFFSET)
    panic("walk %p", (void*)va);
  return walk_level(pagetable, va, alloc, 0);
}

// Map [va, va+size) to [pa, ...) in the kernel page table, with 2 MiB
// leaves where alignment allows (the direct map of a large board).
static void
kvmmap(uint64 va, uint64 pa, uint64 size, int perm)
{
  uint64 end = va + size;
  while(va < end){
    int big = (va % SZ_2M) == 0 && (pa % SZ_2M) == 0 && end - va >= SZ_2M;
    pte_t *pte = walk_level(kernel_pagetable, va, 1, big ? 1 : 0);
    if(pte == 0)
      panic("kvmmap: out of memory");
    if(*pte & PTE_V)
      panic("kvmmap: remap %p", (void*)va);
    *pte = PA2PTE(pa) | perm | PTE_KERNEL;
    va += big ? SZ_2M : PGSIZE;
    pa += big ? SZ_2M : PGSIZE;
  }
}

// Map device registers (at boot only: every page table copies the kernel
// half's top-level entries when it is created).
void*
ioremap(uint64 pa, uint64 size)
{
  uint64 lo = PGROUNDDOWN(pa), hi = PGROUNDUP(pa + size);
  for(uint64 a = lo; a < hi; a += PGSIZE){
    pte_t *pte = walk(kernel_pagetable, PAGE_OFFSET + a, 1);
    if(pte == 0)
      panic("ioremap: out of memory");
    if((*pte & PTE_V) == 0)
      *pte = PA2PTE(a) | PTE_R | PTE_W | PTE_KERNEL;
  }
  return __va(pa);
}

// If pa lies in a no-map region, the end of that region; else 0.
static uint64
reserved_end(struct fdt_machine *m, uint64 pa)
{
  for(int j = 0; j < m->nnomap; j++){
    uint64 rlo = PGROUNDDOWN(m->nomap[j].base), rhi = PGROUNDUP(m->nomap[j].base + m->nomap[j].size);
    if(pa >= rlo && pa < rhi)
      return rhi;
  }
  return 0;
}

// The start of the first no-map region above pa, or limit.
static uint64
next_reserved(struct fdt_machine *m, uint64 pa, uint64 limit)
{
  for(int j = 0; j < m->nnomap; j++){
    uint64 rlo = PGROUNDDOWN(m->nomap[j].base);
    if(rlo > pa && rlo < limit)
      limit = rlo;
  }
  return limit;
}

// The direct map of RAM leaves out no-map regions: firmware (OpenSBI)
// protects its own with PMP, and an access there, even a speculative one
// on real hardware, would fault. Other reserved memory (the initrd, the
// device tree) is mapped: the kernel reads it.
static void
map_ram(struct fdt_machine *m)
{
  for(int i = 0; i < m->nmem; i++){
    uint64 pa = m->mem[i].base, hi = pa + m->mem[i].size;
    while(pa < hi){
      uint64 r = reserved_end(m, pa);
      if(r){
        pa = r;
        continue;
      }
      uint64 end = next_reserved(m, pa, hi);
      kvmmap(PAGE_OFFSET + pa, pa, end - pa, PTE_R | PTE_W);
      pa = end;
    }
  }
}

static void
map_image(void)
{
  uint64 pa = kernel_pa_start;
  uint64 text = etext - _start, rodata = erodata - etext, data = _end - erodata;
  kvmmap((uint64)_start, pa, text, PTE_R | PTE_X);
  kvmmap((uint64)etext, pa + text, rodata, PTE_R);
  kvmmap((uint64)erodata, pa + text + rodata, data, PTE_R | PTE_W);
}

// Build the kernel page table and the mem_map array, then switch to it.
void
kvminit(struct fdt_machine *m, uint64 dtb_pa)
{
  uint64 lo = ~0UL, hi = 0;

  boot_m = m;
  boot_dtb_lo = dtb_pa;
  boot_dtb_hi = dtb_pa + fdt_totalsize(__va(dtb_pa));
  boot_lo = boot_next = PGROUNDUP(kernel_pa_start + (_end - _start));
  for(int i = 0; i < m->nmem; i++){
    if(m->mem[i].base < lo)
      lo = m->mem[i].base;
    if(m->mem[i].base + m->mem[i].size > hi)
      hi = m->mem[i].base + m->mem[i].size;
  }
  if(m->nmem == 0)
    panic("no memory in the device tree");
  min_pfn = lo >> PGSHIFT;
  max_pfn = hi >> PGSHIFT;
  mem_map = boot_alloc(PGROUNDUP((max_pfn - min_pfn) * sizeof(struct page)) / PGSIZE);

  kernel_pagetable = boot_alloc(1);
  map_ram(m);
  map_image();
  kvminithart();
  free_boot_memory(m, dtb_pa, boot_lo, boot_next);
  boot_done = 1;
  zero_page_init();
}

uint64
kernel_satp(void)
{
  return MAKE_SATP(__pa(kernel_pagetable));
}

// Switch this hart to the kernel page table.
void
kvminithart(void)
{
  sfence_vma();
  w_satp(kernel_satp());
  sfence_vma();
}
