// Physical frame allocator. Every frame of RAM has a struct page in
// mem_map; free frames are linked through page->next.

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../fdt.h"
#include "../defs.h"
#include "../fault_inject.h"

extern char _start[], _end[];   // kernel image, from kernel.ld

struct page *mem_map;
uint64 min_pfn, max_pfn;

static struct {
  struct spinlock lock;
  struct page *freelist;
  uint64 nr_free;
} zone;

// Physical address of a kernel virtual address: either in the direct map,
// or in the kernel image, which may have been loaded anywhere in RAM.
extern uint64 kernel_pa_start;   // entry.S: where _start was loaded
uint64
__pa(const void *va)
{
  uint64 v = (uint64)va;
  if(v >= KIMAGE_VADDR)
    return v - (uint64)_start + kernel_pa_start;
  return v - PAGE_OFFSET;
}

static void
free_one(struct page *pg)
{
  acquire(&zone.lock);
  pg->next = zone.freelist;
  zone.freelist = pg;
  zone.nr_free++;
  release(&zone.lock);
}

// A free frame with refcount 1, or 0 if none is left. zero: cleared, as
// nearly every user needs it; a caller that overwrites the whole frame
// (a copy-on-write copy) saves the clearing.
struct page*
__alloc_page(int zero)
{
  struct page *pg;

  if(should_fail(FAIL_PAGE_ALLOC))
    return 0;
  acquire(&zone.lock);
  pg = zone.freelist;
  if(pg){
    zone.freelist = pg->next;
    zone.nr_free--;
  }
  release(&zone.lock);
  if(pg == 0)
    return 0;
  if(pg->_refcount != 0)
    panic("alloc_page: free page %p in use", page_address(pg));
  pg->next = 0;
  pg->flags = 0;
  pg->_mapcount = 0;
  pg->pincount = 0;
  pg->_refcount = 1;
  if(zero)
    memset(page_address(pg), 0, PGSIZE);
  return pg;
}

struct page*
alloc_page(void)
{
  return __alloc_page(1);
}

void
put_page(struct page *pg)
{
  int r = __atomic_sub_fetch(&pg->_refcount, 1, __ATOMIC_SEQ_CST);
  if(r < 0)
    panic("put_page: refcount underflow on %p", page_address(pg));
  if(r == 0)
    free_one(pg);
}

void*
kalloc(void)
{
  struct page *pg = alloc_page();
  return pg ? page_address(pg) : 0;
}

void
kfree(void *va)
{
  if((uint64)va % PGSIZE)
    panic("kfree: unaligned %p", va);
  put_page(virt_to_page(va));
}

uint64
nr_free_pages(void)
{
  return zone.nr_free;
}

static int
overlaps(uint64 pa, uint64 lo, uint64 hi)
{
  return pa + PGSIZE > lo && pa < hi;
}

// Is the frame at pa free for the allocator after boot?
static int
frame_usable(struct fdt_machine *m, uint64 pa, uint64 dtb_pa, uint64 boot_lo, uint64 boot_hi)
{
  for(int i = 0; i < m->nrsv; i++)
    if(overlaps(pa, m->rsv[i].base, m->rsv[i].base + m->rsv[i].size))
      return 0;
  for(int i = 0; i < m->nnomap; i++)
    if(overlaps(pa, m->nomap[i].base, m->nomap[i].base + m->nomap[i].size))
      return 0;
  if(overlaps(pa, kernel_pa_start, kernel_pa_start + (_end - _start)))
    return 0;
  if(overlaps(pa, dtb_pa, dtb_pa + fdt_totalsize(__va(dtb_pa))))
    return 0;
  if(m->initrd_end > m->initrd_start && overlaps(pa, m->initrd_start, m->initrd_end))
    return 0;
  return !overlaps(pa, boot_lo, boot_hi);
}

// Hand every usable frame to the allocator. mem_map already exists (set up
// by kvminit from the boot allocator's region [boot_lo, boot_hi)).
void
free_boot_memory(struct fdt_machine *m, uint64 dtb_pa, uint64 boot_lo, uint64 boot_hi)
{
  initlock(&zone.lock, "zone");
  for(int i = 0; i < m->nmem; i++){
    uint64 lo = PGROUNDUP(m->mem[i].base);
    uint64 hi = PGROUNDDOWN(m->mem[i].base + m->mem[i].size);
    // Top down: the free list is LIFO, so low frames are handed out first.
    for(uint64 pa = hi; pa > lo; pa -= PGSIZE){
      uint64 f = pa - PGSIZE;
      if(frame_usable(m, f, dtb_pa, boot_lo, boot_hi))
        free_one(pfn_to_page(f >> PGSHIFT));
    }
  }
}
