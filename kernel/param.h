// System-wide limits. The values xv6 programs depend on are xv6's.
#define NPROC        64  // maximum number of processes
#define NCPU          8  // maximum number of harts we run on
#define NOFILE       16  // open files per process
#define NFILE       100  // open files per system
#define NDEV         10  // maximum major device number
#define ROOTDEV       1  // device number of file system root disk
#define MAXARG       32  // max exec arguments
#define MAXOPBLOCKS  10  // max # of blocks any FS op writes
#define LOGSIZE      (MAXOPBLOCKS*3)  // max data blocks in on-disk log
#define NINODE       50  // xv6's inode table size; xv6's usertests sizes a test by it
// In-memory tables sized so that no user program can exhaust them (xv6
// panics when they run out): every open file holds one inode, each process
// its cwd plus at most three in a system call; the log pins up to LOGSIZE
// buffers, and a system call holds at most three more at a time.
#define NITABLE      (NFILE + 4*NPROC)      // in-memory inodes (xv6: NINODE)
#define PIN_MAX      512  // pages a process may keep pinned (pin_user_pages)
#define NVMA         (32*NPROC)  // memory regions (mmap), in all
#define NBUF         (LOGSIZE + 3*NPROC)    // size of disk block cache
#define FSSIZE       2000  // size of file system in blocks
#define MAXPATH      128   // maximum file path name
#define USERSTACK    1     // user stack pages
#define TICK_HZ      10    // timer ticks per second (xv6's 100 ms tick)
#define MIGRATION_COST_US 5000  // a preempted thread stays with its hart this long (scheduler)
