// A RAM disk over the initrd that the boot loader left in memory
// (/chosen linux,initrd-start/end). On the U-Boot path the file system
// image is loaded as the initrd, because the virtio disk there holds the
// SD-card image. Writes change only the copy in RAM.

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "buf.h"
#include "defs.h"

static char *base;
static uint64 size;

void
ramdisk_init(uint64 start, uint64 end)
{
  base = __va(start);
  size = end - start;
  printf("ramdisk: %ld KiB at %p\n", size >> 10, (void *)start);
}

// A RAM disk does a request at once: submit copies, wait has nothing to do.
static void
ramdisk_submit(struct blk_req *r)
{
  uint64 off = r->sector * 512;
  for(int k = 0; k < r->nseg; k++){
    if(off + r->seg[k].len > size)
      panic("ramdisk: sector %ld beyond the end of the disk", r->sector);
    if(r->write)
      memmove(base + off, __va(r->seg[k].pa), r->seg[k].len);
    else
      memmove(__va(r->seg[k].pa), base + off, r->seg[k].len);
    off += r->seg[k].len;
  }
}

static int
ramdisk_wait(struct blk_req *r)
{
  return 0;
}

struct blkdev ramdisk = { ramdisk_submit, ramdisk_wait };
