// virtio-blk driver over virtio-mmio, for the legacy (version 1, QEMU's
// default) and the modern (version 2) transport. The device is found by
// scanning the device tree's virtio,mmio nodes. Several requests may be in
// flight: each takes a descriptor for its header, one per data segment
// and one for its status; its process sleeps until the completion
// interrupt. The interrupt frees the descriptors at once: a process that
// has requests in flight and waits for descriptors for one more must not
// hold the descriptors that would let it go on (direct I/O sends several).

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "buf.h"
#include "fdt.h"
#include "virtio.h"
#include "proc.h"
#include "defs.h"

#define NUM 32   // descriptors in the queue; NUM/3 requests in flight

// Queue memory: descriptors and the available ring in the first page, the
// used ring in the second, which is also the legacy layout for a 4096-byte
// alignment. Static, so physically contiguous.
static char vq_mem[2 * PGSIZE] __attribute__((aligned(PGSIZE)));

static struct disk {
  volatile uchar *regs;
  struct virtq_desc *desc;
  struct virtq_avail *avail;
  struct virtq_used *used;
  char free[NUM];   // is a descriptor free?
  uint16 used_idx;  // how far we have looked in the used ring

  // Per request in flight, indexed by its head descriptor.
  struct {
    struct virtio_blk_req hdr;
    volatile uchar status;   // written by the device
    struct blk_req *owner;   // told when it is done
  } req[NUM];

  struct spinlock lock;
} disk;

int virtio_blk_irq = -1;

static uint32
rd(int off)
{
  return *(volatile uint32 *)(disk.regs + off);
}

static void
wr(int off, uint32 v)
{
  *(volatile uint32 *)(disk.regs + off) = v;
}

static void
set_queue_addr(int lo, uint64 pa)
{
  wr(lo, (uint32)pa);
  wr(lo + 4, (uint32)(pa >> 32));
}

// Bring up the first virtio-mmio block device. Returns 0, or -ENODEV.
int
virtio_blk_init(struct fdt_machine *m)
{
  int i, dev;

  initlock(&disk.lock, "virtio_disk");
  for(dev = 0; dev < m->nvirtio; dev++){
    disk.regs = ioremap(m->virtio[dev].base, m->virtio[dev].size ? m->virtio[dev].size : PGSIZE);
    if(rd(VIRTIO_MMIO_MAGIC_VALUE) == 0x74726976 && rd(VIRTIO_MMIO_DEVICE_ID) == 2)
      break;
  }
  if(dev == m->nvirtio)
    return -ENODEV;
  int version = rd(VIRTIO_MMIO_VERSION);
  if(version != 1 && version != 2)
    panic("virtio-blk: unknown transport version %d", version);

  uint32 status = 0;
  wr(VIRTIO_MMIO_STATUS, status);   // reset
  status |= VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
  wr(VIRTIO_MMIO_STATUS, status);

  // Features: none of the optional ones; the modern transport requires
  // that the driver accept VIRTIO_F_VERSION_1.
  wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
  wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
  if(version == 2){
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
    status |= VIRTIO_CONFIG_S_FEATURES_OK;
    wr(VIRTIO_MMIO_STATUS, status);
    if((rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK) == 0)
      panic("virtio-blk: features not accepted");
  }

  wr(VIRTIO_MMIO_QUEUE_SEL, 0);
  uint32 max = rd(VIRTIO_MMIO_QUEUE_NUM_MAX);
  if(max < NUM)
    panic("virtio-blk: queue too short (%d)", max);
  wr(VIRTIO_MMIO_QUEUE_NUM, NUM);

  disk.desc = (struct virtq_desc *)vq_mem;
  disk.avail = (struct virtq_avail *)(vq_mem + NUM * sizeof(struct virtq_desc));
  disk.used = (struct virtq_used *)(vq_mem + PGSIZE);
  uint64 pa = __pa(vq_mem);
  if(version == 1){
    wr(VIRTIO_MMIO_GUEST_PAGE_SIZE, PGSIZE);
    wr(VIRTIO_MMIO_QUEUE_ALIGN, PGSIZE);
    wr(VIRTIO_MMIO_QUEUE_PFN, pa >> PGSHIFT);
  } else {
    set_queue_addr(VIRTIO_MMIO_QUEUE_DESC_LOW, pa);
    set_queue_addr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, __pa(disk.avail));
    set_queue_addr(VIRTIO_MMIO_QUEUE_USED_LOW, __pa(disk.used));
    wr(VIRTIO_MMIO_QUEUE_READY, 1);
  }
  for(i = 0; i < NUM; i++)
    disk.free[i] = 1;

  status |= VIRTIO_CONFIG_S_DRIVER_OK;
  wr(VIRTIO_MMIO_STATUS, status);

  virtio_blk_irq = m->virtio[dev].irq;
  plic_enable(virtio_blk_irq);
  // 64-bit config fields are read as two 32-bit halves (virtio spec).
  uint64 capacity = rd(VIRTIO_MMIO_CONFIG) | (uint64)rd(VIRTIO_MMIO_CONFIG + 4) << 32;
  printf("virtio-blk: %s transport, %ld KiB, irq %d\n",
         version == 1 ? "legacy" : "modern", capacity / 2, virtio_blk_irq);
  return 0;
}

