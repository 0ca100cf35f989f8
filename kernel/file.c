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
#include "stat.h"
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
  } else if(ff.type == FD_INODE || ff.type == FD_DEVICE){
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
  stati(f->ip, &st);
  iunlock(f->ip);
  return copyout(myproc()->mm->pgd, addr, (char *)&st, sizeof(st));
}

static struct devsw*
device(struct file *f)
{
  if(f->major < 0 || f->major >= NDEV)
    return 0;
  return &devsw[f->major];
}

int
fileread(struct file *f, uint64 addr, int n)
{
  int r;

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
    ilock(f->ip);
    if((r = readi(f->ip, 1, addr, f->off, n)) > 0)
      f->off += r;
    iunlock(f->ip);
    return r;
  default:
    panic("fileread");
  }
}

// Write in pieces small enough for one log transaction each: header,
// inode, indirect block, bitmap blocks, and two blocks of slop for a
// write that is not aligned to a block.
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
  case FD_INODE: {
    int max = ((MAXOPBLOCKS-1-1-2) / 2) * BSIZE;
    int i = 0;
    while(i < n){
      int n1 = n - i < max ? n - i : max;
      begin_op();
      ilock(f->ip);
      int r = writei(f->ip, 1, addr + i, f->off, n1);
      if(r > 0)
        f->off += r;
      iunlock(f->ip);
      end_op();
      if(r != n1)
        return r < 0 ? r : -ENOSPC;   // as xv6, an incomplete write fails
      i += r;
    }
    return n;
  }
  default:
    panic("filewrite");
  }
}
