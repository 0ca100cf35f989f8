// mm tracepoints (Linux: include/trace/events/ and the ftrace ring
// buffer, kernel/trace/ring_buffer.c): named events where the story of
// COW and GUP happens, each recorded with the time, the hart, the process
// and thread, and its fields (kernel/trace.h lists them and their layout).
//
// Each hart records into a buffer of its own, of a fixed size, allocated
// page by page at boot for the harts the device tree lists (no allocation
// while tracing). When a buffer is full the oldest unread event is
// overwritten and counted as lost, as ftrace's overwrite mode does: a
// reader that keeps up loses nothing, one that does not keeps the newest
// events. Only its hart writes a buffer, but a reader on another hart
// empties it, so each has a lock.
//
// The trace program (user/trace.c) enables events, runs a command, reads
// the buffers while it runs and prints what the command's processes did.

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "fs.h"
#include "buf.h"
#include "mm/mm_types.h"

#define TRACE_ENTRIES 8192   // per hart
#define PER_PAGE (PGSIZE / sizeof(struct trace_entry))
#define TRACE_PAGES ((TRACE_ENTRIES + PER_PAGE - 1) / PER_PAGE)   // 161: 644 KiB

struct trace_buf {
  struct spinlock lock;
  uint64 head;    // events written since the last TRACE_CLEAR (lock)
  uint64 tail;    // events gone: read or overwritten (lock)
  uint64 lost;    // overwritten before they were read (lock)
  struct trace_entry *page[TRACE_PAGES];   // event i at entry(b, i); set at boot
};

static struct trace_buf bufs[NCPU];   // the first ncpu are used

uint64 trace_mask;

// The buffers of the ncpu harts found at boot.
void
trace_init(void)
{
  for(int c = 0; c < ncpu; c++){
    initlock(&bufs[c].lock, "trace");
    for(int i = 0; i < TRACE_PAGES; i++)
      if((bufs[c].page[i] = kalloc()) == 0)
        panic("trace_init: out of memory");
  }
}

// Where event number i of b lives (b->lock held).
static struct trace_entry*
entry(struct trace_buf *b, uint64 i)
{
  i %= TRACE_ENTRIES;
  return &b->page[i / PER_PAGE][i % PER_PAGE];
}

// Append an event to this hart's buffer. f holds TRACE_NFIELDS fields.
static void
emit(int event, uint64 *f)
{
  struct proc *p = myproc();
  push_off();   // stay on this hart
  int cpu = cpuid();
  struct trace_buf *b = &bufs[cpu];
  acquire(&b->lock);
  if(b->head - b->tail == TRACE_ENTRIES){
    b->tail++;
    b->lost++;
  }
  struct trace_entry *e = entry(b, b->head++);
  e->time = r_time();
  e->event = event;
  e->cpu = cpu;
  e->pid = p ? p->leader->pid : 0;
  e->tid = p ? p->pid : 0;
  memmove(e->f, f, sizeof(e->f));
  release(&b->lock);
  pop_off();
}

static uint64
sat16(int n)
{
  return n < 0 ? 0 : n > 0xffff ? 0xffff : n;
}

// A page field: two words, the frame number and its state (TP_* in
// trace.h), with refs of the references counted taken away (a caller's
// own temporary reference).
static void
page_field(uint64 *f, struct page *pg, int refs)
{
  if(pg == 0){
    f[0] = f[1] = 0;
    return;
  }
  f[0] = page_to_pfn(pg);
  f[1] = sat16(page_count(pg) - refs) << 48 | sat16(page_mapcount(pg)) << 32 |
         sat16(__atomic_load_n(&pg->pincount, __ATOMIC_SEQ_CST)) << 16 |
         (__atomic_load_n(&pg->flags, __ATOMIC_SEQ_CST) & 0x7fff) | (pg == zero_page ? TP_ZERO : 0);
}

// The page a PTE maps, or 0.
static struct page*
pte_to_page(uint64 pte)
{
  return (pte & PTE_V) && pfn_valid(PTE2PA(pte) >> PGSHIFT) ? pte_page(pte) : 0;
}

// The current PTE of va (page-table pages live as long as the mm: a read
// without the lock sees this PTE or a newer one), or 0. A huge PMD stands
// for the PTE of va's 4 KiB page at its offset in the 2 MiB.
static uint64
pte_of(struct mm_struct *mm, uint64 va)
{
  int huge;
  pte_t *pte = walk_leaf(mm->pgd, va, &huge);
  uint64 e = pte ? __atomic_load_n(pte, __ATOMIC_RELAXED) : 0;
  return huge ? e + PA2PTE(va & (HPAGE_PMD_SIZE - 1) & ~(uint64)(PGSIZE - 1)) : e;
}

// An event about one page mapped at va by pte.
static void
emit_pte(int event, uint64 va, uint64 pte)
{
  uint64 f[TRACE_NFIELDS] = { va, pte };
  page_field(&f[2], pte_to_page(pte), 0);
  emit(event, f);
}

