// virtio-blk: the disk of QEMU's virt machine, driven over virtio-mmio.
//
// A virtio device and its driver talk through memory they share, a
// virtqueue, and through a page of device registers. The virtqueue has
// three parts, all in the driver's memory:
//
//   descriptors  a table (a pool, not a ring) of NUM entries; each names
//                one buffer (physical address, length), says whether the
//                device reads it or writes it (VRING_DESC_F_WRITE), and
//                may link to a next descriptor (VRING_DESC_F_NEXT). One
//                request is one chain of them.
//   avail ring   written by the driver, read by the device: the head
//                descriptor of each chain the driver hands over.
//   used ring    written by the device, read by the driver: the head of
//                each chain the device has finished.
//
// Each ring has an index (idx) that its writer only ever increments; an
// entry's slot is its index modulo NUM, and the reader keeps its own copy
// of how far it has read (used_idx here). The indexes are 16-bit and
// wrap; only differences matter. A block request is a chain of three
// kinds of buffers: a header the device reads (read or write, and the
// first sector), the data (the device writes it for a read, reads it for
// a write), and a status byte the device writes last (0 = done). We do
// not negotiate VIRTIO_F_ANY_LAYOUT, so a legacy device may expect the
// header, the data and the status in descriptors of their own: they get
// them.
//
// Where xv6 did one request at a time, waiting for each, cowpin keeps
// several in flight: submit queues a request and returns, wait sleeps
// until that one is done. The buffer cache submits one block and waits
// for it; direct I/O (direct-io.c) submits up to DIO_REQS requests of up
// to BLK_MAXSEG segments each (the user's bytes may cross a page) and
// then waits for them all, so the device has work queued while the
// earlier requests complete.
//
// Completion: the device adds the head of a finished chain to the used
// ring and raises its interrupt through the PLIC; virtio_blk_intr (from
// devintr in trap.c) walks the new used entries, records each request's
// status, frees its descriptors and wakes whoever waits for it. The
// descriptors go back to the pool at once, in the interrupt, not when
// the waiter runs: a process that has requests in flight and sleeps for
// descriptors for one more must get them from its own finished requests,
// or it would wait for itself. For the same reason a request takes all
// its descriptors or none (alloc_descs): two processes that each held
// half of what they need could wait for each other for ever.
//
// Two transports (the virtio-mmio register layout's version):
//   version 1, "legacy" (QEMU's default): the queue is one physically
//     contiguous area, given to the device by its page number; the
//     device computes where the avail and used rings are from the queue
//     size and an alignment we tell it.
//   version 2, "modern" (QEMU with virtio-mmio.force-legacy=false, as
//     `make qemu` boots): the three parts are given by their own 64-bit
//     addresses, the driver must accept feature VIRTIO_F_VERSION_1, and
//     QUEUE_READY switches the queue on.
// The device's registers are not at a fixed address: QEMU's virt machine
// has several virtio-mmio slots, the device tree lists them (fdt.c,
// "virtio,mmio" nodes with their registers and interrupt), and an empty
// slot answers with device ID 0. We drive the first block device (ID 2).

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

// Descriptors in the queue: a request takes nseg + 2 of them, so NUM/3
// one-segment requests fit in flight at once, or NUM/4 of two.
#define NUM 32

// Queue memory: the descriptor table (NUM * 16 bytes) and the avail ring
// right after it in the first page, the used ring at the start of the
// second. That is where a legacy device, told the queue size and a
// 4096-byte alignment, computes them to be; a modern device is simply
// given the three addresses. Static, so physically contiguous, and the
// kernel's direct map gives its physical address (__pa).
static char vq_mem[2 * PGSIZE] __attribute__((aligned(PGSIZE)));

// The rings and the bookkeeping below are protected by disk.lock (the
// device, of course, reads and writes its parts of the queue without it).
static struct disk {
  volatile uchar *regs;       // the device's registers (set once, at init)
  struct virtq_desc *desc;    // NUM descriptors
  struct virtq_avail *avail;  // driver -> device
  struct virtq_used *used;    // device -> driver
  char free[NUM];   // is a descriptor free?
  uint16 used_idx;  // how far we have looked in the used ring

