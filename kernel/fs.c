// The xv6 file system, in layers:
//   blocks:      allocation of raw disk blocks (bitmap)
//   inodes:      allocation, reading, writing, metadata
//   directories: inodes whose content is a list of struct dirent
//   names:       paths like /usr/rtm/xv6/fs.c
// Every update goes through the log (log.c) inside begin_op()/end_op().

#include "types.h"
#include "riscv.h"
#include "defs.h"
#include "param.h"
#include "stat.h"
#include "spinlock.h"
#include "proc.h"
#include "sleeplock.h"
#include "fs.h"
#include "buf.h"
#include "file.h"

#define min(a, b) ((a) < (b) ? (a) : (b))

// There is one superblock per disk device; we run with one device.
struct superblock sb;

static void
readsb(int dev, struct superblock *sb)
{
  struct buf *bp = bread(dev, 1);
  memmove(sb, bp->data, sizeof(*sb));
  brelse(bp);
}

void
fsinit(int dev)
{
  readsb(dev, &sb);
  if(sb.magic != FSMAGIC)
    panic("invalid file system (magic 0x%x)", sb.magic);
  initlog(dev, &sb);
}

static void
bzero(int dev, int bno)
{
  struct buf *bp = bread(dev, bno);
  memset(bp->data, 0, BSIZE);
  log_write(bp);
  brelse(bp);
}

// Blocks.

// Allocate a zeroed disk block; 0 if the disk is full, or a bitmap block
// could not be read.
static uint
balloc(uint dev)
{
  for(uint b = 0; b < sb.size; b += BPB){
    struct buf *bp = bread(dev, BBLOCK(b, sb));
    if(!bp->valid){
      brelse(bp);
      return 0;   // its zeros would hand out blocks in use
    }
    for(uint bi = 0; bi < BPB && b + bi < sb.size; bi++){
      int m = 1 << (bi % 8);
      if((bp->data[bi/8] & m) == 0){
        bp->data[bi/8] |= m;
        log_write(bp);
        brelse(bp);
        bzero(dev, b + bi);
        return b + bi;
      }
    }
    brelse(bp);
  }
  printf("balloc: out of blocks\n");
  return 0;
}

static void
bfree(int dev, uint b)
{
  struct buf *bp = bread(dev, BBLOCK(b, sb));
  int bi = b % BPB;
  int m = 1 << (bi % 8);
  if((bp->data[bi/8] & m) == 0 && bp->valid && !log_aborted())
    panic("freeing free block");
  bp->data[bi/8] &= ~m;
  log_write(bp);
  brelse(bp);
}

// Inodes.
//
// An inode describes one file or directory: its type, size, link count
// and the list of blocks holding its content. The disk has an array of
// them (struct dinode) after the log; an inode is in use on disk when its
// type is not 0, and ialloc hands out one whose type is 0.
//
// The kernel keeps the inodes it is using in a table in memory (itable,
// struct inode). An entry there is for programs as much as for the kernel:
// it is where open files, current directories and mapped files meet, and
// where the synchronisation happens. An entry goes through these states:
//
//  - Allocated: ip->ref > 0. iget finds or fills an entry for (dev, inum)
//    and counts a reference; idup adds one; iput drops one. Open files,
//    current directories, regions that map a file (through their struct
//    file) and code in the middle of using the inode hold references. An
//    entry with ref 0 may be reused for another inode.
//  - Valid: ip->valid. The fields from the disk (type, size, addrs...) are
//    in memory. iget does not read the disk; ilock does, the first time.
//  - Locked: ip->lock, a sleep lock, held while a caller looks at or
//    changes the fields or the content. ilock/iunlock.
//
// iget and ilock are apart on purpose: a reference is cheap to keep for a
// long time (an open file, a cwd) and never blocks anyone, while the lock
// is taken only around each use. Path lookup relies on this: it holds a
// reference to a directory while it locks and unlocks one entry at a time,
// so two lookups walking the same path in opposite directions cannot
// deadlock, and ".." cannot lock a directory twice.
//
// A file ends in two steps. Its last link goes (unlink: nlink 0), but the
// inode and its blocks stay while anyone holds a reference: a process may
// still read a file it has open after another one removed it. The last
// iput of an unlinked inode truncates it and frees it on disk, so iput
// must run inside a transaction. cowpin adds a page cache to each inode
// (ip->i_data): pages of the file that regions map or that read/write
// went through. They are dropped with the content at truncation, and when
// the last reference to a linked inode goes (the entry may then become
// another inode's): a region that maps the file holds a reference and
// writes back its shared pages before it goes, so those pages are clean.
//
// Typical use:
//   ip = iget(dev, inum); ilock(ip); ... examine and modify ip->xxx ...
//   iunlock(ip); iput(ip);
// itable.lock protects the allocation fields (ref, dev, inum) of every
// entry; ip->lock protects the rest of it.

