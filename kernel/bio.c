// The buffer cache: a fixed set of struct buf holding copies of disk
// blocks, so that reads are cached and only one process at a time uses a
// given block (buf->lock).
//
// Interface: bread() a block, change b->data, bwrite() it (or log_write()
// inside a transaction), brelse() when done; never use the buf after.

#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "riscv.h"
#include "defs.h"
#include "fs.h"
#include "buf.h"
#include "proc.h"
#include "fault_inject.h"

static struct {
  struct spinlock lock;
  struct buf buf[NBUF];
  // Doubly linked LRU list through prev/next: head.next is the most
  // recently released buffer, head.prev the least.
  struct buf head;
} bcache;

// The root disk's driver: virtio_blk, or ramdisk when booted with an
// initrd (set by kmain).
struct blkdev *rootdisk;

// Send a request to the disk. With fault injection (FAIL_MAKE_REQUEST,
// Linux's fail_make_request) it may fail at once instead: it never
// reaches the disk, and wait_bio says -EIO.
void
submit_bio(struct blk_req *r)
{
  r->failed = should_fail(FAIL_MAKE_REQUEST);
  if(!r->failed)
    rootdisk->submit(r);
}

// Wait until a submitted request is done. 0 or -EIO.
int
wait_bio(struct blk_req *r)
{
  return r->failed ? -EIO : rootdisk->wait(r);
}

// Read or write b's block, and wait for it. 0 or -EIO.
static int
disk_rw(struct buf *b, int write)
{
  struct blk_req r = { .sector = (uint64)b->blockno * (BSIZE / 512), .write = write, .nseg = 1 };
  r.seg[0].pa = __pa(b->data);
  r.seg[0].len = BSIZE;
  submit_bio(&r);
  return wait_bio(&r);
}

void
binit(void)
{
  initlock(&bcache.lock, "bcache");
  bcache.head.prev = &bcache.head;
  bcache.head.next = &bcache.head;
  for(struct buf *b = bcache.buf; b < bcache.buf+NBUF; b++){
    b->next = bcache.head.next;
    b->prev = &bcache.head;
    initsleeplock(&b->lock, "buffer");
    bcache.head.next->prev = b;
    bcache.head.next = b;
  }
}

// The cached buffer of (dev, blockno), or 0. bcache.lock held.
static struct buf*
lookup(uint dev, uint blockno)
{
  for(struct buf *b = bcache.head.next; b != &bcache.head; b = b->next)
    if(b->dev == dev && b->blockno == blockno)
      return b;
  return 0;
}

// The buffer for (dev, blockno), locked: the cached one, or the least
// recently used free buffer recycled for it.
static struct buf*
bget(uint dev, uint blockno)
{
  struct buf *b;

  acquire(&bcache.lock);
  if((b = lookup(dev, blockno)) != 0){
    b->refcnt++;
    release(&bcache.lock);
    acquiresleep(&b->lock);
    return b;
  }
  for(b = bcache.head.prev; b != &bcache.head; b = b->prev){
    if(b->refcnt == 0){
      b->dev = dev;
      b->blockno = blockno;
      b->valid = 0;
      b->refcnt = 1;
      release(&bcache.lock);
      acquiresleep(&b->lock);
      return b;
    }
  }
  panic("bget: no buffers");
}

// The buffer of a block, locked, with the block's data. If the disk could
// not read it, the buffer holds zeros and stays !valid (the next bread
// tries again); the caller's system call fails with EIO (syscall.c), and
// an operation that writes after such a read aborts the journal (log.c).
// Callers that can tell the user (readi) check b->valid.
struct buf*
bread(uint dev, uint blockno)
{
  struct buf *b = bget(dev, blockno);
  if(!b->valid){
    if(disk_rw(b, 0) == 0){
      b->valid = 1;
    } else {
      memset(b->data, 0, BSIZE);
      struct proc *p = myproc();
      if(p){
        p->io_error = 1;
        p->op_read_failed = 1;
      }
    }
  }
  return b;
}

// Write b to the disk (the log's writes). 0 or -EIO.
int
bwrite(struct buf *b)
{
  if(!holdingsleep(&b->lock))
    panic("bwrite");
  return disk_rw(b, 1);
}

// b's last user is gone (bcache.lock held): wake a waiting direct I/O.
static void
idle(struct buf *b)
{
  if(b->waited){
    b->waited = 0;
    wakeup(b);
  }
}

// Unlock a buffer and put it at the head of the LRU list.
void
brelse(struct buf *b)
{
  if(!holdingsleep(&b->lock))
    panic("brelse");
  releasesleep(&b->lock);

  acquire(&bcache.lock);
  b->refcnt--;
  if(b->refcnt == 0){
    idle(b);
    b->next->prev = b->prev;
    b->prev->next = b->next;
    b->next = bcache.head.next;
    b->prev = &bcache.head;
    bcache.head.next->prev = b;
    bcache.head.next = b;
  }
  release(&bcache.lock);
}

// Keep a buffer in the cache (the log holds it until commit).
void
bpin(struct buf *b)
{
  acquire(&bcache.lock);
  b->refcnt++;
  release(&bcache.lock);
}

void
bunpin(struct buf *b)
{
  acquire(&bcache.lock);
  if(--b->refcnt == 0)
    idle(b);
  release(&bcache.lock);
}

// An aborted transaction's block (log.c): unpin it and forget its data,
// which never reached the disk.
void
bdiscard(uint dev, uint blockno)
{
  acquire(&bcache.lock);
  struct buf *b = lookup(dev, blockno);
  if(b == 0 || b->refcnt < 1)
    panic("bdiscard");
  b->valid = 0;
  if(--b->refcnt == 0)
    idle(b);
  release(&bcache.lock);
}

// Direct I/O goes around the buffer cache, so it first waits until no one
// uses the block's buffer: the log holds a buffer until its transaction is
// installed, after which the disk has the newest data. After a direct
// write, the cached copy is stale: invalidate forgets it.
void
bwait_idle(uint dev, uint blockno, int invalidate)
{
  struct buf *b;
  acquire(&bcache.lock);
  while((b = lookup(dev, blockno)) != 0 && b->refcnt > 0){
    b->waited = 1;
    sleep(b, &bcache.lock);
  }
  if(b && invalidate)
    b->valid = 0;
  release(&bcache.lock);
}
