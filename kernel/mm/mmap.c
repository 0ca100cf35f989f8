// Regions of an address space and the mmap family of system calls
// (Linux: mm/mmap.c, mm/mprotect.c, mm/madvise.c, mm/msync.c).
//
// A process's memory is a sorted list of regions (struct vm_area_struct):
// exec makes the text, data and stack regions, sbrk grows "[heap]", mmap
// adds the rest. A page fault is legal only inside a region that allows
// the access (memory.c). Changes to the list hold mmap_lock for writing.

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../sleeplock.h"
#include "../proc.h"
#include "../fcntl.h"
#include "../stat.h"
#include "../defs.h"
#include "../fs.h"
#include "../file.h"
#include "mm_types.h"

#define MAX_MAP_COUNT 128          // regions per address space (Linux: vm.max_map_count)

static const char heap_name[] = "[heap]";
#define MMAP_TOP      MAXVA        // mmap places regions top-down from here

static struct {
  struct spinlock lock;
  struct vm_area_struct *free;
  struct vm_area_struct pool[NVMA];
} vmas;

void
vma_init(void)
{
  initlock(&vmas.lock, "vmas");
  for(int i = 0; i < NVMA; i++){
    vmas.pool[i].vm_next = vmas.free;
    vmas.free = &vmas.pool[i];
  }
}

static struct vm_area_struct*
vm_area_alloc(struct mm_struct *mm)
{
  if(mm->map_count >= MAX_MAP_COUNT)
    return 0;
  acquire(&vmas.lock);
  struct vm_area_struct *vma = vmas.free;
  if(vma)
    vmas.free = vma->vm_next;
  release(&vmas.lock);
  if(vma){
    memset(vma, 0, sizeof(*vma));
    vma->vm_mm = mm;
  }
  return vma;
}

// Drop what a region holds (its file, its shared object) and free it.
static void
vm_area_free(struct vm_area_struct *vma)
{
  if(vma->vm_file)
    fileclose(vma->vm_file);
  else if(vma->vm_mapping)
    shmem_put(vma->vm_mapping);
  acquire(&vmas.lock);
  vma->vm_next = vmas.free;
  vmas.free = vma;
  release(&vmas.lock);
}

// The first region that ends above addr, or 0 (Linux: find_vma). addr is
// inside it only if vma->vm_start <= addr.
struct vm_area_struct*
find_vma(struct mm_struct *mm, uint64 addr)
{
  for(struct vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next)
    if(vma->vm_end > addr)
      return vma;
  return 0;
}

// Put vma in mm's sorted list.
static void
vma_link_list(struct mm_struct *mm, struct vm_area_struct *vma)
{
  struct vm_area_struct **pp = &mm->mmap;
  while(*pp && (*pp)->vm_start < vma->vm_start)
    pp = &(*pp)->vm_next;
  vma->vm_next = *pp;
  *pp = vma;
  mm->map_count++;
}

// ... and in its mapping's reverse map.
static void
vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
{
  vma_link_list(mm, vma);
  vma_link_mapping(vma);
}

static void
vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
  struct vm_area_struct **pp = &mm->mmap;
  while(*pp != vma)
    pp = &(*pp)->vm_next;
  *pp = vma->vm_next;
  mm->map_count--;
  vma_unlink_mapping(vma);
}

// A copy of vma for mm (Linux: vm_area_dup), holding its own reference
// to the file or shared object behind it; not linked anywhere. 0 if no
// region is free.
static struct vm_area_struct*
vm_area_dup(struct mm_struct *mm, struct vm_area_struct *vma)
{
  struct vm_area_struct *new = vm_area_alloc(mm);
  if(new == 0)
    return 0;
  *new = *vma;
  new->vm_mm = mm;
  if(new->vm_file)
    filedup(new->vm_file);
  else if(new->vm_mapping)
    __atomic_add_fetch(&new->vm_mapping->shmem_refs, 1, __ATOMIC_SEQ_CST);
  return new;
}