struct {
  struct spinlock lock;
  struct inode inode[NITABLE];
} itable;

void
iinit()
{
  initlock(&itable.lock, "itable");
  for(int i = 0; i < NITABLE; i++){
    initsleeplock(&itable.inode[i].lock, "inode");
    itable.inode[i].i_data.host = &itable.inode[i];
  }
}

static struct inode* iget(uint dev, uint inum);

// Allocate an on-disk inode of the given type. Returns it unlocked and
// referenced, or 0 if there are no free inodes or an inode block could
// not be read.
struct inode*
ialloc(uint dev, short type)
{
  for(uint inum = 1; inum < sb.ninodes; inum++){
    struct buf *bp = bread(dev, IBLOCK(inum, sb));
    if(!bp->valid){
      brelse(bp);
      return 0;   // its zeros would look like free inodes (the root among them)
    }
    struct dinode *dip = (struct dinode*)bp->data + inum%IPB;
    if(dip->type == 0){
      memset(dip, 0, sizeof(*dip));
      dip->type = type;
      log_write(bp);   // marked allocated on disk
      brelse(bp);
      return iget(dev, inum);
    }
    brelse(bp);
  }
  printf("ialloc: no inodes\n");
  return 0;
}

// Write a changed in-memory inode to disk (inside a transaction). Caller
// holds ip->lock.
void
iupdate(struct inode *ip)
{
  struct buf *bp = bread(ip->dev, IBLOCK(ip->inum, sb));
  struct dinode *dip = (struct dinode*)bp->data + ip->inum%IPB;
  dip->type = ip->type;
  dip->major = ip->major;
  dip->minor = ip->minor;
  dip->nlink = ip->nlink;
  dip->size = ip->size;
  memmove(dip->addrs, ip->addrs, sizeof(ip->addrs));
  log_write(bp);
  brelse(bp);
}

// The in-memory inode for (dev, inum), not locked and not read from disk.
static struct inode*
iget(uint dev, uint inum)
{
  struct inode *ip, *empty = 0;

  acquire(&itable.lock);
  for(ip = &itable.inode[0]; ip < &itable.inode[NITABLE]; ip++){
    if(ip->ref > 0 && ip->dev == dev && ip->inum == inum){
      ip->ref++;
      release(&itable.lock);
      return ip;
    }
    if(empty == 0 && ip->ref == 0)
      empty = ip;
  }
  if(empty == 0)
    panic("iget: no inodes");
  ip = empty;
  ip->dev = dev;
  ip->inum = inum;
  ip->ref = 1;
  ip->valid = 0;
  release(&itable.lock);
  return ip;
}

struct inode*
idup(struct inode *ip)
{
  acquire(&itable.lock);
  ip->ref++;
  release(&itable.lock);
  return ip;
}

