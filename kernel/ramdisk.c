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

void
ramdisk_rw(struct buf *b, int write)
{
  uint64 off = (uint64)b->blockno * BSIZE;
  if(off + BSIZE > size)
    panic("ramdisk: block %d beyond the end of the disk", b->blockno);
  if(write)
    memmove(base + off, b->data, BSIZE);
  else
    memmove(b->data, base + off, BSIZE);
}
