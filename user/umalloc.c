// malloc and free: a first-fit allocator over one circular free list kept
// in address order (the scheme of Kernighan and Ritchie's C book), so that
// free can merge a block with its neighbours in a single pass.
// Memory comes from sbrk and is never given back to the kernel.

#include "kernel/types.h"
#include "user/user.h"

// Every block starts with a header; the union with a long forces the
// alignment of the header, and hence of the user's memory after it.
union header {
  struct {
    union header *next;   // next free block (free blocks only)
    uint units;           // block size in header-sized units, header included
  } s;
  long align;
};

typedef union header Header;

static Header base;       // zero-sized block that anchors the list
static Header *freep;     // where the last search stopped (0: no list yet)

// Smallest request sent to sbrk, in units: asking for big chunks keeps
// the number of system calls (and of free-list fragments) down.
#define MINGROW 4096

void
free(void *ap)
{
  Header *bp, *p;

  if(ap == 0)
    return;
  bp = (Header *)ap - 1;

  // Find p such that bp lies between p and p->s.next; the one place where
  // p >= p->s.next is the wrap from the highest block back to the lowest.
  for(p = freep; !(bp > p && bp < p->s.next); p = p->s.next)
    if(p >= p->s.next && (bp > p || bp < p->s.next))
      break;

  if(bp + bp->s.units == p->s.next){     // merge with the block above
    bp->s.units += p->s.next->s.units;
    bp->s.next = p->s.next->s.next;
  } else {
    bp->s.next = p->s.next;
  }
  if(p + p->s.units == bp){              // merge with the block below
    p->s.units += bp->s.units;
    p->s.next = bp->s.next;
  } else {
    p->s.next = bp;
  }
  freep = p;
}

// Get at least `units` more units from the kernel and put them on the
// free list.  Returns 0 when sbrk fails.
static Header *
grow(uint64 units)
{
  Header *h;
  char *p;

  if(units < MINGROW)
    units = MINGROW;
  p = sbrk(units * sizeof(Header));
  if(p == SBRK_ERROR)
    return 0;
  h = (Header *)p;
  h->s.units = units;
  free(h + 1);
  return freep;
}

void *
malloc(uint nbytes)
{
  Header *p, *prev;
  uint64 units;

  // Computed in 64 bits so a request near 4 GB cannot wrap to a small
  // block; anything sbrk's int argument cannot express fails outright.
  units = ((uint64)nbytes + sizeof(Header) - 1) / sizeof(Header) + 1;
  if(units * sizeof(Header) > 0x7fffffff)
    return 0;

  if((prev = freep) == 0){
    base.s.next = freep = prev = &base;
    base.s.units = 0;
  }
  for(p = prev->s.next; ; prev = p, p = p->s.next){
    if(p->s.units >= units){
      if(p->s.units == units){
        prev->s.next = p->s.next;
      } else {
        // Hand out the tail so the free block stays where it is in the list.
        p->s.units -= units;
        p += p->s.units;
        p->s.units = units;
      }
      freep = prev;
      return p + 1;
    }
    if(p == freep && (p = grow(units)) == 0)
      return 0;
  }
}