// Lock the inode, reading it from disk if needed.
void
ilock(struct inode *ip)
{
  // A sanity check without itable.lock: other harts may change ref
  // meanwhile, but the caller's own reference keeps it at 1 or more.
  if(ip == 0 || data_race(ip->ref) < 1)
    panic("ilock");
  acquiresleep(&ip->lock);
  if(ip->valid == 0){
    struct buf *bp = bread(ip->dev, IBLOCK(ip->inum, sb));
    struct dinode *dip = (struct dinode*)bp->data + ip->inum%IPB;
    ip->type = dip->type;
    ip->major = dip->major;
    ip->minor = dip->minor;
    ip->nlink = dip->nlink;
    ip->size = dip->size;
    memmove(ip->addrs, dip->addrs, sizeof(ip->addrs));
    // A block the disk could not read: the inode looks free (type 0,
    // which callers refuse) until a later ilock reads it again.
    ip->valid = bp->valid;
    brelse(bp);
    if(ip->type == 0 && ip->valid && !log_aborted())
      panic("ilock: no type");
  }
}

void
iunlock(struct inode *ip)
{
  if(ip == 0 || !holdingsleep(&ip->lock) || data_race(ip->ref) < 1)   // as in ilock
    panic("iunlock");
  releasesleep(&ip->lock);
}

// Drop a reference. The last reference to an inode with no links frees
// it and its content on disk, so iput() must be inside a transaction.
void
iput(struct inode *ip)
{
  acquire(&itable.lock);
  if(ip->ref == 1 && ip->valid && ip->nlink == 0){
    // No other process has it (ref == 1), so ip->lock is free: taken
    // without waiting, as it must be under itable.lock (a spin lock).
    if(!tryacquiresleep(&ip->lock))
      panic("iput: inode locked");
    release(&itable.lock);
    itrunc(ip);
    ip->type = 0;
    iupdate(ip);
    ip->valid = 0;
    releasesleep(&ip->lock);
    acquire(&itable.lock);
  } else if(ip->ref == 1 && ip->i_data.nrpages > 0){
    // The slot may hold another inode next: its cached pages go. They
    // are clean: every shared region wrote them back when it went away,
    // and a region holds a reference to its file.
    filemap_drop(&ip->i_data, 0, ~0UL);
  }
  ip->ref--;
  release(&itable.lock);
}

// Call fn on every in-memory inode that has cached pages, holding a
// reference to it meanwhile (writeback of all files: the flusher).
void
for_each_cached_inode(void (*fn)(struct inode *))
{
  for(struct inode *ip = &itable.inode[0]; ip < &itable.inode[NITABLE]; ip++){
    acquire(&itable.lock);
    int busy = ip->ref > 0 && ip->i_data.nrpages > 0;
    if(busy)
      ip->ref++;
    release(&itable.lock);
    if(busy){
      fn(ip);
      begin_op();
      iput(ip);
      end_op();
    }
  }
}

void
iunlockput(struct inode *ip)
{
  iunlock(ip);
  iput(ip);
}

// Inode content: NDIRECT direct block numbers in ip->addrs, then one
// indirect block of NINDIRECT more.

// The disk block holding block bn of the file; if it has none, one
// allocated (alloc, inside a transaction) or 0. 0 also if the disk is
// full, or the indirect block could not be read. A reader must not
// allocate: outside a transaction it could not log the new block.
uint
bmap(struct inode *ip, uint bn, int alloc)
{
  uint addr;

  if(bn < NDIRECT){
    if((addr = ip->addrs[bn]) == 0 && alloc){
      addr = balloc(ip->dev);
      ip->addrs[bn] = addr;
    }
    return addr;
  }
  bn -= NDIRECT;
  if(bn >= NINDIRECT)
    panic("bmap: out of range");
  if((addr = ip->addrs[NDIRECT]) == 0){
    if(!alloc || (addr = balloc(ip->dev)) == 0)
      return 0;
    ip->addrs[NDIRECT] = addr;
  }
  struct buf *bp = bread(ip->dev, addr);
  uint *a = (uint*)bp->data;
  if((addr = a[bn]) == 0 && alloc && bp->valid){
    addr = balloc(ip->dev);
    if(addr){
      a[bn] = addr;
      log_write(bp);
    }
  }
  brelse(bp);
  return addr;
}

