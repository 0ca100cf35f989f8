// The pin_user_pages system call: pinned user memory as a file
// descriptor, the way a device (an RDMA NIC) holds memory registered with
// it. The frames are pinned (FOLL_PIN) at the call and stay pinned until
// the last close: read() returns what the frames hold now ("what the
// device sees"), write() stores into them ("the device writes"), lseek()
// moves within the range. A process may keep at most PIN_MAX pages pinned
// (Linux: RLIMIT_MEMLOCK).

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "fs.h"
#include "file.h"

// What one pin fd holds. Fits one page with its page array.
struct pinned {
  struct mm_struct *mm;   // accounted here (mmgrab), even after the process is gone
  uint64 offset;          // of the range's start in its first page
  uint64 len;             // bytes
  int npages;
  int flags;              // FOLL_WRITE, FOLL_LONGTERM
  struct page *pages[];
};

#define PIN_PAGES_MAX ((PGSIZE - sizeof(struct pinned)) / sizeof(struct page *))

// Charge n pinned pages to mm (negative: release). 0 or -ENOMEM.
static int
account_pinned(struct mm_struct *mm, int n)
{
  if(__atomic_add_fetch(&mm->pinned_vm, n, __ATOMIC_SEQ_CST) > PIN_MAX && n > 0){
    __atomic_sub_fetch(&mm->pinned_vm, n, __ATOMIC_SEQ_CST);
    return -ENOMEM;
  }
  return 0;
}

// pin_user_pages(addr, len, flags): a descriptor for the pinned range.
int
kpin_user_pages(uint64 addr, uint64 len, int flags)
{
  struct mm_struct *mm = myproc()->mm;
  if(len == 0 || (flags & ~(FOLL_WRITE | FOLL_LONGTERM)))
    return -EINVAL;
  if(addr >= MAXVA || len > MAXVA - addr)
    return -EFAULT;
  uint64 start = PGROUNDDOWN(addr);
  uint64 n = (PGROUNDUP(addr + len) - start) / PGSIZE;
  if(n > PIN_PAGES_MAX || account_pinned(mm, n) < 0)
    return -ENOMEM;

  int err = -ENOMEM;
  struct pinned *pin = kalloc();
  struct file *f = filealloc();
  if(pin == 0 || f == 0)
    goto bad;
  if((err = pin_user_pages_fast(start, n, flags, pin->pages)) < 0)
    goto bad;
  pin->mm = mm;
  mmgrab(mm);
  pin->offset = addr - start;
  pin->len = len;
  pin->npages = n;
  pin->flags = flags;
  f->type = FD_PIN;
  f->pin = pin;
  f->off = 0;
  f->readable = 1;
  f->writable = (flags & FOLL_WRITE) != 0;
  int fd = fdalloc(f);
  if(fd < 0)
    fileclose(f);   // unpins
  return fd;

 bad:
  account_pinned(mm, -n);
  if(pin)
    kfree(pin);
  if(f)
    fileclose(f);
  return err;
}

// The last close: unpin. Frames the device may have written are dirty
// (Linux: unpin_user_pages_dirty_lock).
void
pin_release(struct pinned *pin)
{
  for(int i = 0; i < pin->npages; i++){
    if(pin->flags & FOLL_WRITE)
      set_page_dirty(pin->pages[i]);
    unpin_user_page(pin->pages[i]);
  }
  account_pinned(pin->mm, -pin->npages);
  mmdrop(pin->mm);
  kfree(pin);
}

// read (to_user) or write n bytes at *off of the pinned range, as the
// device would: straight in the frames. Returns bytes moved or -EFAULT.
int
pin_rw(struct pinned *pin, uint *off, uint64 uaddr, int n, int to_user)
{
  int done = 0;
  if(*off >= pin->len)
    return 0;
  if(n > pin->len - *off)
    n = pin->len - *off;
  while(done < n){
    uint64 pos = pin->offset + *off;
    char *frame = (char *)page_address(pin->pages[pos / PGSIZE]) + pos % PGSIZE;
    int m = PGSIZE - pos % PGSIZE;
    if(m > n - done)
      m = n - done;
    pagetable_t pt = myproc()->mm->pgd;
    if((to_user ? copyout(pt, uaddr + done, frame, m) : copyin(pt, frame, uaddr + done, m)) < 0)
      return done ? done : -EFAULT;
    done += m;
    *off += m;
  }
  return done;
}

// lseek on a pin fd: within [0, len].
uint64
pin_size(struct pinned *pin)
{
  return pin->len;
}
