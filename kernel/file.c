// Open files: the system-wide file table and the operations on a file
// whatever it refers to (pipe, inode, device).

#include "types.h"
#include "riscv.h"
#include "defs.h"
#include "param.h"
#include "fs.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "file.h"
#include "fcntl.h"
#include "stat.h"
#include "kcheck.h"
#include "proc.h"

struct devsw devsw[NDEV];
struct {
  struct spinlock lock;
  struct file file[NFILE];
} ftable;

void
fileinit(void)
{
  initlock(&ftable.lock, "ftable");
}

// A free file structure with one reference, or 0.
struct file*
filealloc(void)
{
  acquire(&ftable.lock);
  for(struct file *f = ftable.file; f < ftable.file + NFILE; f++){
    if(f->ref == 0){
      memset(f, 0, sizeof(*f));   // no field of its last use survives
      initsleeplock(&f->pos_lock, "f_pos");
      f->ref = 1;
      release(&ftable.lock);
      return f;
    }
  }
  release(&ftable.lock);
  return 0;
}

struct file*
filedup(struct file *f)
{
  acquire(&ftable.lock);
  if(f->ref < 1)
    panic("filedup");
  f->ref++;
  release(&ftable.lock);
  return f;
}

// Drop a reference; the last one closes the underlying object.
void
fileclose(struct file *f)
{
  acquire(&ftable.lock);
  if(f->ref < 1)
    panic("fileclose");
  if(--f->ref > 0){
    release(&ftable.lock);
    return;
  }
  struct file ff = *f;
  f->ref = 0;
  f->type = FD_NONE;
  release(&ftable.lock);

  if(ff.type == FD_PIPE){
    pipeclose(ff.pipe, ff.writable);
  } else if(ff.type == FD_PIN){
    pin_release(ff.pin);
  } else if(ff.type == FD_UFFD){
    userfaultfd_release(ff.uffd);
  } else if(ff.type == FD_INODE || ff.type == FD_DEVICE){
    // Dirty page-cache pages go to the disk before the last reference to
    // the inode can drop them: pages dirtied through a private mapping by
    // a forced write, or by a device through a pin.
    if(ff.type == FD_INODE)
      filemap_write_range(&ff.ip->i_data, 0, ~0UL);
    begin_op();
    iput(ff.ip);
    end_op();
  }
}

// Copy the file's metadata to user addr. 0, -EFAULT or -EBADF (a pipe).
int
filestat(struct file *f, uint64 addr)
{
  struct stat st;

  if(f->type != FD_INODE && f->type != FD_DEVICE)
    return -EBADF;
  ilock(f->ip);
  int valid = f->ip->valid;
  stati(f->ip, &st);
  iunlock(f->ip);
  if(!valid)
    return -EIO;   // the disk could not read the inode
  return copyout(myproc()->mm->pgd, addr, (char *)&st, sizeof(st));
}

static struct devsw*
device(struct file *f)
{
  if(f->major < 0 || f->major >= NDEV)
    return 0;
  return &devsw[f->major];
}

// Reads and writes of files copy through a kernel page, with the inode
// locked only while the page is filled or emptied: copying to or from
// user memory can fault, and a fault on a mapping of this very file needs
// the inode's lock (fs.c, readi). The caller holds f->pos_lock.
static int
inode_read(struct file *f, uint64 addr, int n)
{
  char *kbuf = kalloc();
  int tot = 0, r = 0;
  if(kbuf == 0)
    return -ENOMEM;
  while(tot < n){
    ilock(f->ip);
    r = readi(f->ip, kbuf, f->off, n - tot < PGSIZE ? n - tot : PGSIZE);
    iunlock(f->ip);
    if(r <= 0)
      break;
    if(copyout(myproc()->mm->pgd, addr + tot, kbuf, r) < 0){
      r = -EFAULT;   // as xv6: the read fails
      break;
    }
    f->off += r;
    tot += r;
  }
  kfree(kbuf);
  return r < 0 ? r : tot;
}

