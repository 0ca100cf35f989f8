// O_DIRECT (Linux: fs/direct-io.c, fs/iomap/direct-io.c): read() and
// write() that move data straight between the disk and the user's pages,
// without the buffer cache or the page cache. The buffer, the length and
// the file offset must be multiples of 512 (a sector). GUP takes the user
// pages for the I/O (FOLL_WRITE for a read, which writes them): pinned
// (FOLL_PIN) since Linux 6.5 (a7e689dd1c06), plain references before (knob dio_pins). The
// disk requests point at their frames, several in flight.
//
// The xv6 file system's rules still hold (docs/mm.md):
// - blocks are allocated through the log, in transactions of a few blocks
//   each, and committed before any data goes to them; the data blocks
//   themselves are written directly, never logged;
// - a block the log still holds (not yet installed) is waited for, so the
//   disk has its newest contents; after a direct write, the buffer cache's
//   copy of the block is forgotten;
// - the page cache stays coherent: a direct read first writes back dirty
//   cached pages of its range; a direct write first writes them back and
//   then drops them (unmapping them), so the next access reads the disk;
// - the file grows (its size, in the inode) through the log after the
//   data is on the disk.

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "proc.h"
#include "defs.h"
#include "fs.h"
#include "buf.h"
#include "file.h"

#define SECTOR    512
#define DIO_PAGES 16    // user pages pinned at a time
#define DIO_REQS  8     // disk requests in flight at a time

// Make sure blocks [first, last] of ip exist, allocating them through the
// log a few per transaction. 0, -ENOSPC or -EIO. ip is not locked.
static int
dio_allocate(struct inode *ip, uint first, uint last)
{
  int err = 0;
  for(uint bn = first; bn <= last && err == 0; ){
    begin_op();
    ilock(ip);
    // Each new block logs itself (zeroed) and the bitmap; an indirect
    // block and the inode come on top.
    for(int n = 0; n < MAXOPBLOCKS - 4 && bn <= last; n++, bn++)
      if(bmap(ip, bn, 1) == 0){
        err = -ENOSPC;
        break;
      }
    iupdate(ip);
    iunlock(ip);
    if(end_op() < 0)
      err = -EIO;
  }
  return err;
}

// Grow the file to size if it is shorter, through the log. 0 or -EIO.
static int
dio_set_size(struct inode *ip, uint size)
{
  begin_op();
  ilock(ip);
  if(size > ip->size){
    ip->size = size;
    iupdate(ip);
  }
  iunlock(ip);
  return end_op();
}

// Move n bytes (sector multiples) at file offset off between ip's blocks
// and the pinned pages, whose first byte is at offset poff of pages[0].
// ip is locked. Requests go out DIO_REQS at a time. 0 or -EIO.
static int
dio_blocks(struct inode *ip, struct page **pages, uint poff, uint off, uint n, int write)
{
  struct blk_req req[DIO_REQS];
  int nreq = 0, err = 0;
  for(uint done = 0; done < n; ){
    // One request: the sectors of one file block, at most.
    uint bn = (off + done) / BSIZE, boff = (off + done) % BSIZE;
    uint len = BSIZE - boff < n - done ? BSIZE - boff : n - done;
    uint addr = bmap(ip, bn, 0);
    if(addr == 0){
      err = -EIO;   // its indirect block could not be read: stop here
      n = done;
    } else {
      bwait_idle(ip->dev, addr, 0);   // the log may still hold newer data
      struct blk_req *r = &req[nreq++];
      r->sector = (uint64)addr * (BSIZE / SECTOR) + boff / SECTOR;
      r->write = write;
      r->nseg = 0;
      // The user bytes may cross a page boundary: then two segments.
      for(uint k = 0; k < len; ){
        uint pos = poff + done + k;
        uint c = PGSIZE - pos % PGSIZE < len - k ? PGSIZE - pos % PGSIZE : len - k;
        r->seg[r->nseg].pa = page_to_phys(pages[pos / PGSIZE]) + pos % PGSIZE;
        r->seg[r->nseg++].len = c;
        k += c;
      }
      submit_bio(r);
      trace_dio(r, 0);
      done += len;
    }
    if(nreq == DIO_REQS || done == n){
      for(int i = 0; i < nreq; i++){
        if(wait_bio(&req[i]) < 0)
          err = -EIO;
        trace_dio(&req[i], 1);
        if(write)   // the cached copy is stale now
          bwait_idle(ip->dev, req[i].sector / (BSIZE / SECTOR), 1);
      }
      nreq = 0;
    }
  }
  return err;
}

