// The page cache (Linux: mm/filemap.c, and mm/shmem.c for shared
// anonymous memory): the pages of files that are mapped, found by
// (mapping, index), shared by every mapping of that file page.
//
// read() and write() still go through the buffer cache, xv6's way, but
// stay coherent with the page cache: readi takes a block's bytes from a
// cached page when there is one (it may have been written through a
// mapping), and writei copies what it writes into a cached page as well.
// Both run under the inode's lock, and so does filling a page from the
// file, so a page never misses a write.

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../sleeplock.h"
#include "../proc.h"
#include "../defs.h"
#include "../fs.h"
#include "../file.h"
#include "mm_types.h"

#define PAGE_HASH 257

static struct spinlock cache_lock;
static struct page *page_hash[PAGE_HASH];   // chained through page->next

static struct page **
bucket(struct address_space *mapping, uint64 index)
{
  return &page_hash[((uint64)mapping / sizeof(*mapping) + index) % PAGE_HASH];
}

void
filemap_init(void)
{
  initlock(&cache_lock, "page cache");
}

static struct page*
lookup(struct address_space *mapping, uint64 index)
{
  for(struct page *pg = *bucket(mapping, index); pg; pg = pg->next)
    if(pg->mapping == mapping && pg->index == index)
      return pg;
  return 0;
}

// The cached page, with a reference for the caller, or 0.
struct page*
find_get_page(struct address_space *mapping, uint64 index)
{
  acquire(&cache_lock);
  struct page *pg = lookup(mapping, index);
  if(pg)
    get_page(pg);
  release(&cache_lock);
  return pg;
}

// Cache pg (a new page, whose reference becomes the cache's) as page
// index of mapping, unless another is there first. Returns the cached
// page with a reference for the caller.
static struct page*
add_to_page_cache(struct page *pg, struct address_space *mapping, uint64 index)
{
  acquire(&cache_lock);
  struct page *old = lookup(mapping, index);
  if(old){
    get_page(old);
    release(&cache_lock);
    put_page(pg);
    return old;
  }
  pg->mapping = mapping;
  pg->index = index;
  pg->next = *bucket(mapping, index);
  *bucket(mapping, index) = pg;
  mapping->nrpages++;
  get_page(pg);
  release(&cache_lock);
  return pg;
}

// Take pg out of the cache (cache_lock held) and hand the cache's
// reference to the caller. Mappings keep their own references; a fault
// that finds pg->mapping changed retries.
static void
delete_from_page_cache(struct page *pg)
{
  struct page **pp = bucket(pg->mapping, pg->index);
  while(*pp != pg)
    pp = &(*pp)->next;
  *pp = pg->next;
  pg->next = 0;
  pg->mapping->nrpages--;
  pg->mapping = 0;
}

// The page for index of vma's mapping, with a reference: from the cache
// (a hit), or new (a miss): read from the file, or zeroed for shared
// anonymous memory. A page wholly past the end of the file is a bad
// access (Linux: SIGBUS), and so is one the disk cannot read (-EIO). May
// sleep. 0 with *err set on failure.
struct page*
filemap_fault(struct vm_area_struct *vma, uint64 index, int *err)
{
  struct address_space *mapping = vma->vm_mapping;
  struct inode *ip = mapping->host;

  struct page *pg = find_get_page(mapping, index);
  if(pg){
    count_vm_event(PGCACHE_HIT);
    return pg;
  }
  count_vm_event(PGCACHE_MISS);
  struct page *new = alloc_page();
  *err = -ENOMEM;
  if(new == 0)
    return 0;
  if(ip == 0)
    return add_to_page_cache(new, mapping, index);

  ilock(ip);
  if(ip->valid && index >= (ip->size + PGSIZE - 1) / PGSIZE){
    iunlock(ip);
    put_page(new);
    *err = -EFAULT;
    return 0;
  }
  // A page the disk could not read (wholly) stays out of the cache (a
  // fault on it kills the process, a GUP fails): the next access tries
  // again. Zeros in its place could be written back over the file.
  uint want = ip->size - index * PGSIZE < PGSIZE ? ip->size - index * PGSIZE : PGSIZE;
  if(readi(ip, page_address(new), index * PGSIZE, PGSIZE) != want){
    iunlock(ip);
    put_page(new);
    *err = -EIO;
    return 0;
  }
  pg = add_to_page_cache(new, mapping, index);
  iunlock(ip);
  return pg;
}

// readi's look at the cache: copy n bytes at file offset off (within one
// page) from a cached page into dst. 1 if there was one, else 0.
int
filemap_read(struct inode *ip, char *dst, uint off, uint n)
{
  if(ip->i_data.nrpages == 0)
    return 0;   // the usual case; pages come and go under ip->lock
  struct page *pg = find_get_page(&ip->i_data, off / PGSIZE);
  if(pg == 0)
    return 0;
  memmove(dst, (char *)page_address(pg) + off % PGSIZE, n);
  put_page(pg);
  return 1;
}

// writei's update of the cache: n bytes at off (within one page) were
// written to the file; a cached page gets them too.
void
filemap_update(struct inode *ip, char *src, uint off, uint n)
{
  if(ip->i_data.nrpages == 0)
    return;
  struct page *pg = find_get_page(&ip->i_data, off / PGSIZE);
  if(pg == 0)
    return;
  memmove((char *)page_address(pg) + off % PGSIZE, src, n);
  put_page(pg);
}

// Take pages [from, to) of mapping out of the cache, then out of every
// region that maps them (truncate, the last reference to an inode, a
// direct write). Their data is gone: the file is shorter, they are clean,
// or the disk has newer data.
void
filemap_drop(struct address_space *mapping, uint64 from, uint64 to)
{
  for(int b = 0; b < PAGE_HASH && mapping->nrpages > 0; b++){
    for(;;){
      acquire(&cache_lock);
      struct page *pg = page_hash[b];
      while(pg && !(pg->mapping == mapping && pg->index >= from && pg->index < to))
        pg = pg->next;
      if(pg)
        delete_from_page_cache(pg);
      release(&cache_lock);
      if(pg == 0)
        break;
      put_page(pg);
    }
  }
  unmap_mapping_pages(mapping, from, to);
}

// Someone wrote pg behind the page table (a forced write, a device through
// a pin): if it is a file's page, writeback must write it (Linux:
// set_page_dirty). Anonymous and shared anonymous pages have no file.
void
set_page_dirty(struct page *pg)
{
  struct address_space *mapping = __atomic_load_n(&pg->mapping, __ATOMIC_SEQ_CST);
  if(mapping && mapping->host)
    SetPageDirty(pg);
}

// Shared anonymous memory: a page cache with no file behind it, alive
// while a region uses it.
struct address_space*
shmem_alloc(void)
{
  struct address_space *mapping = kalloc();   // a page: no allocator for small objects
  if(mapping){
    mapping->shmem_refs = 1;
    mapping->host = 0;
  }
  return mapping;
}

void
shmem_put(struct address_space *mapping)
{
  if(__atomic_sub_fetch(&mapping->shmem_refs, 1, __ATOMIC_SEQ_CST) > 0)
    return;
  filemap_drop(mapping, 0, ~0UL);
  kfree(mapping);
}