// Split vma at addr (strictly inside it) into two regions. 0 or -ENOMEM.
static int
split_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64 addr)
{
  struct vm_area_struct *new = vm_area_dup(mm, vma);
  if(new == 0)
    return -ENOMEM;
  split_huge_pmd_address(vma, addr);   // a huge PMD lies in one region
  new->vm_start = addr;
  new->vm_pgoff += (addr - vma->vm_start) / PGSIZE;
  // The reverse map must see [addr, end) in one of the two at every
  // moment (writeback and truncate walk it without mmap_lock).
  i_mmap_lock();
  vma->vm_end = addr;
  vma_link_mapping_locked(new);
  i_mmap_unlock();
  vma_link_list(mm, new);
  return 0;
}

// Split the regions around [start, end) so that each region is wholly in
// or out of it. 0 or -ENOMEM.
int
split_range(struct mm_struct *mm, uint64 start, uint64 end)
{
  struct vm_area_struct *vma = find_vma(mm, start);
  if(vma && vma->vm_start < start){
    int err = split_vma(mm, vma, start);
    if(err)
      return err;
  }
  vma = find_vma(mm, end);
  if(vma && vma->vm_start < end)
    return split_vma(mm, vma, end);
  return 0;
}

// Does [start, end) lie wholly in regions, without holes?
static int
range_mapped(struct mm_struct *mm, uint64 start, uint64 end)
{
  uint64 a = start;
  for(struct vm_area_struct *vma = find_vma(mm, start); vma && a < end; vma = vma->vm_next){
    if(vma->vm_start > a)
      return 0;
    a = vma->vm_end;
  }
  return a >= end;
}

// Write back the dirty pages that [start, end) of a shared file region
// maps. 0 or a negative errno.
int
vma_writeback(struct vm_area_struct *vma, uint64 start, uint64 end)
{
  if(!(vma->vm_flags & VM_SHARED) || vma->vm_file == 0)
    return 0;
  uint64 first = vma->vm_pgoff + (start - vma->vm_start) / PGSIZE;
  return filemap_write_range(vma->vm_mapping, first, first + (end - start) / PGSIZE);
}

// Take a whole region out of mm: unmap its pages (unless exit_mmap has
// unmapped them all already), write back what it dirtied in a shared
// file, and free it.
static void
remove_vma(struct mm_struct *mm, struct vm_area_struct *vma, int unmapped)
{
  vma_unlink(mm, vma);
  if(!unmapped)
    zap_page_range(vma, vma->vm_start, vma->vm_end);
  vma_writeback(vma, vma->vm_start, vma->vm_end);
  vm_area_free(vma);
}

// Unmap [start, start+len) (Linux: do_munmap). Holes are fine. The caller
// holds mmap_lock for writing and has checked the arguments. 0 or -ENOMEM
// (no region left to split one).
int
do_munmap(struct mm_struct *mm, uint64 start, uint64 len)
{
  uint64 end = start + len;
  int err = split_range(mm, start, end);
  if(err)
    return err;
  struct vm_area_struct *vma = find_vma(mm, start);
  while(vma && vma->vm_start < end){
    struct vm_area_struct *next = vma->vm_next;
    remove_vma(mm, vma, 0);
    vma = next;
  }
  return 0;
}

// Add a region for [addr, addr+len), which must be free: anonymous if f
// is 0 (shared anonymous memory gets its own page cache), else mapping f
// from page pgoff. name labels it for vmmap. 0 or -ENOMEM.
int
mmap_region(struct mm_struct *mm, struct file *f, uint64 addr, uint64 len,
            uint vm_flags, uint64 pgoff, const char *name)
{
  struct vm_area_struct *vma = vm_area_alloc(mm);
  if(vma == 0)
    return -ENOMEM;
  vma->vm_start = addr;
  vma->vm_end = addr + len;
  vma->vm_flags = vm_flags | VM_SOFTDIRTY;   // a new mapping is soft-dirty
  vma->vm_pgoff = pgoff;
  vma->vm_name = name;
  if(f){
    vma->vm_file = filedup(f);
    vma->vm_mapping = &f->ip->i_data;
  } else if(vm_flags & VM_SHARED){
    if((vma->vm_mapping = shmem_alloc()) == 0){
      vm_area_free(vma);
      return -ENOMEM;
    }
  }
  vma_link(mm, vma);
  return 0;
}

