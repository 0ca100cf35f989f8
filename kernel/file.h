// Open files and in-memory inodes.
#include "mm/address_space.h"

// Set when the file is opened and fixed after, unless said otherwise.
struct file {
  enum { FD_NONE, FD_PIPE, FD_INODE, FD_DEVICE, FD_PIN, FD_UFFD } type;
  int ref; // reference count; ftable.lock
  char readable;
  char writable;
  char direct;       // FD_INODE opened with O_DIRECT (direct-io.c)
  struct pipe *pipe; // FD_PIPE
  struct inode *ip;  // FD_INODE and FD_DEVICE
  struct pinned *pin; // FD_PIN: pinned user memory (pinfd.c)
  struct userfaultfd_ctx *uffd; // FD_UFFD (mm/userfaultfd.c)
  // Linux's f_pos_lock: held across a whole read, write or lseek of a file
  // with an offset, so that threads and forked processes sharing this
  // file move the offset atomically with the transfer.
  struct sleeplock pos_lock;
  uint off;          // FD_INODE and FD_PIN; pos_lock
  short major;       // FD_DEVICE
};

#define major(dev)  ((dev) >> 16 & 0xFFFF)
#define minor(dev)  ((dev) & 0xFFFF)
#define	mkdev(m,n)  ((uint)((m)<<16| (n)))

// in-memory copy of an inode
struct inode {
  uint dev;           // Device number
  uint inum;          // Inode number
  int ref;            // Reference count
  struct sleeplock lock; // protects everything below here
  int valid;          // inode has been read from disk?

  short type;         // copy of disk inode
  short major;
  short minor;
  short nlink;
  uint size;
  uint addrs[NDIRECT+1];
  struct address_space i_data;   // its page cache (mm/filemap.c)
};

// map major device number to device functions.
struct devsw {
  int (*read)(int, uint64, int);
  int (*write)(int, uint64, int);
};

extern struct devsw devsw[];

#define CONSOLE 1
