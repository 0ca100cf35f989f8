// TLB shootdown (Linux: arch/riscv/mm/tlbflush.c). A hart caches
// translations in its TLB; after a PTE is downgraded (write-protected,
// unmapped, replaced by a COW copy) every hart that may still cache the
// old one must flush it before the change counts as done, or a thread
// there keeps writing through the stale entry.
//
// mm->cpumask has a bit for each cpu running on mm's page table
// (switch_mm); a cpu that leaves it flushes its whole TLB. The remote
// flush is SBI's RFENCE call, which returns once the other hart has run
// sfence.vma: it needs no interrupt from us, so it also works while this
// hart holds spinlocks with interrupts off.

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../sleeplock.h"
#include "../proc.h"
#include "../defs.h"
#include "mm_types.h"

#define FLUSH_ALL_PAGES 64   // a longer range flushes the whole TLB

void
flush_tlb_range(struct mm_struct *mm, uint64 start, uint64 end)
{
  push_off();
  uint64 me = 1UL << cpuid();
  // Order the PTE stores before reading which cpus use mm: a cpu that
  // starts using it after this read flushes its TLB as it does so.
  uint64 users = __atomic_load_n(&mm->cpumask, __ATOMIC_SEQ_CST);
  // This hart too caches mm's translations only if it runs on mm's table
  // (the kernel reaches user memory through the page table, never through
  // user addresses): a fork's child, or an exiting process's mm, needs no
  // fence here.
  if(users & me){
    if(end - start > FLUSH_ALL_PAGES * PGSIZE)
      sfence_vma();
    else
      for(uint64 va = start; va < end; va += PGSIZE)
        sfence_vma_page(va);
    trace_tlb_flush_local(start, end);
  }
  uint64 others = users & ~me;
  pop_off();
  for(int c = 0; c < ncpu; c++){
    if(others & (1UL << c)){
      sbi_remote_sfence_vma(c, start, end - start);
      count_vm_event(TLB_SHOOTDOWN);
      trace_tlb_flush_remote(c, start, end);
    }
  }
}
