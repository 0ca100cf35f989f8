// Pipes: a bounded buffer between a writing and a reading file.

#include "types.h"
#include "riscv.h"
#include "defs.h"
#include "param.h"
#include "spinlock.h"
#include "proc.h"
#include "fs.h"
#include "sleeplock.h"
#include "file.h"

#define PIPESIZE 512

static uint
min3(uint a, uint b, uint c)
{
  uint m = a < b ? a : b;
  return m < c ? m : c;
}

struct pipe {
  struct spinlock lock;
  char data[PIPESIZE];
  uint nread;     // bytes read (grows forever; index modulo PIPESIZE)
  uint nwrite;    // bytes written
  int readopen;   // read fd is still open
  int writeopen;  // write fd is still open
};

int
pipealloc(struct file **f0, struct file **f1)
{
  struct pipe *pi;
  int err = -ENFILE;

  *f0 = *f1 = 0;
  if((*f0 = filealloc()) == 0 || (*f1 = filealloc()) == 0)
    goto bad;
  err = -ENOMEM;
  if((pi = (struct pipe*)kalloc()) == 0)
    goto bad;
  pi->readopen = 1;
  pi->writeopen = 1;
  pi->nwrite = 0;
  pi->nread = 0;
  initlock(&pi->lock, "pipe");
  (*f0)->type = FD_PIPE;
  (*f0)->readable = 1;
  (*f0)->writable = 0;
  (*f0)->pipe = pi;
  (*f1)->type = FD_PIPE;
  (*f1)->readable = 0;
  (*f1)->writable = 1;
  (*f1)->pipe = pi;
  return 0;

 bad:
  if(*f0)
    fileclose(*f0);
  if(*f1)
    fileclose(*f1);
  return err;
}

void
pipeclose(struct pipe *pi, int writable)
{
  acquire(&pi->lock);
  if(writable){
    pi->writeopen = 0;
    wakeup(&pi->nread);
  } else {
    pi->readopen = 0;
    wakeup(&pi->nwrite);
  }
  if(pi->readopen == 0 && pi->writeopen == 0){
    release(&pi->lock);
    kfree((char*)pi);
  } else
    release(&pi->lock);
}

// Pipes copy to and from user memory outside pi->lock, through a bounce
// buffer: a fault on a user page may sleep, which a spinlock forbids.

// Returns bytes written; -EPIPE if no reader is left (and nothing was
// written), -EINTR if killed, -EFAULT for a bad buffer.
int
pipewrite(struct pipe *pi, uint64 addr, int n)
{
  char kbuf[PIPESIZE];
  int i = 0;
  struct proc *pr = myproc();

  while(i < n){
    uint want = n - i < PIPESIZE ? n - i : PIPESIZE;
    uint m = copyin_partial(pr->mm->pgd, kbuf, addr + i, want);
    if(m == 0)
      return i > 0 ? i : -EFAULT;
    acquire(&pi->lock);
    for(uint k = 0; k < m; ){
      if(pi->readopen == 0 || killed(pr)){
        int err = pi->readopen == 0 ? -EPIPE : -EINTR;
        wakeup(&pi->nread);
        release(&pi->lock);
        return i + k > 0 ? i + k : err;
      }
      if(pi->nwrite == pi->nread + PIPESIZE){
        wakeup(&pi->nread);
        sleep(&pi->nwrite, &pi->lock);
        continue;
      }
      // As much as fits before the ring's end wraps.
      uint idx = pi->nwrite % PIPESIZE;
      uint c = min3(m - k, PIPESIZE - (pi->nwrite - pi->nread), PIPESIZE - idx);
      memmove(&pi->data[idx], kbuf + k, c);
      pi->nwrite += c;
      k += c;
    }
    wakeup(&pi->nread);
    release(&pi->lock);
    i += m;
    if(m < want)
      return i;   // the buffer ran into a bad address
  }
  return i;
}

// Returns bytes read (0 at end of file), -EINTR if killed while waiting,
// -EFAULT for a bad buffer.
int
piperead(struct pipe *pi, uint64 addr, int n)
{
  char kbuf[PIPESIZE];
  struct proc *pr = myproc();

  acquire(&pi->lock);
  while(pi->nread == pi->nwrite && pi->writeopen){
    if(killed(pr)){
      release(&pi->lock);
      return -EINTR;
    }
    sleep(&pi->nread, &pi->lock);
  }
  uint m = 0;
  while(m < (uint)n && m < PIPESIZE && pi->nread != pi->nwrite){
    uint idx = pi->nread % PIPESIZE;
    uint c = min3(n - m, pi->nwrite - pi->nread, PIPESIZE - idx);
    memmove(kbuf + m, &pi->data[idx], c);
    pi->nread += c;
    m += c;
  }
  wakeup(&pi->nwrite);
  release(&pi->lock);
  if(m > 0 && copyout(pr->mm->pgd, addr, kbuf, m) < 0)
    return -EFAULT;
  return m;
}