// Write in pieces small enough for one log transaction each: header,
// inode, indirect block, bitmap blocks, and two blocks of slop for a
// write that is not aligned to a block. A source that runs into a bad
// address writes what comes before it, then fails (as xv6). The caller
// holds f->pos_lock.
static int
inode_write(struct file *f, uint64 addr, int n)
{
  int max = ((MAXOPBLOCKS-1-1-2) / 2) * BSIZE;
  char *kbuf = kalloc();
  int i = 0, r = 0;
  if(kbuf == 0)
    return -ENOMEM;
  while(i < n){
    int n1 = n - i < max ? n - i : max;
    int m = copyin_partial(myproc()->mm->pgd, kbuf, addr + i, n1);
    r = -EFAULT;
    if(m > 0){
      begin_op();
      ilock(f->ip);
      r = writei(f->ip, kbuf, f->off, m);
      if(r > 0)
        f->off += r;
      iunlock(f->ip);
      if(end_op() < 0)
        r = -EIO;   // not committed: the disk failed
    }
    if(r != n1){   // an incomplete write fails
      if(r >= 0)
        r = (r == m) ? -EFAULT : -ENOSPC;
      break;
    }
    i += r;
  }
  kfree(kbuf);
  return i == n ? n : r;
}

// Take f->pos_lock for a read or write (Linux: fdget_pos); 0 if not
// taken: kcheck's KCHECK_FPOS_RACE brings back the race it fixed, for
// the data-race detector's test.
static int
fdget_pos(struct file *f)
{
  if(kcheck_fpos_race())
    return 0;
  acquiresleep(&f->pos_lock);
  return 1;
}

// A read or write of a file with an offset (an inode or a pin fd). The
// offset is read and moved under f->pos_lock, held across the transfer,
// so that two threads, or a parent and child after fork, never read the
// same bytes twice or write over each other.
static int
pos_rw(struct file *f, uint64 addr, int n, int write)
{
  int r;
  int locked = fdget_pos(f);
  if(f->type == FD_PIN)
    r = pin_rw(f->pin, &f->off, addr, n, !write);
  else if(f->direct)
    r = direct_rw(f, addr, n, write);
  else
    r = write ? inode_write(f, addr, n) : inode_read(f, addr, n);
  if(locked)
    releasesleep(&f->pos_lock);
  return r;
}

int
fileread(struct file *f, uint64 addr, int n)
{
  if(f->readable == 0)
    return -EBADF;
  switch(f->type){
  case FD_PIPE:
    return piperead(f->pipe, addr, n);
  case FD_DEVICE:
    if(device(f) == 0 || device(f)->read == 0)
      return -ENODEV;
    return device(f)->read(1, addr, n);
  case FD_INODE:
  case FD_PIN:
    return pos_rw(f, addr, n, 0);
  case FD_UFFD:
    return userfaultfd_read(f->uffd, addr, n);
  default:
    panic("fileread");
  }
}

int
filewrite(struct file *f, uint64 addr, int n)
{
  if(f->writable == 0)
    return -EBADF;
  switch(f->type){
  case FD_PIPE:
    return pipewrite(f->pipe, addr, n);
  case FD_DEVICE:
    if(device(f) == 0 || device(f)->write == 0)
      return -ENODEV;
    return device(f)->write(1, addr, n);
  case FD_INODE:
  case FD_PIN:
    return pos_rw(f, addr, n, 1);
  case FD_UFFD:
    return -EINVAL;   // Linux's answer: it has no write
  default:
    panic("filewrite");
  }
}

// ioctl(fd, cmd, arg): a command for the object behind the file. Only a
// userfaultfd has any; other files say ENOTTY, as Linux's do for a
// command they do not know.
int
fileioctl(struct file *f, uint cmd, uint64 arg)
{
  if(f->type == FD_UFFD)
    return userfaultfd_ioctl(f->uffd, cmd, arg);
  return -ENOTTY;
}

// lseek(fd, off, whence): a new offset in a file (not past its end: xv6
// files have no holes) or in a pin fd's range. The new offset, -EINVAL, or
// -ESPIPE for pipes and devices.
int
filelseek(struct file *f, int off, int whence)
{
  uint64 size;
  if(f->type == FD_INODE){
    ilock(f->ip);
    size = f->ip->size;
    iunlock(f->ip);
  } else if(f->type == FD_PIN)
    size = pin_size(f->pin);
  else
    return -ESPIPE;
  acquiresleep(&f->pos_lock);
  int64 base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f->off : whence == SEEK_END ? size : -1;
  int r = -EINVAL;
  if(base >= 0 && base + off >= 0 && base + off <= size)
    r = f->off = base + off;
  releasesleep(&f->pos_lock);
  return r;
}