// Is [addr, addr+len) free of regions?
static int
range_free(struct mm_struct *mm, uint64 addr, uint64 len)
{
  struct vm_area_struct *vma = find_vma(mm, addr);
  return vma == 0 || vma->vm_start >= addr + len;
}

// Where a new region of len bytes goes: at the hint if it is free, else
// at the highest multiple of align that fits in a gap above the heap
// (Linux's top-down layout; the heap grows up towards it). 0 if there is
// no room.
static uint64
get_unmapped_area(struct mm_struct *mm, uint64 hint, uint64 len, uint64 align)
{
  uint64 low = PGROUNDUP(mm->brk);
  hint = PGROUNDUP(hint);
  if(hint >= low && hint <= MMAP_TOP - len && range_free(mm, hint, len))
    return hint;
  uint64 best = 0, gap_start = 0;
  for(struct vm_area_struct *vma = mm->mmap; ; vma = vma->vm_next){
    uint64 gap_end = vma ? vma->vm_start : MMAP_TOP;
    if(gap_start < low)
      gap_start = low;
    if(gap_end > gap_start && gap_end - gap_start >= len &&
       ((gap_end - len) & ~(align - 1)) >= gap_start)
      best = (gap_end - len) & ~(align - 1);
    if(vma == 0)
      return best;
    gap_start = vma->vm_end;
  }
}

// The alignment a new region gets. Private anonymous memory whose length
// is a whole number of huge pages, placed by the kernel (no hint), starts
// on a 2 MiB boundary, so that every 2 MiB of it can be a transparent huge
// page (Linux: efa7df3e3bb5 aligned larger anonymous mappings, and
// d4148aeab412 limited it to such lengths). Anything else: a page.
static uint64
mmap_align(uint64 hint, uint64 len, int type, struct file *f)
{
  if(f == 0 && type == MAP_PRIVATE && hint == 0 && len % HPAGE_PMD_SIZE == 0)
    return HPAGE_PMD_SIZE;
  return PGSIZE;
}

#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)

// Round len up to pages; 0 if that overflows or leaves the address space.
static uint64
page_len(uint64 len)
{
  if(len > MAXVA)
    return 0;
  return PGROUNDUP(len);
}

// mmap's checks after the offset's and the descriptor's (f: the file, or
// 0 for anonymous memory), in Linux's order: rounds *len up to pages and
// takes VM_MAYWRITE out of *vm_flags for a shared mapping of a file not
// open for writing. 0 or a negative errno.
static int
mmap_check(uint64 *len, uint64 addr, int prot, int flags, int type, int validate,
           struct file *f, uint *vm_flags)
{
  if(*len == 0 || (prot & ~(PROT_ALL | PROT_SEM)) || (type != MAP_SHARED && type != MAP_PRIVATE) ||
     ((flags & MAP_FIXED) && addr % PGSIZE))
    return -EINVAL;
  if((*len = page_len(*len)) == 0 || ((flags & MAP_FIXED) && addr > MAXVA - *len))
    return -ENOMEM;
  if(f == 0)
    return 0;
  if(validate && (flags & ~MAP_LEGACY_MASK))
    return -EOPNOTSUPP;
  if(!f->readable || (type == MAP_SHARED && !f->writable && (prot & PROT_WRITE)))
    return -EACCES;
  if(f->type != FD_INODE || f->ip->type != T_FILE)
    return -ENODEV;   // pipes, devices and directories have no pages
  if(type == MAP_SHARED && !f->writable)
    *vm_flags &= ~VM_MAYWRITE;   // nor may mprotect add PROT_WRITE
  return 0;
}