// Free all of the file's blocks. Caller holds ip->lock.
void
itrunc(struct inode *ip)
{
  filemap_drop(&ip->i_data, 0, ~0UL);
  for(int i = 0; i < NDIRECT; i++){
    if(ip->addrs[i]){
      bfree(ip->dev, ip->addrs[i]);
      ip->addrs[i] = 0;
    }
  }
  if(ip->addrs[NDIRECT]){
    struct buf *bp = bread(ip->dev, ip->addrs[NDIRECT]);
    uint *a = (uint*)bp->data;
    for(int j = 0; j < NINDIRECT; j++)
      if(a[j])
        bfree(ip->dev, a[j]);
    brelse(bp);
    bfree(ip->dev, ip->addrs[NDIRECT]);
    ip->addrs[NDIRECT] = 0;
  }
  ip->size = 0;
  iupdate(ip);
}

void
stati(struct inode *ip, struct stat *st)
{
  st->dev = ip->dev;
  st->ino = ip->inum;
  st->type = ip->type;
  st->nlink = ip->nlink;
  st->size = ip->size;
}

// readi and writei copy between a file and a kernel buffer. Callers copy
// to and from user memory outside the inode lock (fileread, filewrite):
// a page fault there may need this inode's lock itself, to read a page
// of a mapping of this very file. Both keep the page cache coherent
// (filemap.c).

// Read n bytes at offset off into dst. Returns the number read, which is
// short (or -EIO if nothing could be read) if the disk failed, also on
// the inode itself (ilock left it !valid).
int
readi(struct inode *ip, char *dst, uint off, uint n)
{
  uint tot, m;

  if(!ip->valid)
    return -EIO;
  if(off > ip->size || off + n < off)
    return 0;
  if(off + n > ip->size)
    n = ip->size - off;

  for(tot = 0; tot < n; tot += m, off += m, dst += m){
    m = min(n - tot, BSIZE - off%BSIZE);
    if(filemap_read(ip, dst, off, m))
      continue;   // a cached page has the newest bytes
    uint addr = bmap(ip, off/BSIZE, 0);
    struct buf *bp = addr ? bread(ip->dev, addr) : 0;
    if(bp == 0 || !bp->valid){
      if(bp)
        brelse(bp);
      return tot > 0 ? tot : -EIO;   // xv6 files have no holes: a lost block
    }
    memmove(dst, bp->data + (off % BSIZE), m);
    brelse(bp);
  }
  return tot;
}

// Write n bytes from src at offset off to the file's blocks, leaving the
// page cache alone. Returns the number written (less than n if the disk
// filled up), or -ENOSPC if nothing could be written.
// Writeback (page-writeback.c) writes a page-cache page with this, not
// writei: copying the page onto itself could undo a store that a user
// makes meanwhile through a PTE made writable again (do_shared_wp).
int
write_blocks(struct inode *ip, char *src, uint off, uint n)
{
  uint tot, m;

  if(off > ip->size || off + n < off)
    return -EINVAL;
  if(off + n > MAXFILE*BSIZE)
    return -EFBIG;

  for(tot = 0; tot < n; tot += m, off += m, src += m){
    m = min(n - tot, BSIZE - off%BSIZE);
    uint addr = bmap(ip, off/BSIZE, 1);
    if(addr == 0)
      break;
    struct buf *bp = bread(ip->dev, addr);
    memmove(bp->data + (off % BSIZE), src, m);
    log_write(bp);
    brelse(bp);
  }

  if(tot > 0 && off > ip->size)
    ip->size = off;
  // bmap() may have changed ip->addrs[] even if nothing was written.
  iupdate(ip);
  if(tot == 0 && n > 0)
    return -ENOSPC;
  return tot;
}

// Write n bytes from src at offset off, to the disk and to the cached
// pages of the file. Returns as write_blocks.
int
writei(struct inode *ip, char *src, uint off, uint n)
{
  int r = write_blocks(ip, src, off, n);
  for(uint done = 0, m; r > 0 && done < r; done += m){
    m = min(r - done, PGSIZE - (off + done) % PGSIZE);
    filemap_update(ip, src + done, off + done, m);
  }
  return r;
}

// Directories

