// A cached disk block.
struct buf {
  int valid;   // has data been read from disk?
  uint dev;
  uint blockno;
  struct sleeplock lock;
  uint refcnt;
  int waited;  // direct I/O waits for refcnt to reach 0 (bwait_idle)
  struct buf *prev; // LRU cache list
  struct buf *next;
  uchar data[BSIZE];
};

// A request to the disk: sectors to or from up to BLK_MAXSEG pieces of
// physical memory. The buffer cache sends one per block; direct I/O
// sends them straight from user pages, several at a time.
#define BLK_MAXSEG 2
struct blk_req {
  uint64 sector;       // 512-byte sectors
  int write;
  int nseg;
  struct { uint64 pa; uint len; } seg[BLK_MAXSEG];
  int failed;          // fault injection failed it: never sent (bio.c)
  volatile int done;   // the driver: the device has finished it (virtio: disk.lock)
  int error;           // the driver: 0 or -EIO, once done (virtio: disk.lock)
};

// The root disk's driver: virtio-blk, or the RAM disk when booted with an
// initrd. submit may sleep for room; wait sleeps until the request is
// done and returns 0 or -EIO. Use them through submit_bio and wait_bio.
struct blkdev {
  void (*submit)(struct blk_req *);
  int (*wait)(struct blk_req *);
};
