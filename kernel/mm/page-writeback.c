// Writeback: dirty page-cache pages back to their files (Linux:
// mm/page-writeback.c and the flusher threads of fs/fs-writeback.c).
//
// A shared file page is mapped read-only while it is clean; the first
// write through any mapping faults, marks it dirty and makes that PTE
// writable (do_shared_wp in memory.c). Writeback reverses this: it
// write-protects every PTE of the page (page_mkclean, through the reverse
// map), clears dirty, sets writeback, writes the page's blocks through the
// log, and clears writeback once the log has committed them. A write
// during writeback faults and dirties the page again, so it is not lost.
// Writeback happens on msync(MS_SYNC), fsync, when a shared region goes
// away (munmap, exit, exec), before poweroff, and every few seconds in
// the flusher kernel thread.

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../sleeplock.h"
#include "../proc.h"
#include "../defs.h"
#include "../fs.h"
#include "../file.h"

#define FLUSH_SECONDS 3   // the flusher's period (Linux: dirty_writeback_centisecs)

// Who waits for a page's writeback to end sleeps on the page, under this.
static struct spinlock writeback_lock = { .name = "writeback" };

// Wait until pg is no longer being written to the disk.
void
wait_on_page_writeback(struct page *pg)
{
  acquire(&writeback_lock);
  while(PageWriteback(pg))
    sleep(pg, &writeback_lock);
  release(&writeback_lock);
}

// The page is on the disk: wake whoever waits to write it (GUP).
static void
end_page_writeback(struct page *pg)
{
  acquire(&writeback_lock);
  ClearPageWriteback(pg);
  trace_writeback(pg, 1);
  wakeup(pg);
  release(&writeback_lock);
  count_vm_event(PGWRITEBACK);
}

// Write back pg, a page of a file that the caller holds a reference to.
// Returns 0 or a negative errno (then the page is dirty again).
int
write_one_page(struct page *pg)
{
  struct address_space *mapping = __atomic_load_n(&pg->mapping, __ATOMIC_SEQ_CST);
  struct inode *ip = mapping ? mapping->host : 0;
  int err = 0, started = 0;

  if(ip == 0)
    return 0;   // truncated meanwhile, or shared anonymous memory
  // One writeback of a page at a time: an earlier one (msync's or the
  // flusher's) ends after its commit. Only the one that set writeback
  // ends it, so a waiter (GUP) never wakes in the middle of another's
  // write. Wait outside the transaction (end_op waits for the commit,
  // which waits for every operation in it to end), then check again
  // under the lock.
  for(;;){
    wait_on_page_writeback(pg);
    begin_op();
    ilock(ip);
    if(!PageWriteback(pg))
      break;
    iunlock(ip);
    end_op();
  }
  if(pg->mapping == &ip->i_data && PageDirty(pg)){
    // Clean first, then write-protect: a write fault in between dirties
    // the page again, while a write before page_mkclean is in the copy.
    ClearPageDirty(pg);
    page_mkclean(pg);
    SetPageWriteback(pg);
    trace_writeback(pg, 0);
    started = 1;
    uint off = pg->index * PGSIZE;
    uint n = off < ip->size ? ip->size - off : 0;   // not past the end of the file
    if(n > PGSIZE)
      n = PGSIZE;
    int r = write_blocks(ip, page_address(pg), off, n);   // not writei: see there
    if(r != n){
      err = r < 0 ? r : -EIO;
      SetPageDirty(pg);
    }
  }
  iunlock(ip);
  if(end_op() < 0 && started){   // the data is on the disk, unless it failed
    err = -EIO;
    SetPageDirty(pg);
  }
  if(started){
    race_delay(2);   // diotest stable_pages: a slow disk keeps the page under writeback
    end_page_writeback(pg);
  }
  return err;
}

// Write back the dirty pages [start, end) of mapping. 0 or the first error.
int
filemap_write_range(struct address_space *mapping, uint64 start, uint64 end)
{
  uint64 max = (MAXFILE * BSIZE + PGSIZE - 1) / PGSIZE;   // a file has no more pages
  int err = 0;

  if(mapping->host == 0 || mapping->nrpages == 0)
    return 0;
  for(uint64 index = start; index < end && index < max; index++){
    struct page *pg = find_get_page(mapping, index);
    if(pg == 0)
      continue;
    // A clean page may still be on its way (the flusher's writeback):
    // the caller wants it on the disk too.
    int r = 0;
    if(PageDirty(pg))
      r = write_one_page(pg);
    else
      wait_on_page_writeback(pg);
    if(err == 0)
      err = r;
    put_page(pg);
  }
  return err;
}

static void
write_inode_pages(struct inode *ip)
{
  filemap_write_range(&ip->i_data, 0, ~0UL);
}

// Write back every dirty page (poweroff and the flusher).
void
sync_all(void)
{
  for_each_cached_inode(write_inode_pages);
}

// The flusher kernel thread: dirty pages reach the disk within a few
// seconds even if nobody calls msync or fsync.
static void
flusher(void)
{
  for(;;){
    acquire(&tickslock);
    uint t0 = ticks;
    while(ticks - t0 < FLUSH_SECONDS * TICK_HZ)
      sleep(&ticks, &tickslock);
    release(&tickslock);
    sync_all();
  }
}

void
flusher_start(void)
{
  kthread_start(flusher, "flusher");
}
