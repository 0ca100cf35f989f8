// exec(): replace the calling process's memory with a program from an ELF
// file. The old image is kept until the new one is complete, so that a
// failing exec can still return an error to its caller.

#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "elf.h"
#include "stat.h"
#include "sleeplock.h"
#include "fs.h"
#include "file.h"

static int
flags2perm(int flags)
{
  int perm = 0;
  if(flags & ELF_PROG_FLAG_EXEC)
    perm = PTE_X;
  if(flags & ELF_PROG_FLAG_WRITE)
    perm |= PTE_W;
  return perm;
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
    if(readi(ip, 0, (uint64)__va(pa), offset+i, n) != n)
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
  if(readi(ip, 0, (uint64)&elf, 0, sizeof(elf)) != sizeof(elf))
    goto bad;
  if(elf.magic != ELF_MAGIC)
    goto bad;
  err = -ENOMEM;
  if((mm = mm_alloc()) == 0)
    goto bad;
  pagetable = mm->pgd;

  for(int i = 0, off = elf.phoff; i < elf.phnum; i++, off += sizeof(ph)){
    err = -ENOEXEC;
    if(readi(ip, 0, (uint64)&ph, off, sizeof(ph)) != sizeof(ph))
      goto bad;
    if(ph.type != ELF_PROG_LOAD)
      continue;
    if(ph.memsz < ph.filesz || ph.vaddr + ph.memsz < ph.vaddr ||
       ph.vaddr % PGSIZE != 0 || ph.vaddr + ph.memsz > MAXVA)
      goto bad;
    uint64 sz1;
    err = -ENOMEM;
    if((sz1 = uvmalloc(pagetable, sz, ph.vaddr + ph.memsz, flags2perm(ph.flags))) == 0)
      goto bad;
    sz = sz1;
    if((err = loadseg(pagetable, ph.vaddr, ip, ph.off, ph.filesz)) < 0)
      goto bad;
  }
  iunlockput(ip);
  end_op();
  ip = 0;

  // The stack: USERSTACK pages above an inaccessible guard page.
  sz = PGROUNDUP(sz);
  uint64 sz1;
  err = -ENOMEM;
  if((sz1 = uvmalloc(pagetable, sz, sz + (USERSTACK+1)*PGSIZE, PTE_W)) == 0)
    goto bad;
  sz = sz1;
  uvmclear(pagetable, sz - (USERSTACK+1)*PGSIZE);

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

  // Commit to the new image. This hart runs on the old page table: move
  // to the new one before freeing it.
  oldmm = p->mm;
  mm->brk = sz;
  p->mm = mm;
  p->trapframe.epc = elf.entry;
  p->trapframe.sp = sp;
  p->fp_used = 0;   // the new program starts with the FPU off
  w_satp(MAKE_SATP(__pa(pagetable)));
  sfence_vma();
  asm volatile("fence.i");   // the new program was written by stores
  mmput(oldmm);
  return argc;

 bad:
  if(mm){
    mm->brk = sz;
    mmput(mm);
  }
  if(ip){
    iunlockput(ip);
    end_op();
  }
  return err;
}