  // Per request in flight, indexed by its head descriptor: the header the
  // device reads and the status byte it writes must stay put until it is
  // done, so they live here rather than on the submitter's stack.
  struct {
    struct virtio_blk_req hdr;
    volatile uchar status;   // written by the device
    struct blk_req *owner;   // told when it is done
  } req[NUM];

  struct spinlock lock;
} disk;

int virtio_blk_irq = -1;   // the PLIC source devintr dispatches to us (set at init)

// The registers are device memory: every access must really happen, in
// program order, hence volatile.

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
// The order of the steps is the virtio spec's: reset; ACKNOWLEDGE (we
// have seen the device) and DRIVER (we can drive it); features;
// FEATURES_OK (modern only: the legacy interface has no such step); the
// queue; DRIVER_OK, after which the device may start work.
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
  // Queue 0, the block device's only request queue. Its size is ours to
  // choose, up to the device's maximum.
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

  // The interrupt line comes from the device tree node of this slot.
  virtio_blk_irq = m->virtio[dev].irq;
  plic_enable(virtio_blk_irq);
  // 64-bit config fields are read as two 32-bit halves (virtio spec).
  uint64 capacity = rd(VIRTIO_MMIO_CONFIG) | (uint64)rd(VIRTIO_MMIO_CONFIG + 4) << 32;
  printf("virtio-blk: %s transport, %ld KiB, irq %d\n",
         version == 1 ? "legacy" : "modern", capacity / 2, virtio_blk_irq);
  return 0;
}

// Take one free descriptor (disk.lock held). Its index, or -1.
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

// Give the chain that starts at descriptor i back to the pool (disk.lock
// held), and wake submitters that wait for descriptors.
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

// Allocate n descriptors (disk.lock held), or none (returns -1): a
// request never holds part of what it needs while it waits for the rest.
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
// until enough descriptors are free; does not wait for the device (see
// virtio_blk_wait).
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

  // Publish the request. The device may look at the avail ring at any
  // moment (QEMU's I/O thread runs beside us; on hardware it is DMA), and
  // it trusts idx: everything below idx must already be in memory when
  // it sees idx move. So the descriptors and the ring entry first, a
  // fence, then idx; and another fence so that idx is in memory before
  // the notify register tells the device to look (the fence, `fence
  // iorw,iorw`, orders the memory stores before the device write).
  disk.avail->ring[disk.avail->idx % NUM] = idx[0];
  __sync_synchronize();
  disk.avail->idx += 1;   // not modulo NUM: the device takes it modulo
  __sync_synchronize();
  wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);   // the value is the queue's number
  release(&disk.lock);
}

// Sleep until the device has done r. 0, or -EIO if the device says it
// failed (VIRTIO_BLK_S_IOERR or UNSUPP). r->done is set by the interrupt
// handler under disk.lock, and sleep releases disk.lock only once this
// process is asleep on r, so a completion between the test and the sleep
// cannot be missed: the handler's wakeup(r) finds the sleeper.
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
// and wake its waiter. Runs in devintr, on whichever hart the PLIC gave
// the interrupt to.
void
virtio_blk_intr(void)
{
  acquire(&disk.lock);
  // Acknowledge first (bit 0: the used ring moved; bit 1: the
  // configuration changed), then look at the ring: a completion that
  // lands while we drain raises the interrupt again, and we either see
  // its entry now (the next interrupt then finds nothing new, which is
  // harmless) or in that next interrupt. Nothing is lost.
  wr(VIRTIO_MMIO_INTERRUPT_ACK, rd(VIRTIO_MMIO_INTERRUPT_STATUS) & 0x3);
  __sync_synchronize();
  while(disk.used_idx != disk.used->idx){
    // The device wrote the entry and the status byte before it moved
    // used->idx; the fence keeps our reads of them after our read of idx.
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
