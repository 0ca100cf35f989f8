// Pipes: a bounded buffer between a writing and a reading file.
//
// The first part of this file is xv6's pipe. write() copies bytes into a
// ring of PIPESIZE bytes and read() copies them out. nwrite and nread
// count every byte ever written and read; they are never reset, so the
// ring holds nwrite - nread bytes, byte k sits at data[k % PIPESIZE], the
// ring is empty when the two are equal and full when nwrite is PIPESIZE
// ahead. A writer that finds it full sleeps on &pi->nwrite; a reader that
// finds it empty sleeps on &pi->nread; each wakes the other.
//
// The second part, marked below, is vmsplice(): it puts a user's page in
// the pipe by reference, without copying (Linux: struct pipe_buffer).
// The pipe keeps a reference (get_user_pages) until a reader has taken
// the page's bytes, and a reader gets the page's contents as they are
// when it reads, not as they were when vmsplice ran: that reference is
// what CVE-2020-29374 (vmsplice_leak) abuses after fork.
//
// One pipe, two kinds of data, one order. Whoever reads must get the
// data in the order it went in, whichever kind it is. The ring keeps its
// own bytes in order by itself; what needs saying is where a page goes
// among them. vmsplice stamps each page buffer with the ring's nwrite at
// that moment: the page comes after every byte written before it and
// before every byte written after it. So a reader looks at the oldest
// page buffer first. If its stamp equals nread, every byte in front of
// it has been read and it is the page's turn; otherwise the reader takes
// ring bytes, but only up to the stamp. Pages spliced with no write in
// between share a stamp and come out in the order they were queued.
// Each kind has its own room (PIPESIZE bytes, NPIPEBUF pages): a write
// waits only for ring space and a vmsplice only for a free page buffer.

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
#define NPIPEBUF 16   // vmsplice'd pages a pipe can hold

// A piece of a page that vmsplice put in the pipe.
struct pipe_buffer {
  struct page *page;   // a get_user_pages reference, dropped once read
  uint off;            // where the unread bytes start in the page
  uint len;            // bytes left
  uint at;             // its place in the ring's order: nwrite when queued
};

struct pipe {
  struct spinlock lock;   // protects everything below
  char data[PIPESIZE];
  uint nread;     // number of ring bytes read
  uint nwrite;    // number of ring bytes written
  int readopen;   // read fd is still open
  int writeopen;  // write fd is still open
  // vmsplice's page buffers, a queue in the second part of this file.
  struct pipe_buffer bufs[NPIPEBUF];
  uint bhead, btail;   // buffers taken and added (grow forever; modulo NPIPEBUF)
};

static int bufs_full(struct pipe*);
static struct pipe_buffer *page_turn(struct pipe*);
static uint ring_turn(struct pipe*);
static uint read_page_buf(struct pipe*, struct pipe_buffer*, char*, uint);
static void drop_page_bufs(struct pipe*);

static uint
min3(uint a, uint b, uint c)
{
  uint m = a < b ? a : b;
  return m < c ? m : c;
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
  pi->bhead = pi->btail = 0;
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
    drop_page_bufs(pi);
    kfree((char*)pi);
  } else
    release(&pi->lock);
}

// Pipes copy to and from user memory outside pi->lock, through a bounce
// buffer: a fault on a user page may sleep, which a spinlock forbids.

// Wait (pi->lock held) until there is room for ring bytes (page 0) or
// for a page buffer (page 1). 0, or -EPIPE (no reader) or -EINTR
// (killed).
static int
wait_room(struct pipe *pi, int page)
{
  struct proc *pr = myproc();
  while(page ? bufs_full(pi) : pi->nwrite == pi->nread + PIPESIZE){
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
  while(pi->nread == pi->nwrite && pi->bhead == pi->btail && pi->writeopen){
    if(killed(pr)){
      release(&pi->lock);
      return -EINTR;
    }
    sleep(&pi->nread, &pi->lock);
  }
  uint m = 0;
  while(m < (uint)n && m < PIPESIZE){
    struct pipe_buffer *b = page_turn(pi);
    uint c;
    if(b){
      c = read_page_buf(pi, b, kbuf + m, min3(n - m, PIPESIZE - m, b->len));
    } else {
      uint idx = pi->nread % PIPESIZE;
      c = min3(n - m, ring_turn(pi), PIPESIZE - idx);
      if(c == 0)
        break;   // the pipe is empty
      memmove(kbuf + m, &pi->data[idx], c);
      pi->nread += c;
    }
    m += c;
  }
  wakeup(&pi->nwrite);
  release(&pi->lock);
  if(m > 0 && copyout(pr->mm->pgd, addr, kbuf, m) < 0)
    return -EFAULT;
  return m;
}

// ---------------------------------------------------------------------
// vmsplice's page buffers. A queue of NPIPEBUF, oldest at bhead; every
// function here runs with pi->lock held, except pipe_vmsplice (which
// takes it) and drop_page_bufs (the pipe's last user, as it is freed).
// ---------------------------------------------------------------------

static int
bufs_full(struct pipe *pi)
{
  return pi->btail - pi->bhead == NPIPEBUF;
}

// The oldest page buffer if it is its turn to be read: every ring byte
// written before it has been read. Else 0.
static struct pipe_buffer*
page_turn(struct pipe *pi)
{
  struct pipe_buffer *b = &pi->bufs[pi->bhead % NPIPEBUF];
  return pi->bhead != pi->btail && b->at == pi->nread ? b : 0;
}

// Ring bytes a reader may take now: those in front of the oldest page
// buffer, or all of them if there is none. (Counts wrap as uints, so
// differences stay right.)
static uint
ring_turn(struct pipe *pi)
{
  uint n = pi->nwrite - pi->nread;
  if(pi->bhead == pi->btail)
    return n;
  uint before = pi->bufs[pi->bhead % NPIPEBUF].at - pi->nread;
  return before < n ? before : n;
}

// Copy c bytes of b's page, as the page is now (whoever still maps it may
// have written it since vmsplice), and drop the page once all is read.
static uint
read_page_buf(struct pipe *pi, struct pipe_buffer *b, char *dst, uint c)
{
  memmove(dst, (char *)page_address(b->page) + b->off, c);
  b->off += c;
  if((b->len -= c) == 0){
    trace_vmsplice(b->page, 0, 0);
    put_page(b->page);
    pi->bhead++;
  }
  return c;
}

// The pipe is being freed: drop the references of unread pages.
static void
drop_page_bufs(struct pipe *pi)
{
  for(; pi->bhead != pi->btail; pi->bhead++){
    trace_vmsplice(pi->bufs[pi->bhead % NPIPEBUF].page, 0, 0);
    put_page(pi->bufs[pi->bhead % NPIPEBUF].page);
  }
}

// vmsplice(fd, addr, len, flags): queue the user pages of [addr, addr+len)
// in the pipe by reference (get_user_pages, FOLL_GET), one buffer per
// page, after the ring bytes written so far. Returns bytes queued, or an
// errno if none were.
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
        pi->bufs[pi->btail++ % NPIPEBUF] = (struct pipe_buffer){ pg, off, c, pi->nwrite };
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