int
namecmp(const char *s, const char *t)
{
  return strncmp(s, t, DIRSIZ);
}

// Look up name in directory dp; return its inode unlocked and referenced,
// with its byte offset in *poff.
struct inode*
dirlookup(struct inode *dp, char *name, uint *poff)
{
  struct dirent de;

  if(dp->type != T_DIR)
    panic("dirlookup not DIR");
  for(uint off = 0; off < dp->size; off += sizeof(de)){
    if(readi(dp, (char *)&de, off, sizeof(de)) != sizeof(de))
      return 0;   // a disk error (the system call says EIO)
    if(de.inum == 0)
      continue;
    if(namecmp(name, de.name) == 0){
      if(poff)
        *poff = off;
      return iget(dp->dev, de.inum);
    }
  }
  return 0;
}

// Add (name, inum) to directory dp. 0, -EEXIST, -ENOSPC or -EIO.
int
dirlink(struct inode *dp, char *name, uint inum)
{
  struct dirent de;
  struct inode *ip;
  uint off;

  if((ip = dirlookup(dp, name, 0)) != 0){
    iput(ip);
    return -EEXIST;
  }
  // Reuse an empty entry, or append.
  for(off = 0; off < dp->size; off += sizeof(de)){
    if(readi(dp, (char *)&de, off, sizeof(de)) != sizeof(de))
      return -EIO;
    if(de.inum == 0)
      break;
  }
  strncpy(de.name, name, DIRSIZ);
  de.inum = inum;
  if(writei(dp, (char *)&de, off, sizeof(de)) != sizeof(de))
    return -ENOSPC;
  return 0;
}

// Paths

// Copy the next element of path into name (at most DIRSIZ bytes) and
// return what follows it, with no leading slashes; 0 if there is none.
//   skipelem("a/bb/c", name) = "bb/c", name = "a"
//   skipelem("///a//bb", name) = "bb", name = "a"
//   skipelem("", name) = skipelem("////", name) = 0
static char*
skipelem(char *path, char *name)
{
  while(*path == '/')
    path++;
  if(*path == 0)
    return 0;
  char *s = path;
  while(*path != '/' && *path != 0)
    path++;
  int len = path - s;
  if(len >= DIRSIZ)
    memmove(name, s, DIRSIZ);
  else {
    memmove(name, s, len);
    name[len] = 0;
  }
  while(*path == '/')
    path++;
  return path;
}

// Resolve a path to its inode, or with parent set to its parent
// directory (and the last element into name). On failure return 0 with
// *err = -ENOENT or -ENOTDIR. Inside a transaction: it may iput().
static struct inode*
namex(char *path, int parent, char *name, int *err)
{
  struct inode *ip, *next;

  if(*path == '/')
    ip = iget(ROOTDEV, ROOTINO);
  else {
    struct files_struct *fs = myproc()->files;
    acquire(&fs->lock);
    ip = idup(fs->cwd);
    release(&fs->lock);
  }

  *err = -ENOENT;
  while((path = skipelem(path, name)) != 0){
    ilock(ip);
    if(ip->type != T_DIR){
      *err = -ENOTDIR;
      iunlockput(ip);
      return 0;
    }
    if(ip->nlink == 0){
      // A removed directory (someone's cwd): nothing can be found or
      // created in it, and its ".." may already be freed.
      iunlockput(ip);
      return 0;
    }
    if(parent && *path == '\0'){
      iunlock(ip);   // stop one level early
      return ip;
    }
    if((next = dirlookup(ip, name, 0)) == 0){
      iunlockput(ip);
      return 0;
    }
    iunlockput(ip);
    ip = next;
  }
  if(parent){
    iput(ip);   // the path was "/" or empty: no last element
    return 0;
  }
  return ip;
}

struct inode*
namei_err(char *path, int *err)
{
  char name[DIRSIZ];
  return namex(path, 0, name, err);
}

struct inode*
nameiparent_err(char *path, char *name, int *err)
{
  return namex(path, 1, name, err);
}

struct inode*
namei(char *path)
{
  int err;
  return namei_err(path, &err);
}

