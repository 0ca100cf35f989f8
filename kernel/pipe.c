// Pipes: a bounded buffer between a writing and a reading file.
//
// What a pipe holds is a queue of segments, read in order: bytes that
// write() copied into the pipe's ring (xv6's 512-byte buffer), or a piece
// of a user page that vmsplice() took a reference to, without copying
// (Linux: struct pipe_buffer). A reader of a page segment gets the page's
// contents as they are when it reads, not when vmsplice ran.

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

#define NSEG 16   // segments a pipe can queue

struct segment {
  struct page *page;   // vmsplice'd page (a GUP reference), or 0: ring bytes
  uint off;            // in the page
  uint len;            // bytes left in this segment
};

struct pipe {
  struct spinlock lock;
  char data[PIPESIZE];
  uint nread;     // ring bytes read (grows forever; index modulo PIPESIZE)
  uint nwrite;    // ring bytes written
  struct segment seg[NSEG];
  uint shead, stail;   // segments taken and added (grow forever; modulo NSEG)
  int readopen;   // read fd is still open
  int writeopen;  // write fd is still open
};

static int
empty(struct pipe *pi)
{
  return pi->shead == pi->stail;
}

static struct segment*
tail(struct pipe *pi)
{
  return empty(pi) ? 0 : &pi->seg[(pi->stail - 1) % NSEG];
}

// Queue a segment: page 0 for c more ring bytes (joined to a ring
// segment at the tail), else a page piece. The caller made room.
static void
push(struct pipe *pi, struct page *page, uint off, uint c)
{
  struct segment *t = tail(pi);
  if(page == 0 && t && t->page == 0){
    t->len += c;
    return;
  }
  pi->seg[pi->stail++ % NSEG] = (struct segment){ page, off, c };
}

static int
full(struct pipe *pi, int page)
{
  struct segment *t = tail(pi);
  if(pi->stail - pi->shead == NSEG)
    return page || t->page != 0 || pi->nwrite == pi->nread + PIPESIZE;
  return !page && pi->nwrite == pi->nread + PIPESIZE;
}

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
  pi->shead = pi->stail = 0;
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
    for(; pi->shead != pi->stail; pi->shead++){   // unread vmsplice'd pages
      trace_vmsplice(pi->seg[pi->shead % NSEG].page, 0, 0);
      if(pi->seg[pi->shead % NSEG].page)
        put_page(pi->seg[pi->shead % NSEG].page);
    }
    kfree((char*)pi);
  } else
    release(&pi->lock);
}

// Pipes copy to and from user memory outside pi->lock, through a bounce
// buffer: a fault on a user page may sleep, which a spinlock forbids.

// Wait (pi->lock held) until the pipe has room for a segment of this
// kind. 0, or -EPIPE (no reader) or -EINTR (killed).
static int
wait_room(struct pipe *pi, int page)
{
  struct proc *pr = myproc();
  while(full(pi, page)){
    if(pi->readopen == 0 || killed(pr))
      break;
    wakeup(&pi->nread);
    sleep(&pi->nwrite, &pi->lock);
  }
  if(pi->readopen == 0)
    return -EPIPE;
  return killed(pr) ? -EINTR : 0;
}

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
      int err = wait_room(pi, 0);
      if(err){
        wakeup(&pi->nread);
        release(&pi->lock);
        return i + k > 0 ? i + k : err;
      }
      // As much as fits before the ring's end wraps.
      uint idx = pi->nwrite % PIPESIZE;
      uint c = min3(m - k, PIPESIZE - (pi->nwrite - pi->nread), PIPESIZE - idx);
      memmove(&pi->data[idx], kbuf + k, c);
      pi->nwrite += c;
      push(pi, 0, 0, c);
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

// vmsplice(fd, addr, len, flags): queue the user pages of [addr, addr+len)
// in the pipe by reference (get_user_pages, FOLL_GET), one segment per
// page. Returns bytes queued, or an errno if none were.
int
pipe_vmsplice(struct pipe *pi, uint64 addr, uint64 len)
{
  uint64 done = 0;
  while(done < len){
    uint64 va = addr + done;
    uint off = va % PGSIZE;
    uint c = PGSIZE - off < len - done ? PGSIZE - off : len - done;
    struct page *pg;
    int err = get_user_pages_fast(va - off, 1, 0, &pg);
    if(err >= 0){
      acquire(&pi->lock);
      if((err = wait_room(pi, 1)) == 0){
        push(pi, pg, off, c);
        trace_vmsplice(pg, va, c);
        wakeup(&pi->nread);
      }
      release(&pi->lock);
      if(err)
        put_page(pg);
    }
    if(err < 0)
      return done > 0 ? done : err;
    done += c;
  }
  return done;
}

// Returns bytes read (0 at end of file), -EINTR if killed while waiting,
// -EFAULT for a bad buffer.
int
piperead(struct pipe *pi, uint64 addr, int n)
{
  char kbuf[PIPESIZE];
  struct proc *pr = myproc();

  acquire(&pi->lock);
  while(empty(pi) && pi->writeopen){
    if(killed(pr)){
      release(&pi->lock);
      return -EINTR;
    }
    sleep(&pi->nread, &pi->lock);
  }
  uint m = 0;
  while(m < (uint)n && m < PIPESIZE && !empty(pi)){
    struct segment *sg = &pi->seg[pi->shead % NSEG];
    uint c;
    if(sg->page){
      // The page as it is now: whoever still maps it may have written it.
      c = min3(n - m, sg->len, PIPESIZE - m);
      memmove(kbuf + m, (char *)page_address(sg->page) + sg->off, c);
      sg->off += c;
    } else {
      uint idx = pi->nread % PIPESIZE;
      c = min3(n - m, sg->len, PIPESIZE - idx);
      memmove(kbuf + m, &pi->data[idx], c);
      pi->nread += c;
    }
    m += c;
    if((sg->len -= c) == 0){
      trace_vmsplice(sg->page, 0, 0);
      if(sg->page)
        put_page(sg->page);
      pi->shead++;
    }
  }
  wakeup(&pi->nwrite);
  release(&pi->lock);
  if(m > 0 && copyout(pr->mm->pgd, addr, kbuf, m) < 0)
    return -EFAULT;
  return m;
}
