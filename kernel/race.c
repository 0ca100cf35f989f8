// Race windows for the reproducers (knob race_delay_ms, docs/history.md):
// teaching scaffolding, kept out of the core paths' way. Each window is one
// named call in the path it widens; its state and its logic live here.
// With race_delay_ms 0 (the default) every call returns at once and the
// kernel behaves as if they were not there.
//
// A window spins with interrupts on: the other side of the race runs on
// another hart, or on this one when the timer preempts this thread (make a
// window at least a tick, 100 ms, for that). Yielding in a loop instead
// would send threads hopping between harts, and a thread that moves loses
// its TLB (stale_tlb needs it kept). Never called with a spinlock held.
//
// The reproducers run one at a time, so the windows' state is global, not
// kept per address space.

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "mm/mm_types.h"

// gup_fast_fork's rendezvous: a long-term GUP-fast pinner of mm waits at
// pin_va for a fork of mm to stand in its window at that page (fork_va).
// Atomics.
static struct mm_struct *pin_mm;
static uint64 pin_va, fork_va;
// Write faults done (a COW copy, a reuse, or lost to another thread):
// clear_refs's window ends at one. Atomic.
static uint64 wp_faults;

static uint64
window_end(int n)
{
  return r_time() + (timebase / 1000) * n * knob(K_RACE_DELAY_MS);
}

// Wait until *word is no longer val (word 0: never), for at most n times
// race_delay_ms; 1 if it changed. The trace shows the window by name.
static int
race_wait(const char *window, uint64 *word, uint64 val, int n)
{
  int ms = n * knob(K_RACE_DELAY_MS), changed = 0;
  if(ms == 0)
    return 0;
  trace_race(window, ms, 0);
  uint64 end = window_end(n);
  while(r_time() < end && !changed)
    changed = word && __atomic_load_n(word, __ATOMIC_SEQ_CST) != val;
  trace_race(window, ms, 1);
  return changed;
}

// Widen a race window to n times race_delay_ms (race_delay in defs.h
// names it after its caller): dirtycow's (after the COW fault of a forced
// write, in __get_user_pages), clear_refs_dio's (O_DIRECT between taking
// the pages and the I/O, in direct_rw), diotest stable_pages' (a slow disk
// under writeback, in write_one_page).
void
race_delay_at(int n, const char *window)
{
  race_wait(window, 0, 0, n);
}

// gup_fast_fork's window in fork (copy_one_pte), between deciding to
// share the page at va (it is not pinned) and write-protecting it: if a
// long-term GUP-fast pinner waits for exactly this page, fork lets it pin
// now (page-table locks dropped). Returns 0 if the PTE changed meanwhile
// (fork holds mmap_lock for writing, but truncate unmaps file pages
// without it): then fork starts the page over.
int
__race_fork_share(struct mm_struct *mm, struct mm_struct *child, uint64 va, pte_t *pte)
{
  if(__atomic_load_n(&pin_mm, __ATOMIC_SEQ_CST) != mm ||
     __atomic_load_n(&pin_va, __ATOMIC_SEQ_CST) != va)
    return 1;
  pte_t orig = *pte;
  release(&child->page_table_lock);
  release(&mm->page_table_lock);
  __atomic_store_n(&fork_va, va, __ATOMIC_SEQ_CST);
  race_delay_at(1, "fork_share");
  __atomic_store_n(&fork_va, 0, __ATOMIC_SEQ_CST);
  acquire(&mm->page_table_lock);
  acquire(&child->page_table_lock);
  return *pte == orig;
}

// gup_fast_fork's pinner, at the top of gup_fast_one: a long-term pin
// waits until a fork of mm stands in its window at va. A fork that comes
// within the wait meets the pinner here, before it reads anything; a later
// one (gup_fast_fork late) meets it in grab_page (race_gup_fast_pin), after
// it has read everything, just before it pins.
void
race_gup_fast_fork(struct mm_struct *mm, uint64 va, int flags)
{
  if((flags & (FOLL_PIN | FOLL_LONGTERM)) != (FOLL_PIN | FOLL_LONGTERM) || !knob(K_RACE_DELAY_MS))
    return;
  __atomic_store_n(&pin_va, va, __ATOMIC_SEQ_CST);
  __atomic_store_n(&pin_mm, mm, __ATOMIC_SEQ_CST);
  if(race_wait("gup_fast_fork", &fork_va, 0, 4))
    __atomic_store_n(&pin_mm, 0, __ATOMIC_SEQ_CST);
}