// A fault at va (flags: FAULT_FLAG_*), and the PTE and page it found;
// what it does shows in the events that follow it.
void
__trace_mm_fault(struct vm_area_struct *vma, uint64 va, int flags)
{
  uint64 pte = pte_of(vma->vm_mm, PGROUNDDOWN(va));
  uint64 f[TRACE_NFIELDS] = { PGROUNDDOWN(va), flags, pte };
  page_field(&f[3], pte_to_page(pte), 0);
  emit(TRACE_MM_FAULT, f);
}

// A user fault failed with err (the process is killed). GUP's failures
// show in gup_slow.
void
__trace_mm_fault_error(uint64 va, int flags, int err)
{
  uint64 f[TRACE_NFIELDS] = { va, flags, err };
  if(err)
    emit(TRACE_MM_FAULT_ERROR, f);
}

// A fault installed a page at va: the zero page, or another.
void
__trace_map_page(struct vm_area_struct *vma, uint64 va)
{
  uint64 pte = pte_of(vma->vm_mm, va);
  int zero = pte_to_page(pte) == zero_page;
  if(trace_on(zero ? TB(ZERO_PAGE_MAP) : TB(MAP_PAGE)))
    emit_pte(zero ? TRACE_ZERO_PAGE_MAP : TRACE_MAP_PAGE, va, pte);
}

void
__trace_zap_page(uint64 va, uint64 pte)
{
  emit_pte(TRACE_ZAP_PAGE, va, pte);
}

// wp_page_copy mapped new at va with pte, in place of old, which it still
// holds a reference to. mode 0 is an unshare.
void
__trace_cow_copy(uint64 va, uint64 pte, struct page *old, struct page *new, int mode)
{
  int event = mode ? TRACE_COW_COPY : TRACE_COW_UNSHARE;
  if(!trace_on(1UL << event))
    return;
  uint64 f[TRACE_NFIELDS] = { va, pte };
  page_field(&f[2], old, 1);
  page_field(&f[4], new, 0);
  emit(event, f);
}

void
__trace_cow_reuse(uint64 va, uint64 pte, int unshare)
{
  uint64 f[TRACE_NFIELDS] = { va, pte };
  page_field(&f[2], pte_to_page(pte), 0);
  f[4] = unshare;
  emit(TRACE_COW_REUSE, f);
}

// fork shared the page of va: the parent's PTE is now pte.
void
__trace_fork_share(uint64 va, uint64 pte)
{
  emit_pte(TRACE_FORK_SHARE, va, pte);
}

// fork gave the child a copy of old: the child's PTE is pte.
void
__trace_fork_copy(uint64 va, uint64 pte, struct page *old)
{
  uint64 f[TRACE_NFIELDS] = { va, pte };
  page_field(&f[2], old, 0);
  page_field(&f[4], pte_to_page(pte), 0);
  emit(TRACE_FORK_COPY, f);
}

// GUP-fast took fast of the npages pages from start; the rest went to the
// slow path (a fallback) or failed.
void
__trace_gup_fast(uint64 start, int npages, int flags, int fast)
{
  uint64 f[TRACE_NFIELDS] = { start, npages, flags, fast };
  emit(TRACE_GUP_FAST, f);
}

// The slow path's answer for the page at va, under the flags it ended
// with (Dirty COW's retry drops FOLL_WRITE; 4.9's sets FOLL_COW).
void
__trace_gup_slow(uint64 va, int flags, int err, struct page *pg)
{
  uint64 f[TRACE_NFIELDS] = { va, flags, err };
  page_field(&f[3], pg, 0);
  emit(TRACE_GUP_SLOW, f);
}

void
__trace_pin(uint64 va, struct page *pg)
{
  uint64 f[TRACE_NFIELDS] = { va };
  page_field(&f[1], pg, 0);
  emit(TRACE_PIN, f);
}

void
__trace_unpin(struct page *pg)
{
  uint64 f[TRACE_NFIELDS];
  page_field(&f[0], pg, 0);
  emit(TRACE_UNPIN, f);
}

// clear_refs write-protected the PTE of va: now pte. (A page that may be
// pinned, which 5.11 leaves as it is, has no event.)
void
__trace_clear_refs_wp(uint64 va, uint64 pte)
{
  emit_pte(TRACE_CLEAR_REFS_WP, va, pte);
}

void
__trace_tlb_flush_local(uint64 start, uint64 end)
{
  uint64 f[TRACE_NFIELDS] = { start, end };
  emit(TRACE_TLB_FLUSH_LOCAL, f);
}

void
__trace_tlb_flush_remote(int cpu, uint64 start, uint64 end)
{
  uint64 f[TRACE_NFIELDS] = { cpu, start, end };
  emit(TRACE_TLB_FLUSH_REMOTE, f);
}

// A write-protect's TLB flush is deferred (done 0), or done at last (1).
void
__trace_tlb_flush_deferred(struct mm_struct *mm, int done)
{
  int event = done ? TRACE_TLB_FLUSH_DONE : TRACE_TLB_FLUSH_DEFERRED;
  uint64 f[TRACE_NFIELDS] = { __atomic_load_n(&mm->tlb_flush_pending, __ATOMIC_SEQ_CST) };
  if(trace_on(1UL << event))
    emit(event, f);
}

