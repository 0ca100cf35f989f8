// System-call dispatch and argument fetching.

#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "syscall.h"
#include "defs.h"

// Fetch the uint64 at user addr. 0 or -EFAULT.
int
fetchaddr(uint64 addr, uint64 *ip)
{
  struct proc *p = myproc();
  if(addr >= p->mm->brk || addr + sizeof(uint64) > p->mm->brk)
    return -EFAULT;
  return copyin(p->mm->pgd, (char *)ip, addr, sizeof(*ip));
}

// Fetch the NUL-terminated string at user addr. Returns its length, or
// -EFAULT / -ENAMETOOLONG.
int
fetchstr(uint64 addr, char *buf, int max)
{
  struct proc *p = myproc();
  int err = copyinstr(p->mm->pgd, buf, addr, max);
  return err < 0 ? err : strlen(buf);
}

static uint64
argraw(int n)
{
  struct trapframe *tf = &myproc()->trapframe;
  switch(n){
  case 0: return tf->a0;
  case 1: return tf->a1;
  case 2: return tf->a2;
  case 3: return tf->a3;
  case 4: return tf->a4;
  case 5: return tf->a5;
  }
  panic("argraw");
}

void
argint(int n, int *ip)
{
  *ip = argraw(n);
}

// A pointer argument. Not checked here: copyin/copyout check it.
void
argaddr(int n, uint64 *ip)
{
  *ip = argraw(n);
}

// A string argument, copied into buf. Length, or a negative errno.
int
argstr(int n, char *buf, int max)
{
  uint64 addr;
  argaddr(n, &addr);
  return fetchstr(addr, buf, max);
}

extern uint64 sys_fork(void);
extern uint64 sys_exit(void);
extern uint64 sys_wait(void);
extern uint64 sys_pipe(void);
extern uint64 sys_read(void);
extern uint64 sys_kill(void);
extern uint64 sys_exec(void);
extern uint64 sys_fstat(void);
extern uint64 sys_chdir(void);
extern uint64 sys_dup(void);
extern uint64 sys_getpid(void);
extern uint64 sys_sbrk(void);
extern uint64 sys_sleep(void);
extern uint64 sys_uptime(void);
extern uint64 sys_open(void);
extern uint64 sys_write(void);
extern uint64 sys_mknod(void);
extern uint64 sys_unlink(void);
extern uint64 sys_link(void);
extern uint64 sys_mkdir(void);
extern uint64 sys_close(void);
extern uint64 sys_poweroff(void);
extern uint64 sys_vmstat(void);
extern uint64 sys_vmas(void);
extern uint64 sys_pageinfo(void);
extern uint64 sys_mmap(void);
extern uint64 sys_munmap(void);
extern uint64 sys_mprotect(void);
extern uint64 sys_madvise(void);
extern uint64 sys_msync(void);
extern uint64 sys_fsync(void);
extern uint64 sys_clone(void);
extern uint64 sys_thread_exit(void);
extern uint64 sys_thread_join(void);
extern uint64 sys_gettid(void);
extern uint64 sys_pin_user_pages(void);
extern uint64 sys_lseek(void);
extern uint64 sys_clear_refs(void);
extern uint64 sys_pagemap(void);
extern uint64 sys_vmsplice(void);
extern uint64 sys_vmknob(void);
extern uint64 sys_memwrite(void);
extern uint64 sys_failinject(void);
extern uint64 sys_trace_ctl(void);
extern uint64 sys_trace_read(void);
extern uint64 sys_userfaultfd(void);
extern uint64 sys_ioctl(void);
extern uint64 sys_kcheck(void);

static uint64 (*syscalls[])(void) = {
[SYS_fork]    sys_fork,
[SYS_exit]    sys_exit,
[SYS_wait]    sys_wait,
[SYS_pipe]    sys_pipe,
[SYS_read]    sys_read,
[SYS_kill]    sys_kill,
[SYS_exec]    sys_exec,
[SYS_fstat]   sys_fstat,
[SYS_chdir]   sys_chdir,
[SYS_dup]     sys_dup,
[SYS_getpid]  sys_getpid,
[SYS_sbrk]    sys_sbrk,
[SYS_sleep]   sys_sleep,
[SYS_uptime]  sys_uptime,
[SYS_open]    sys_open,
[SYS_write]   sys_write,
[SYS_mknod]   sys_mknod,
[SYS_unlink]  sys_unlink,
[SYS_link]    sys_link,
[SYS_mkdir]   sys_mkdir,
[SYS_close]   sys_close,
[SYS_poweroff] sys_poweroff,
[SYS_vmstat]  sys_vmstat,
[SYS_vmas]    sys_vmas,
[SYS_pageinfo] sys_pageinfo,
[SYS_mmap]    sys_mmap,
[SYS_munmap]  sys_munmap,
[SYS_mprotect] sys_mprotect,
[SYS_madvise] sys_madvise,
[SYS_msync]   sys_msync,
[SYS_fsync]   sys_fsync,
[SYS_clone]   sys_clone,
[SYS_thread_exit] sys_thread_exit,
[SYS_thread_join] sys_thread_join,
[SYS_gettid]  sys_gettid,
[SYS_pin_user_pages] sys_pin_user_pages,
[SYS_lseek]   sys_lseek,
[SYS_clear_refs] sys_clear_refs,
[SYS_pagemap] sys_pagemap,
[SYS_vmsplice] sys_vmsplice,
[SYS_vmknob]  sys_vmknob,
[SYS_memwrite] sys_memwrite,
[SYS_failinject] sys_failinject,
[SYS_trace_ctl] sys_trace_ctl,
[SYS_trace_read] sys_trace_read,
[SYS_userfaultfd] sys_userfaultfd,
[SYS_ioctl]   sys_ioctl,
[SYS_kcheck]  sys_kcheck,
};

void
syscall(void)
{
  struct proc *p = myproc();
  uint64 num = p->trapframe.a7;

  if(num > 0 && num < NELEM(syscalls) && syscalls[num]){
    p->io_error = 0;
    long r = syscalls[num]();
    // A call that failed after a disk error failed because of it (a
    // directory block that could not be read is not "no such file").
    if(p->io_error && r < 0 && r >= -4095)
      r = -EIO;
    p->trapframe.a0 = r;
  } else
    p->trapframe.a0 = -ENOSYS;
}