// mmap(addr, len, prot, flags, fd, offset): returns the address, or a
// negative errno (the user library turns it into MAP_FAILED and errno).
uint64
sys_mmap(void)
{
  uint64 addr, len, off;
  int prot, flags, fd;
  struct file *f = 0;
  struct mm_struct *mm = myproc()->mm;

  argaddr(0, &addr);
  argaddr(1, &len);
  argint(2, &prot);
  argint(3, &flags);
  argint(4, &fd);
  argaddr(5, &off);

  int type = flags & MAP_TYPE;
  // MAP_SHARED_VALIDATE (Linux 4.15) is MAP_SHARED that fails on flags it
  // does not know; only files take it (anonymous memory: EINVAL, as in
  // Linux). Other flags (MAP_POPULATE, MAP_NORESERVE, ...) are ignored,
  // as Linux's MAP_SHARED and MAP_PRIVATE ignore the flags they do not know.
  int validate = type == MAP_SHARED_VALIDATE && !(flags & MAP_ANONYMOUS);
  if(validate)
    type = MAP_SHARED;
  if(flags & MAP_FIXED_NOREPLACE)
    flags |= MAP_FIXED;   // MAP_FIXED's rules, but it never replaces (EEXIST)
  // Linux's order: the offset (the architecture's sys_mmap), then the
  // descriptor (ksys_mmap_pgoff), then the rest (do_mmap).
  if(off % PGSIZE)
    return -EINVAL;
  if(!(flags & MAP_ANONYMOUS) && (f = fget(fd)) == 0)
    return -EBADF;
  uint vm_flags = (prot & PROT_ALL) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  if(type == MAP_SHARED)
    vm_flags |= VM_SHARED;
  int err = mmap_check(&len, addr, prot, flags, type, validate, f, &vm_flags);
  if(err){
    if(f)
      fileclose(f);
    return err;
  }

  mmap_write_lock(mm);
  if(flags & MAP_FIXED_NOREPLACE)
    err = range_free(mm, addr, len) ? 0 : -EEXIST;
  else if(flags & MAP_FIXED)
    err = do_munmap(mm, addr, len);
  else if((addr = get_unmapped_area(mm, addr, len, mmap_align(addr, len, type, f))) == 0)
    err = -ENOMEM;
  if(err == 0)
    err = mmap_region(mm, f, addr, len, vm_flags, off / PGSIZE, 0);
  mmap_write_unlock(mm);
  if(f)
    fileclose(f);   // the region has its own reference
  return err ? err : addr;
}

// Check (addr, len) of munmap, mprotect, madvise and msync: addr page
// aligned, len rounded up. Returns 0 with *end set, or a negative errno;
// einval_big: too large a length is EINVAL (munmap) rather than ENOMEM.
static int
range_args(uint64 *addr, uint64 *end, int einval_big)
{
  uint64 len;
  argaddr(0, addr);
  argaddr(1, &len);
  if(*addr % PGSIZE)
    return -EINVAL;
  uint64 n = page_len(len);
  if((n == 0 && len != 0) || *addr > MAXVA - n)
    return einval_big ? -EINVAL : -ENOMEM;
  *end = *addr + n;
  return 0;
}

uint64
sys_munmap(void)
{
  uint64 start, end;
  struct mm_struct *mm = myproc()->mm;
  int err = range_args(&start, &end, 1);
  if(err)
    return err;
  if(end == start)
    return -EINVAL;
  mmap_write_lock(mm);
  err = do_munmap(mm, start, end - start);
  mmap_write_unlock(mm);
  return err;
}

