// Process-related system calls.

#include "types.h"
#include "riscv.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

uint64
sys_exit(void)
{
  int n;
  argint(0, &n);
  kexit(n);
  return 0;  // not reached
}

uint64
sys_getpid(void)
{
  return myproc()->leader->pid;   // the process: the same in all its threads
}

// gettid(): the calling thread's id (its main thread's is the pid).
uint64
sys_gettid(void)
{
  return myproc()->pid;
}

// clone(entry, arg, stack): a new thread; see kclone.
uint64
sys_clone(void)
{
  uint64 entry, arg, stack;
  argaddr(0, &entry);
  argaddr(1, &arg);
  argaddr(2, &stack);
  return kclone(entry, arg, stack);
}

uint64
sys_thread_exit(void)
{
  int n;
  argint(0, &n);
  kthread_exit(n);
  return 0;  // not reached
}

// thread_join(tid, int *status)
uint64
sys_thread_join(void)
{
  int tid;
  uint64 addr;
  argint(0, &tid);
  argaddr(1, &addr);
  return kthread_join(tid, addr);
}

uint64
sys_fork(void)
{
  return kfork();
}

uint64
sys_wait(void)
{
  uint64 p;
  argaddr(0, &p);
  return kwait(p);
}

// sbrk(n, type): grow (or shrink) memory by n bytes; returns the old break.
// type SBRK_LAZY (2) only moves the break: pages come on first touch.
// Anything else is xv6's eager sbrk.
#define SBRK_LAZY 2
uint64
sys_sbrk(void)
{
  int n, type;

  argint(0, &n);
  argint(1, &type);
  return do_brk(myproc()->mm, n, type != SBRK_LAZY);
}

// sleep(n): n ticks (TICK_HZ per second). -EINTR if killed meanwhile.
uint64
sys_sleep(void)
{
  int n;

  argint(0, &n);
  if(n < 0)
    n = 0;
  acquire(&tickslock);
  uint ticks0 = ticks;
  while(ticks - ticks0 < (uint)n){
    if(killed(myproc())){
      release(&tickslock);
      return -EINTR;
    }
    sleep(&ticks, &tickslock);
  }
  release(&tickslock);
  return 0;
}

uint64
sys_kill(void)
{
  int pid;
  argint(0, &pid);
  return kkill(pid);
}

// Ticks since boot.
uint64
sys_uptime(void)
{
  acquire(&tickslock);
  uint xticks = ticks;
  release(&tickslock);
  return xticks;
}

// poweroff(reboot): write back dirty page-cache pages (the log commits
// every other operation already) and ask the firmware to power off, or to
// reboot when reboot is 1.
uint64
sys_poweroff(void)
{
  int reboot;
  argint(0, &reboot);
  if(reboot != 0 && reboot != 1)
    return -EINVAL;
  sync_all();
  printf("cowpin: %s\n", reboot ? "rebooting" : "powering off");
  sbi_shutdown(reboot);
}

// vmstat(struct vmstat_entry *out, int max): the memory counters.
uint64
sys_vmstat(void)
{
  uint64 out;
  int max;
  argaddr(0, &out);
  argint(1, &max);
  return vmstat_copyout(out, max);
}

// vmas(pid, struct vma_info *out, int max): process pid's memory regions.
uint64
sys_vmas(void)
{
  int pid, max;
  uint64 out;
  argint(0, &pid);
  argaddr(1, &out);
  argint(2, &max);
  return task_vmas(pid, out, max);
}

// The arguments (pid, va, npages, out) of pageinfo and pagemap, for fn.
static uint64
pages_call(int (*fn)(int, uint64, int, uint64))
{
  int pid, npages;
  uint64 va, out;
  argint(0, &pid);
  argaddr(1, &va);
  argint(2, &npages);
  argaddr(3, &out);
  return fn(pid, va, npages, out);
}

// pageinfo(pid, va, npages, struct page_info *out): PTE and struct page
// of each page, for vmmap.
uint64
sys_pageinfo(void)
{
  return pages_call(task_pageinfo);
}

// clear_refs(pid, mode): mode 4 clears soft-dirty (task_mmu.c).
uint64
sys_clear_refs(void)
{
  int pid, mode;
  argint(0, &pid);
  argint(1, &mode);
  return task_clear_refs(pid, mode);
}

// pagemap(pid, va, npages, uint64 *out): Linux's pagemap entries.
uint64
sys_pagemap(void)
{
  return pages_call(task_pagemap);
}

// memwrite(pid, va, buf, n): see task_memwrite.
uint64
sys_memwrite(void)
{
  int pid, n;
  uint64 va, buf;
  argint(0, &pid);
  argaddr(1, &va);
  argaddr(2, &buf);
  argint(3, &n);
  return task_memwrite(pid, va, buf, n);
}
