// exec(): replace the calling process's memory with a program from an ELF
// file. The old image is kept until the new one is complete, so that a
// failing exec can still return an error to its caller.

#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "proc.h"
#include "defs.h"
#include "elf.h"
#include "stat.h"
#include "fs.h"
#include "file.h"
#include "mm/mm_types.h"

// A segment's region flags. Text, data and stack are filled now, as in
// xv6; mprotect may change them later.
static uint
flags2vm(int flags)
{
  uint vm = VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  if(flags & ELF_PROG_FLAG_EXEC)
    vm |= VM_EXEC;
  if(flags & ELF_PROG_FLAG_WRITE)
    vm |= VM_WRITE;
  return vm;
}

// Add a region for [start, end) of mm and fill it with zeroed pages.
static int
add_region(struct mm_struct *mm, uint64 start, uint64 end, uint vm_flags, const char *name)
{
  int err = mmap_region(mm, 0, start, end - start, vm_flags, 0, name);
  if(err == 0)
    err = populate_range(find_vma(mm, start), start, end);
  return err;
}

// Load a program segment into pagetable at va, which must be page-aligned
// and already mapped.
static int
loadseg(pagetable_t pagetable, uint64 va, struct inode *ip, uint offset, uint sz)
{
  for(uint i = 0; i < sz; i += PGSIZE){
    uint64 pa = walkaddr(pagetable, va + i);
    if(pa == 0)
      panic("loadseg: address should exist");
    uint n = sz - i < PGSIZE ? sz - i : PGSIZE;
    if(readi(ip, __va(pa), offset+i, n) != n)
      return -ENOEXEC;
  }
  return 0;
}

// Push argv strings and the argv[] array onto the new stack. Returns the
// new sp (argv is at sp), or a negative errno.
static int64
push_args(pagetable_t pagetable, uint64 sp, uint64 stackbase, char **argv, uint64 *argc_out)
{
  uint64 ustack[MAXARG+1];
  uint64 argc;

  for(argc = 0; argv[argc]; argc++){
    if(argc >= MAXARG)
      return -E2BIG;
    sp -= strlen(argv[argc]) + 1;
    sp -= sp % 16; // riscv sp must be 16-byte aligned
    if(sp < stackbase)
      return -E2BIG;
    if(copyout(pagetable, sp, argv[argc], strlen(argv[argc]) + 1) < 0)
      return -EFAULT;
    ustack[argc] = sp;
  }
  ustack[argc] = 0;
  sp -= (argc+1) * sizeof(uint64);
  sp -= sp % 16;
  if(sp < stackbase)
    return -E2BIG;
  if(copyout(pagetable, sp, (char *)ustack, (argc+1)*sizeof(uint64)) < 0)
    return -EFAULT;
  *argc_out = argc;
  return sp;
}

// Returns argc (which lands in a0, main's first argument) or a negative errno.
int
kexec(char *path, char **argv)
{
  char *s, *last;
  int err;
  uint64 argc, sz = 0;
  int64 sp;
  struct elfhdr elf;
  struct inode *ip;
  struct proghdr ph;
  struct mm_struct *mm = 0, *oldmm;
  pagetable_t pagetable = 0;
  struct proc *p = myproc();

  begin_op();
  if((ip = namei_err(path, &err)) == 0){
    end_op();
    return err;
  }
  ilock(ip);

  err = -EACCES;   // a directory or a device, as Linux says
  if(ip->type != T_FILE)
    goto bad;
  err = -ENOEXEC;
  if(readi(ip, (char *)&elf, 0, sizeof(elf)) != sizeof(elf))
    goto bad;
  if(elf.magic != ELF_MAGIC)
    goto bad;
  err = -ENOMEM;
  if((mm = mm_alloc()) == 0)
    goto bad;
  pagetable = mm->pgd;

  for(int i = 0, off = elf.phoff; i < elf.phnum; i++, off += sizeof(ph)){
    err = -ENOEXEC;
    if(readi(ip, (char *)&ph, off, sizeof(ph)) != sizeof(ph))
      goto bad;
    if(ph.type != ELF_PROG_LOAD)
      continue;
    if(ph.memsz < ph.filesz || ph.vaddr + ph.memsz < ph.vaddr ||
       ph.vaddr % PGSIZE != 0 || ph.vaddr + ph.memsz > MAXVA || ph.vaddr < sz)
      goto bad;
    // As in xv6, the image is contiguous from 0: a gap before a segment
    // belongs to it.
    uint64 end = PGROUNDUP(ph.vaddr + ph.memsz);
    if(end > sz){
      if((err = add_region(mm, sz, end, flags2vm(ph.flags),
                           (ph.flags & ELF_PROG_FLAG_EXEC) ? "[text]" : "[data]")) < 0)
        goto bad;
      sz = end;
    }
    if((err = loadseg(pagetable, ph.vaddr, ip, ph.off, ph.filesz)) < 0)
      goto bad;
  }
  iunlockput(ip);
  end_op();
  ip = 0;

  // The stack: USERSTACK pages above a guard page that no region covers.
  // The heap starts above it, empty.
  sz += (USERSTACK+1)*PGSIZE;
  if((err = add_region(mm, sz - USERSTACK*PGSIZE, sz, VM_READ | VM_WRITE | VM_MAYREAD |
                       VM_MAYWRITE | VM_MAYEXEC, "[stack]")) < 0)
    goto bad;
  mm->start_brk = mm->brk = sz;

  if((sp = push_args(pagetable, sz, sz - USERSTACK*PGSIZE, argv, &argc)) < 0){
    err = sp;
    goto bad;
  }

  // a1 = argv for main(argc, argv); a0 = argc is the return value.
  p->trapframe.a1 = sp;

  for(last = s = path; *s; s++)
    if(*s == '/')
      last = s+1;
  safestrcpy(p->name, last, sizeof(p->name));

  // Commit to the new image: the process's other threads end first.
  // This hart runs on the old page table: move to the new one before
  // freeing it.
  if((err = exec_zap_threads()) < 0)
    goto bad;
  oldmm = p->mm;
  acquire(&p->lock);   // others look at p->mm under it; no preemption between
  p->mm = mm;
  switch_mm(mm);
  release(&p->lock);
  p->trapframe.epc = elf.entry;
  p->trapframe.sp = sp;
  p->fp_used = 0;   // the new program starts with the FPU off
  asm volatile("fence.i");   // the new program was written by stores
  if(oldmm)   // the first process has none
    mmput(oldmm);
  trace_task_exec(p);
  return argc;

 bad:
  if(mm)
    mmput(mm);
  if(ip){
    iunlockput(ip);
    end_op();
  }
  return err;
}