// read() or write() of an O_DIRECT file: n bytes between user addr and the
// file at f->off; the caller holds f->pos_lock. Bytes moved, or a
// negative errno.
int
direct_rw(struct file *f, uint64 addr, int n, int write)
{
  struct inode *ip = f->ip;
  struct page **pages;
  int done = 0, err = 0;

  if(addr % SECTOR || n % SECTOR || f->off % SECTOR)
    return -EINVAL;
  if((pages = kalloc()) == 0)
    return -ENOMEM;
  if(write && f->off + (uint64)n > MAXFILE * BSIZE)
    err = -EFBIG;
  while(err == 0 && done < n){
    uint64 ua = addr + done;
    uint poff = ua % PGSIZE;
    uint chunk = DIO_PAGES * PGSIZE - poff;
    if(chunk > n - done)
      chunk = n - done;
    uint off = f->off;
    ilock(ip);
    uint size = ip->size;
    iunlock(ip);
    if(!write){
      if(off >= size)
        break;
      if(chunk > size - off)   // up to the end of the file, in whole sectors
        chunk = (size - off + SECTOR - 1) / SECTOR * SECTOR;
    }
    int npages = (poff + chunk + PGSIZE - 1) / PGSIZE;
    // dio_pins: FOLL_PIN since 6.5; before, plain references that fork
    // and clear_refs cannot tell from any other.
    int gup = knob(K_DIO_PINS) ? FOLL_PIN : FOLL_GET;
    int wflag = write ? 0 : FOLL_WRITE;
    err = gup == FOLL_PIN ? pin_user_pages_fast(ua - poff, npages, wflag, pages)
                          : get_user_pages_fast(ua - poff, npages, wflag, pages);
    if(err < 0)
      break;
    err = 0;
    race_delay(1);   // the pages are taken, the I/O not done: the window of clear_refs_dio
    // The page cache: dirty pages of the range go to the disk first; a
    // write makes the cached ones stale, so they go.
    struct address_space *mapping = &ip->i_data;
    filemap_write_range(mapping, off / PGSIZE, (off + chunk + PGSIZE - 1) / PGSIZE);
    if(write){
      filemap_drop(mapping, off / PGSIZE, (off + chunk + PGSIZE - 1) / PGSIZE);
      err = dio_allocate(ip, off / BSIZE, (off + chunk - 1) / BSIZE);
    }
    if(err == 0){
      ilock(ip);
      err = dio_blocks(ip, pages, poff, off, chunk, write);
      iunlock(ip);
      if(err == 0 && write)
        err = dio_set_size(ip, off + chunk);
    }
    if(err == 0){
      uint moved = write || off + chunk <= size ? chunk : size - off;
      f->off += moved;
      done += moved;
      if(moved < chunk)
        n = done;   // the end of the file
    }
    // The device wrote the pages behind the page table: a page of a
    // shared file mapping must be written back again, even if writeback
    // cleaned it while the read was in flight (Linux: bio_set_pages_dirty).
    for(int i = 0; i < npages && !write; i++)
      set_page_dirty(pages[i]);
    release_pages(pages, npages, gup);
  }
  kfree(pages);
  return done > 0 ? done : err;
}