static int
alloc_desc(void)
{
  for(int i = 0; i < NUM; i++){
    if(disk.free[i]){
      disk.free[i] = 0;
      return i;
    }
  }
  return -1;
}

static void
free_chain(int i)
{
  for(;;){
    int flag = disk.desc[i].flags;
    int next = disk.desc[i].next;
    if(disk.free[i])
      panic("virtio-blk: free_chain");
    disk.desc[i] = (struct virtq_desc){ 0 };
    disk.free[i] = 1;
    if(!(flag & VRING_DESC_F_NEXT))
      break;
    i = next;
  }
  wakeup(&disk.free[0]);
}

// Allocate n descriptors, or none (returns -1).
static int
alloc_descs(int *idx, int n)
{
  for(int i = 0; i < n; i++){
    idx[i] = alloc_desc();
    if(idx[i] < 0){
      for(int j = 0; j < i; j++)
        disk.free[idx[j]] = 1;
      return -1;
    }
  }
  return 0;
}

// Queue request r: a header, its data segments, a status byte. Sleeps
// until enough descriptors are free; does not wait for the device.
static void
virtio_blk_submit(struct blk_req *r)
{
  int n = r->nseg + 2, idx[BLK_MAXSEG + 2];

  acquire(&disk.lock);
  while(alloc_descs(idx, n) != 0)
    sleep(&disk.free[0], &disk.lock);

  struct virtio_blk_req *hdr = &disk.req[idx[0]].hdr;
  hdr->type = r->write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
  hdr->reserved = 0;
  hdr->sector = r->sector;
  disk.desc[idx[0]] = (struct virtq_desc){ __pa(hdr), sizeof(*hdr), VRING_DESC_F_NEXT, idx[1] };
  for(int k = 0; k < r->nseg; k++)
    disk.desc[idx[k + 1]] = (struct virtq_desc){ r->seg[k].pa, r->seg[k].len,
        VRING_DESC_F_NEXT | (r->write ? 0 : VRING_DESC_F_WRITE), idx[k + 2] };
  disk.req[idx[0]].status = 0xff;   // the device writes 0 on success
  disk.req[idx[0]].owner = r;
  r->done = 0;
  disk.desc[idx[n - 1]] = (struct virtq_desc){ __pa((void *)&disk.req[idx[0]].status), 1,
      VRING_DESC_F_WRITE, 0 };

  // Publish the request: the ring entry, then (after a fence) the index.
  disk.avail->ring[disk.avail->idx % NUM] = idx[0];
  __sync_synchronize();
  disk.avail->idx += 1;
  __sync_synchronize();
  wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  release(&disk.lock);
}

// Sleep until the device has done r. 0, or -EIO if the device says it
// failed (VIRTIO_BLK_S_IOERR or UNSUPP).
static int
virtio_blk_wait(struct blk_req *r)
{
  acquire(&disk.lock);
  while(!r->done)
    sleep(r, &disk.lock);
  release(&disk.lock);
  if(r->error)
    printf("virtio-blk: I/O error on sector %ld\n", r->sector);
  return r->error;
}

struct blkdev virtio_blk = { virtio_blk_submit, virtio_blk_wait };

// The device completed requests: free their descriptors, mark each done
// and wake its waiter.
void
virtio_blk_intr(void)
{
  acquire(&disk.lock);
  wr(VIRTIO_MMIO_INTERRUPT_ACK, rd(VIRTIO_MMIO_INTERRUPT_STATUS) & 0x3);
  __sync_synchronize();
  // The device moves used->idx at any time: one load per look (the
  // ring entries below it are the device's no more).
  while(disk.used_idx != READ_ONCE(disk.used->idx)){
    __sync_synchronize();
    int id = disk.used->ring[disk.used_idx % NUM].id;
    struct blk_req *r = disk.req[id].owner;
    r->error = disk.req[id].status == 0 ? 0 : -EIO;
    r->done = 1;
    free_chain(id);
    wakeup(r);
    disk.used_idx += 1;
  }
  release(&disk.lock);
}