void
__trace_writeback(struct page *pg, int end)
{
  int event = end ? TRACE_WRITEBACK_END : TRACE_WRITEBACK_START;
  if(!trace_on(1UL << event))
    return;
  uint64 f[TRACE_NFIELDS] = { pg->index };
  page_field(end ? &f[0] : &f[1], pg, 0);
  emit(event, f);
}

// An O_DIRECT disk request went to the disk (done 0) or came back (1);
// its first segment's page stands for the pages it moves.
void
__trace_dio(struct blk_req *r, int done)
{
  int event = done ? TRACE_DIO_COMPLETE : TRACE_DIO_SUBMIT;
  if(!trace_on(1UL << event))
    return;
  uint64 f[TRACE_NFIELDS] = { r->sector, r->write, done ? r->error : r->nseg };
  page_field(&f[3], pfn_to_page(r->seg[0].pa >> PGSHIFT), 0);
  emit(event, f);
}

// vmsplice queued pg (from va, len bytes) in a pipe; len 0: the pipe
// dropped it (read, or the pipe freed).
void
__trace_vmsplice(struct page *pg, uint64 va, int len)
{
  int event = len ? TRACE_VMSPLICE_GET : TRACE_VMSPLICE_PUT;
  if(!trace_on(1UL << event))
    return;
  uint64 f[TRACE_NFIELDS] = { va, len };
  page_field(len ? &f[2] : &f[0], pg, 0);
  emit(event, f);
}

// A name of up to 24 chars in three fields.
static void
name_field(uint64 *f, const char *s)
{
  memset(f, 0, 3 * sizeof(uint64));
  safestrcpy((char *)f, s, 3 * sizeof(uint64));
}

// A race window (race.c) opens or closes: ms, its length at most.
void
__trace_race(const char *window, int ms, int close)
{
  uint64 f[TRACE_NFIELDS];
  name_field(f, window);
  f[3] = ms;
  emit(close ? TRACE_RACE_CLOSE : TRACE_RACE_OPEN, f);
}

// The trace program follows a command's processes through these two.
void
__trace_task_fork(struct proc *child, int thread)
{
  uint64 f[TRACE_NFIELDS] = { child->pid, thread };
  emit(TRACE_TASK_FORK, f);
}

void
__trace_task_exec(struct proc *p)
{
  uint64 f[TRACE_NFIELDS];
  name_field(f, p->name);
  emit(TRACE_TASK_EXEC, f);
}

// trace_ctl(op, arg): see trace.h and docs/syscalls.md.
static int
trace_ctl(int op, uint64 arg)
{
  switch(op){
  case TRACE_SET:
    if(arg & ~TRACE_ALL)
      return -EINVAL;
    return __atomic_exchange_n(&trace_mask, arg, __ATOMIC_SEQ_CST);
  case TRACE_CLEAR:
    for(int c = 0; c < ncpu; c++){
      acquire(&bufs[c].lock);
      bufs[c].head = bufs[c].tail = bufs[c].lost = 0;
      release(&bufs[c].lock);
    }
    return 0;
  case TRACE_LOST: {
    if(arg >= ncpu)
      return -EINVAL;
    acquire(&bufs[arg].lock);
    uint64 lost = bufs[arg].lost;
    release(&bufs[arg].lock);
    return lost > 0x7fffffff ? 0x7fffffff : lost;
  }
  case TRACE_TIMEBASE:
    return timebase;
  case TRACE_NCPU:
    return ncpu;
  }
  return -EINVAL;
}

// trace_read(cpu, buf, n): move up to n of hart cpu's oldest events to
// user buf, a page's worth at a time (the copy may fault, so not under
// the lock). Events taken but not copied (a bad buf) count as lost.
static int
trace_read(int cpu, uint64 ubuf, int n)
{
  if(cpu < 0 || cpu >= ncpu || n < 0)
    return -EINVAL;
  struct trace_entry *k = kalloc();
  if(k == 0)
    return -ENOMEM;
  struct trace_buf *b = &bufs[cpu];
  int done = 0, err = 0;
  while(done < n){
    int m = 0;
    acquire(&b->lock);
    for(; m < n - done && m < PGSIZE / sizeof(*k) && b->tail < b->head; m++)
      k[m] = *entry(b, b->tail++);
    release(&b->lock);
    if(m == 0)
      break;
    if((err = copyout(myproc()->mm->pgd, ubuf + done * sizeof(*k), (char *)k, m * sizeof(*k))) < 0){
      acquire(&b->lock);
      b->lost += m;
      release(&b->lock);
      break;
    }
    done += m;
  }
  kfree(k);
  return err < 0 ? err : done;
}

uint64
sys_trace_ctl(void)
{
  int op;
  uint64 arg;
  argint(0, &op);
  argaddr(1, &arg);
  return trace_ctl(op, arg);
}

uint64
sys_trace_read(void)
{
  int cpu, n;
  uint64 buf;
  argint(0, &cpu);
  argaddr(1, &buf);
  argint(2, &n);
  return trace_read(cpu, buf, n);
}
