// The kernel's symbol table (Linux: kallsyms), for the checkers' reports
// (kcsan.c, lockdep.c): a code address as function+offset and source line.
// tools/ksyms.py writes the table from a first link of the kernel, and
// kernel.ld puts it after all other read-only data, so the second link
// moves no code; its layout is described there. Built only into the
// checked kernels (make KCSAN=1, make LOCKDEP=1).

#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

#define KSYM_MAGIC 0x4d59534b   // "KSYM"

struct ksym_head { uint magic, nfuncs, nlines, nfiles; };
struct ksym_func { uint off, name; };
struct ksym_line { uint off; ushort file, line; };

extern char _start[], __ksyms_start[], __ksyms_end[];

// The table, or 0 if this kernel was linked without one.
static struct ksym_head *
table(void)
{
  struct ksym_head *h = (struct ksym_head *)__ksyms_start;
  if(__ksyms_end - __ksyms_start < sizeof(*h) || h->magic != KSYM_MAGIC)
    return 0;
  return h;
}

// The index of the last of n entries (each size bytes, starting with
// their u32 offset) whose offset is at most off, or -1.
static int
search(char *base, int n, int size, uint off)
{
  int lo = 0, hi = n - 1, found = -1;
  while(lo <= hi){
    int mid = (lo + hi) / 2;
    if(*(uint *)(base + mid * size) <= off){
      found = mid;
      lo = mid + 1;
    } else
      hi = mid - 1;
  }
  return found;
}

// Print the code address pc as "function+0xN (file:line)"; just the
// address if it is not in the table.
void
ksym_print(uint64 pc)
{
  struct ksym_head *h = table();
  uint64 off = pc - (uint64)_start;
  if(h == 0 || pc < (uint64)_start || off >= (uint64)(__ksyms_start - _start)){
    printf("%p", (void *)pc);
    return;
  }
  struct ksym_func *funcs = (struct ksym_func *)(h + 1);
  struct ksym_line *lines = (struct ksym_line *)(funcs + h->nfuncs);
  uint *files = (uint *)(lines + h->nlines);
  char *strings = (char *)(files + h->nfiles);
  int f = search((char *)funcs, h->nfuncs, sizeof(*funcs), off);
  int l = search((char *)lines, h->nlines, sizeof(*lines), off);
  if(f < 0){
    printf("%p", (void *)pc);
    return;
  }
  printf("%s+0x%x", strings + funcs[f].name, (uint)(off - funcs[f].off));
  if(l >= 0 && lines[l].off >= funcs[f].off)
    printf(" (%s:%d)", strings + files[lines[l].file], lines[l].line);
}

// The return addresses of the n frames above the one at frame pointer
// fp (-fno-omit-frame-pointer keeps ra at fp-8 and the caller's fp at
// fp-16), as far as they lie on this thread's kernel stack (a
// scheduler's stack: on fp's page); 0 past the end. Interrupts are off.
void
ksym_callers(uint64 fp, uint64 *pcs, int n)
{
  struct proc *p = cpus[r_tp()].proc;
  uint64 top = PGROUNDUP(fp);
  if(p && fp >= p->kstack && fp < p->kstack + KSTACK_PAGES * PGSIZE)
    top = p->kstack + KSTACK_PAGES * PGSIZE;
  for(int i = 0; i < n; i++)
    pcs[i] = 0;
  for(int i = 0; i < n; i++){
    uint64 next = *(uint64 *)(fp - 16);
    if(next <= fp || next > top || next % 8)
      return;
    fp = next;
    pcs[i] = *(uint64 *)(fp - 8);
  }
}
