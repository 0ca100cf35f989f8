// Physical frame allocator: a buddy allocator (Linux: mm/page_alloc.c).
// Every frame of RAM has a struct page in mem_map. Free memory is kept in
// blocks of 2^order frames, order 0 .. MAX_ORDER-1, each naturally aligned
// by its absolute frame number, on one free list per order. An allocation
// takes the smallest block that fits and splits it, handing the unused
// halves back; a free merges a block with its buddy (the other half of
// the block of the next order) for as long as that is free too. So a
// 2 MiB block (order 9) exists exactly when 512 aligned frames are free.

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
  // Free blocks by order, linked through their first page's next and
  // prev (Linux: free_area); the first page is PageBuddy with ->order set.
  struct page *free_area[MAX_ORDER];   // zone.lock
  uint64 nr_blocks[MAX_ORDER];         // blocks on each list; zone.lock
  uint64 nr_free;                      // free frames; zone.lock
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
add_to_free_area(struct page *pg, int order)
{
  pg->order = order;
  SetPageBuddy(pg);
  pg->prev = 0;
  pg->next = zone.free_area[order];
  if(pg->next)
    pg->next->prev = pg;
  zone.free_area[order] = pg;
  zone.nr_blocks[order]++;
}

static void
del_from_free_area(struct page *pg, int order)
{
  if(pg->prev)
    pg->prev->next = pg->next;
  else
    zone.free_area[order] = pg->next;
  if(pg->next)
    pg->next->prev = pg->prev;
  pg->next = pg->prev = 0;
  ClearPageBuddy(pg);
  zone.nr_blocks[order]--;
}

// Give the 2^order frames from pg back, merging with free buddies (Linux:
// __free_one_page). The buddy of the block at pfn is at pfn ^ 2^order; it
// is free as a whole block of the same order only if its first page is
// PageBuddy with that order.
static void
free_block(struct page *pg, int order)
{
  uint64 pfn = page_to_pfn(pg);
  acquire(&zone.lock);
  zone.nr_free += 1UL << order;
  for(; order < MAX_ORDER - 1; order++){
    uint64 bpfn = pfn ^ (1UL << order);
    if(!pfn_valid(bpfn))
      break;
    struct page *buddy = pfn_to_page(bpfn);
    if(!PageBuddy(buddy) || buddy->order != order)
      break;
    del_from_free_area(buddy, order);
    pfn &= ~(1UL << order);
  }
  add_to_free_area(pfn_to_page(pfn), order);
  release(&zone.lock);
}

// Take a block of 2^order frames off the free lists, splitting a larger
// one if need be (Linux: __rmqueue_smallest and expand): the lower half is
// kept, the upper half goes back on the list one order down. 0 if no
// block is large enough.
static struct page*
take_block(int order)
{
  acquire(&zone.lock);
  int o = order;
  while(o < MAX_ORDER && zone.free_area[o] == 0)
    o++;
  struct page *pg = o < MAX_ORDER ? zone.free_area[o] : 0;
  if(pg){
    del_from_free_area(pg, o);
    while(o > order){
      o--;
      add_to_free_area(pg + (1UL << o), o);
    }
    zone.nr_free -= 1UL << order;
  }
  release(&zone.lock);
  return pg;
}

// 2^order contiguous frames, naturally aligned, with refcount 1 on the
// first, or 0 if no block is free. A block of more than one frame is a
// compound page (Linux: __GFP_COMP), the only kind cowpin needs. zero:
// cleared, as nearly every user needs it; a caller that overwrites it all
// (a copy-on-write copy) saves the clearing.
struct page*
alloc_pages(int order, int zero)
{
  if(order < 0 || order >= MAX_ORDER)
    panic("alloc_pages: order %d", order);
  if(should_fail(FAIL_PAGE_ALLOC))
    return 0;
  struct page *pg = take_block(order);
  if(pg == 0)
    return 0;
  for(uint64 i = 0; i < (1UL << order); i++){
    struct page *p = pg + i;
    if(p->_refcount != 0)
      panic("alloc_pages: free page %p in use", page_address(p));
    p->flags = 0;
    p->_mapcount = 0;
    p->pincount = 0;
    p->compound_head = i ? pg : 0;
  }
  if(order > 0){
    pg->order = order;
    pg->compound_mapcount = 0;
    SetPageHead(pg);
  }
  pg->_refcount = 1;
  if(zero)
    memset(page_address(pg), 0, PGSIZE << order);
  return pg;
}

struct page*
__alloc_page(int zero)
{
  return alloc_pages(0, zero);
}

struct page*
alloc_page(void)
{
  return __alloc_page(1);
}

// The last reference to a compound page is gone: its pages become plain
// frames again, and the block goes back whole (Linux: free_compound_page).
static void
free_compound_page(struct page *head)
{
  int order = compound_order(head);
  if(compound_mapcount(head) != 0)
    panic("free_compound_page: %p still mapped", page_address(head));
  for(uint64 i = 1; i < (1UL << order); i++)
    head[i].compound_head = 0;
  ClearPageHead(head);
  free_block(head, order);
}

// put_page (mm.h) dropped the reference that left head's count at r <= 0:
// the last one frees the page, or the whole compound page.
void
__put_page(struct page *head, int r)
{
  if(r < 0)
    panic("put_page: refcount underflow on %p", page_address(head));
  if(PageHead(head))
    free_compound_page(head);
  else
    free_block(head, 0);
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

// The free frames and the free blocks of each order, read at one moment
// (Linux: /proc/buddyinfo), so that a caller can check that they agree.
uint64
buddy_info(uint64 nr_blocks[MAX_ORDER])
{
  acquire(&zone.lock);
  uint64 n = zone.nr_free;
  for(int o = 0; o < MAX_ORDER; o++)
    nr_blocks[o] = zone.nr_blocks[o];
  release(&zone.lock);
  return n;
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
    // Frame by frame: the buddies merge into the largest blocks that
    // the holes (the image, the device tree, reserved memory) allow.
    for(uint64 pa = lo; pa < hi; pa += PGSIZE)
      if(frame_usable(m, pa, dtb_pa, boot_lo, boot_hi))
        free_block(pfn_to_page(pa >> PGSHIFT), 0);
  }
}