// Apply fn to every region piece of [start, end), splitting regions at
// the ends first if split; holes in the range are passed over. Stops at
// the first error fn returns (msync's EIO), and returns it.
static int
apply_range(struct mm_struct *mm, uint64 start, uint64 end, int split,
            int (*fn)(struct vm_area_struct *, uint64, uint64, int), int arg)
{
  int err = split ? split_range(mm, start, end) : 0;
  for(struct vm_area_struct *vma = find_vma(mm, start); err == 0 && vma && vma->vm_start < end; vma = vma->vm_next){
    uint64 s = vma->vm_start > start ? vma->vm_start : start;
    uint64 e = vma->vm_end < end ? vma->vm_end : end;
    err = fn(vma, s, e, arg);
  }
  return err;
}

// The start of mprotect, madvise and msync: (addr, len) as range_args
// checks it, and whether the call's own checks passed (valid: madvise's
// and msync's third argument). 0 to go on, 1 for an empty range (the call
// does nothing and returns 0), or a negative errno (!valid is EINVAL even
// when the range is bad too, as in Linux).
static int
range_start(uint64 *start, uint64 *end, int valid)
{
  int err = range_args(start, end, 0);
  if(err == -EINVAL || !valid)
    return -EINVAL;
  if(err)
    return err;
  return *end == *start;
}

// Does [addr, addr+len), its length rounded up to pages, wrap around the
// top of the 64-bit space? Linux's madvise calls that length negative
// (EINVAL); mprotect and msync treat it as any range past the end (ENOMEM).
static int
range_wraps(uint64 addr, uint64 len)
{
  uint64 n = PGROUNDUP(len);
  return n < len || addr + n < addr;
}

// Is [start, end) mapped wholly? 0, or -ENOMEM (Linux's answer for a hole).
static int
range_check_mapped(struct mm_struct *mm, uint64 start, uint64 end)
{
  return range_mapped(mm, start, end) ? 0 : -ENOMEM;
}

static int
mprotect_one(struct vm_area_struct *vma, uint64 start, uint64 end, int prot)
{
  vma->vm_flags = (vma->vm_flags & ~VM_PROT_MASK) | prot;
  change_protection(vma, start, end, 0);
  return 0;
}

// mprotect(addr, len, prot). Every region is checked before any changes:
// a shared mapping of a file opened read-only may not become writable.
// prot is checked after the range, as in Linux: length 0 is 0 whatever
// prot says.
uint64
sys_mprotect(void)
{
  uint64 start, end;
  int prot;
  struct mm_struct *mm = myproc()->mm;
  argint(2, &prot);
  int err = range_start(&start, &end, 1);
  if(err)
    return err < 0 ? err : 0;
  if(prot & ~(PROT_ALL | PROT_SEM))
    return -EINVAL;
  prot &= PROT_ALL;
  mmap_write_lock(mm);
  err = range_check_mapped(mm, start, end);
  for(struct vm_area_struct *vma = find_vma(mm, start); err == 0 && vma && vma->vm_start < end; vma = vma->vm_next)
    if((prot & PROT_WRITE) && !(vma->vm_flags & VM_MAYWRITE))
      err = -EACCES;
  if(err == 0)
    err = apply_range(mm, start, end, 1, mprotect_one, prot);
  mmap_write_unlock(mm);
  return err;
}