// gup_fast_fork's late pin, in grab_page: a pinner that no fork met at the
// top of gup_fast_one waits for a fork to stand in its window at va, and
// then pins the page the fork looked at.
void
race_gup_fast_pin(struct mm_struct *mm, uint64 va)
{
  if(va == 0 || __atomic_load_n(&pin_mm, __ATOMIC_SEQ_CST) != mm ||
     __atomic_load_n(&pin_va, __ATOMIC_SEQ_CST) != va)
    return;
  race_wait("gup_fast_pin", &fork_va, 0, 4);
  __atomic_store_n(&pin_mm, 0, __ATOMIC_SEQ_CST);
}

// ro_pin_gupfast's window: GUP-fast, about to take its reference to pg
// for a short-term read-only pin, waits (at most 4 times race_delay_ms)
// until a whole fork of mm has run: write_protect_seq, odd while fork
// copies the page tables, reaches the next even value. Only where such a
// fork leaves no trace in the PTE: pg is exclusive and mapped read-only,
// so fork shares it (it is not pinned yet), clears its exclusive bit and
// leaves the PTE as it was. What GUP-fast learnt of pg before this call
// may then be stale; what it learns after taking the reference is not.
void
race_gup_fast_grab(struct mm_struct *mm, pte_t pte, struct page *pg, int flags)
{
  if(!knob(K_RACE_DELAY_MS) || (flags & (FOLL_PIN | FOLL_WRITE | FOLL_LONGTERM)) != FOLL_PIN ||
     (pte & PTE_W) || !PageAnonExclusive(pg))
    return;
  uint done = (__atomic_load_n(&mm->write_protect_seq, __ATOMIC_SEQ_CST) + 2) & ~1U;
  uint64 end = window_end(4);
  trace_race("gup_fast_grab", 4 * knob(K_RACE_DELAY_MS), 0);
  while(r_time() < end && (int)(__atomic_load_n(&mm->write_protect_seq, __ATOMIC_SEQ_CST) - done) < 0)
    ;
  trace_race("gup_fast_grab", 4 * knob(K_RACE_DELAY_MS), 1);
}

// stale_tlb's window in a COW copy: while a write-protect's TLB flush is
// pending, copy half of old into new, wait, copy the other half. A write
// that reaches old through a stale TLB entry meanwhile misses the copy.
// Returns 0 (nothing done: the caller copies the page) outside it.
int
race_cow_copy(struct page *new, struct page *old, int pending)
{
  if(!pending || !knob(K_RACE_DELAY_MS))
    return 0;
  memmove(page_address(new), page_address(old), PGSIZE / 2);
  race_delay_at(1, "cow_copy");
  memmove(page_address(new) + PGSIZE / 2, page_address(old) + PGSIZE / 2, PGSIZE / 2);
  return 1;
}

// A write fault is done (do_wp_page): ends clear_refs's window.
void
race_wp_fault_done(void)
{
  __atomic_add_fetch(&wp_faults, 1, __ATOMIC_SEQ_CST);
}

// stale_tlb's window in clear_refs, and uffd_wp_tlb's in
// UFFDIO_WRITEPROTECT (change_protection), between write-protecting and
// the deferred flush: until a write fault has run its course in it (a copy
// it made is mapped by then), or three times wp_page_copy's window.
// faults: race_wp_faults() when the write-protect began.
uint64
race_wp_faults(void)
{
  return __atomic_load_n(&wp_faults, __ATOMIC_SEQ_CST);
}

void
race_clear_refs(uint64 faults)
{
  race_wait("clear_refs", &wp_faults, faults, 3);
}