static int
madvise_one(struct vm_area_struct *vma, uint64 start, uint64 end, int advice)
{
  switch(advice){
  case MADV_FREE:
    // Private anonymous memory only, as in Linux. Its pages may be freed
    // whenever memory is short, and a later write keeps one: cowpin has no
    // reclaim to do it later, so it frees them now, as Linux did on a
    // system without swap until 4.12 (93e06c7a6453). They read as zero
    // afterwards, which madvise(2) allows.
    if(vma->vm_mapping || (vma->vm_flags & VM_SHARED))
      return -EINVAL;
    zap_page_range(vma, start, end);
    break;
  case MADV_DONTNEED:
    // Private pages are dropped (zero, or the file's bytes, next time);
    // shared ones stay in the page cache, dirty or not.
    zap_page_range(vma, start, end);
    break;
  case MADV_DONTFORK:
    vma->vm_flags |= VM_DONTCOPY;
    break;
  case MADV_DOFORK:
    vma->vm_flags &= ~VM_DONTCOPY;
    break;
  case MADV_WIPEONFORK:   // private anonymous memory only, as in Linux
    if(vma->vm_mapping || (vma->vm_flags & VM_SHARED))
      return -EINVAL;
    vma->vm_flags |= VM_WIPEONFORK;
    break;
  case MADV_KEEPONFORK:
    vma->vm_flags &= ~VM_WIPEONFORK;
    break;
  case MADV_HUGEPAGE:     // huge pages from the next fault on (knob transparent_hugepage)
    vma->vm_flags = (vma->vm_flags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
    break;
  case MADV_NOHUGEPAGE:   // none from now on; those there stay
    vma->vm_flags = (vma->vm_flags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
    break;
  }
  return 0;
}

// madvise(addr, len, advice). MADV_DONTFORK, MADV_DOFORK,
// MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_HUGEPAGE and MADV_NOHUGEPAGE
// change regions, so they split them and need mmap_lock for writing;
// MADV_DONTNEED only zaps pages, under the lock held for reading, as in
// Linux: a page fault or a GUP may run at the same time.
uint64
sys_madvise(void)
{
  uint64 start, end, len;
  int advice;
  struct mm_struct *mm = myproc()->mm;
  argaddr(0, &start);
  argaddr(1, &len);
  argint(2, &advice);
  int regions = advice == MADV_DONTFORK || advice == MADV_DOFORK ||
                advice == MADV_WIPEONFORK || advice == MADV_KEEPONFORK ||
                advice == MADV_HUGEPAGE || advice == MADV_NOHUGEPAGE;
  int hint = advice == MADV_NORMAL || advice == MADV_RANDOM ||
             advice == MADV_SEQUENTIAL || advice == MADV_WILLNEED;
  int populate = advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE;
  int known = hint || advice == MADV_DONTNEED || advice == MADV_FREE || regions || populate;
  int err = range_start(&start, &end, known && !range_wraps(start, len));
  if(err)
    return err < 0 ? err : 0;
  if(populate){   // GUP, which may drop mmap_lock: not a walk of the regions
    mmap_read_lock(mm);
    err = faultin_page_range(mm, start, end, advice == MADV_POPULATE_WRITE);
    mmap_read_unlock(mm);
    return err;
  }
  // As Linux's madvise(2) says: advice for a range with holes is applied
  // to the parts that are mapped, and the call still fails, ENOMEM.
  regions ? mmap_write_lock(mm) : mmap_read_lock(mm);
  int holes = range_check_mapped(mm, start, end);
  err = apply_range(mm, start, end, regions, madvise_one, advice);
  regions ? mmap_write_unlock(mm) : mmap_read_unlock(mm);
  return err ? err : holes;
}

// A failed writeback (EIO) is msync's error, as in Linux.
static int
msync_one(struct vm_area_struct *vma, uint64 start, uint64 end, int flags)
{
  return (flags & MS_SYNC) ? vma_writeback(vma, start, end) : 0;
}

// msync(addr, len, flags): MS_SYNC writes back the dirty file pages of
// the range; MS_ASYNC leaves that to the flusher; MS_INVALIDATE has
// nothing to do (the page cache is the only copy in memory). Under
// mmap_lock held for reading: faults and GUP go on meanwhile.
uint64
sys_msync(void)
{
  uint64 start, end;
  int flags;
  struct mm_struct *mm = myproc()->mm;
  argint(2, &flags);
  int err = range_start(&start, &end, (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) == 0 &&
                                      !((flags & MS_SYNC) && (flags & MS_ASYNC)));
  if(err)
    return err < 0 ? err : 0;
  // The mapped parts are written back even if the range has holes, which
  // still make it fail (ENOMEM), as in Linux.
  mmap_read_lock(mm);
  int holes = range_check_mapped(mm, start, end);
  err = apply_range(mm, start, end, 0, msync_one, flags);
  mmap_read_unlock(mm);
  return err ? err : holes;
}

// fork: copy src's regions into the empty dst, sharing their pages
// (copy_page_range), except those marked MADV_DONTFORK (left out) and
// MADV_WIPEONFORK (the child's region, still so marked, starts empty).
// The other threads of the parent fault only after the copy. 0 or -ENOMEM.
int
dup_mmap(struct mm_struct *dst, struct mm_struct *src)
{
  int err = 0;
  mmap_write_lock(src);
  // GUP-fast takes no lock: it sees this odd count and backs off
  // (Linux 5.11, 57efa1fe5957).
  __atomic_add_fetch(&src->write_protect_seq, 1, __ATOMIC_SEQ_CST);
  for(struct vm_area_struct *vma = src->mmap; vma && err == 0; vma = vma->vm_next){
    if(vma->vm_flags & VM_DONTCOPY)
      continue;
    struct vm_area_struct *new = vm_area_dup(dst, vma);
    if(new == 0){
      err = -ENOMEM;
      break;
    }
    dup_userfaultfd(new);
    vma_link(dst, new);
    if(!(vma->vm_flags & VM_WIPEONFORK))
      err = copy_page_range(new, vma);
  }
  // fork write-protected the parent's private pages; its other threads
  // may cache writable translations. One flush of the whole address space
  // (Linux: flush_tlb_mm), not one per region: a flush of a few pages is
  // a page at a time, and under QEMU each is as dear as a full one.
  flush_tlb_range(src, 0, MAXVA);
  __atomic_add_fetch(&src->write_protect_seq, 1, __ATOMIC_SEQ_CST);
  dst->start_brk = src->start_brk;
  dst->brk = src->brk;
  mmap_write_unlock(src);
  return err;
}

// The last user is gone: unmap every region at once, then take each out
// (writing back what it dirtied in a shared file).
void
exit_mmap(struct mm_struct *mm)
{
  unmap_vmas(mm);
  while(mm->mmap)
    remove_vma(mm, mm->mmap, 1);
}

// sbrk: move the break by incr bytes; populate: allocate the new pages
// now (xv6's eager sbrk) rather than on first touch. The heap grows in
// "[heap]" regions above the stack; it may not grow into another region.
// As in xv6, a shrink below the start of the heap leaves the break where
// it is. Returns the old break, or -ENOMEM with nothing changed. The
// break is read and moved under mmap_lock: threads may call sbrk at once.
int64
do_brk(struct mm_struct *mm, int64 incr, int populate)
{
  mmap_write_lock(mm);
  uint64 old = mm->brk, new = old + incr;
  int64 ret = old;
  if(incr > 0 && (new > MAXVA || new < old))
    ret = -ENOMEM;
  else if(incr < 0 && (uint64)-incr > old - mm->start_brk)
    new = old;
  uint64 oldend = PGROUNDUP(old), newend = PGROUNDUP(new);
  if(ret < 0){
    // nothing
  } else if(newend > oldend){
    struct vm_area_struct *heap = oldend > 0 ? find_vma(mm, oldend - 1) : 0;
    if(!range_free(mm, oldend, newend - oldend))
      ret = -ENOMEM;
    else if(heap && heap->vm_end == oldend && heap->vm_name == heap_name)
      heap->vm_end = newend;
    else if(mmap_region(mm, 0, oldend, newend - oldend,
                        VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC,
                        0, heap_name) < 0)
      ret = -ENOMEM;
    if(ret >= 0 && populate && populate_range(find_vma(mm, oldend), oldend, newend) < 0){
      do_munmap(mm, oldend, newend - oldend);
      ret = -ENOMEM;
    }
  } else if(newend < oldend){
    do_munmap(mm, newend, oldend - newend);
  }
  if(ret >= 0)
    mm->brk = new;
  mmap_write_unlock(mm);
  return ret;
}
