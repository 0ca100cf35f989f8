// mkfs: build a cowpin (xv6 on-disk format) file system image on the host.
//
//   mkfs/mkfs fs.img FILE...
//
// Every FILE is copied into the root directory under its basename, with one
// leading '_' dropped: the build names user programs _cat, _ls, ... so that
// the host shell never runs them in place of its own cat and ls.
//
// The image is assembled in memory and written out in one go at the end, so a
// failure never leaves a half-written image that looks valid.  All on-disk
// integers are stored little-endian explicitly (put16/put32), whatever the
// host's byte order, so the image does not depend on the machine that built it.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <stdarg.h>

// The kernel's headers define struct stat for the xv6 ABI; rename it so it
// cannot collide with anything the host's C library declares.
#define stat xv6_stat
#include "kernel/types.h"
#include "kernel/fs.h"
#include "kernel/stat.h"
#include "kernel/param.h"
#undef stat

#define NINODES 200

// Layout, fixed by the xv6 format: block 0 is the (unused) boot block,
// block 1 the super block, then the log, the inodes, the bitmap and data.
#define NLOG        LOGSIZE
#define NINODEBLK   ((int)(NINODES / IPB + 1))
#define NBITMAP     ((int)(FSSIZE / BPB + 1))
#define LOGSTART    2
#define INODESTART  (LOGSTART + NLOG)
#define BMAPSTART   (INODESTART + NINODEBLK)
#define NMETA       (BMAPSTART + NBITMAP)
#define NDATA       (FSSIZE - NMETA)

// Byte offsets inside an on-disk struct dinode / struct dirent.  Spelled out
// (and checked against the C structs below) because we write fields one by
// one in little-endian order instead of copying host structs.
#define DI_TYPE   0
#define DI_NLINK  6
#define DI_SIZE   8
#define DI_ADDRS  12

_Static_assert(sizeof(struct dinode) == 64, "dinode must be 64 bytes");
_Static_assert(sizeof(struct dirent) == 16, "dirent must be 16 bytes");
_Static_assert(BSIZE % sizeof(struct dinode) == 0, "inodes must tile a block");
_Static_assert(BSIZE % sizeof(struct dirent) == 0, "dirents must tile a block");
_Static_assert(FSSIZE <= BPB * NBITMAP, "bitmap too small");
_Static_assert(NMETA < FSSIZE, "no room for data");

static unsigned char disk[FSSIZE][BSIZE];
static uint next_block = NMETA;   // blocks are handed out in order
static uint next_inum = ROOTINO;  // inode 0 is never used
static const char *image_path;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "mkfs: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

static void
put16(unsigned char *p, uint v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
}

static void
put32(unsigned char *p, uint v)
{
  put16(p, v & 0xffff);
  put16(p + 2, v >> 16);
}

static uint
get32(const unsigned char *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint)p[3] << 24);
}

static unsigned char *
dinode_at(uint inum)
{
  return disk[inum / IPB + INODESTART] + (inum % IPB) * sizeof(struct dinode);
}

static uint
alloc_block(void)
{
  if(next_block >= FSSIZE)
    die("disk full while writing %s (the image has %d blocks)", image_path, FSSIZE);
  return next_block++;
}

static uint
alloc_inode(short type)
{
  if(next_inum >= NINODES)
    die("out of inodes while writing %s", image_path);
  uint inum = next_inum++;
  unsigned char *di = dinode_at(inum);
  memset(di, 0, sizeof(struct dinode));
  put16(di + DI_TYPE, type);
  put16(di + DI_NLINK, 1);
  return inum;
}

// Block number holding byte offset off of inode inum, allocating the data
// block (and the indirect block) on first use.  Files are only ever written
// sequentially here, so a zero address always means "not yet allocated".
static uint
block_for(uint inum, uint off, const char *what)
{
  unsigned char *di = dinode_at(inum);
  uint bn = off / BSIZE;
  unsigned char *slot;

  if(bn >= MAXFILE)
    die("%s is larger than MAXFILE (%d blocks of %d bytes)", what, (int)MAXFILE, BSIZE);
  if(bn < NDIRECT){
    slot = di + DI_ADDRS + 4 * bn;
  } else {
    unsigned char *ind = di + DI_ADDRS + 4 * NDIRECT;
    if(get32(ind) == 0)
      put32(ind, alloc_block());
    slot = disk[get32(ind)] + 4 * (bn - NDIRECT);
  }
  if(get32(slot) == 0)
    put32(slot, alloc_block());
  return get32(slot);
}

// Append n bytes to inode inum.
static void
append(uint inum, const void *data, uint n, const char *what)
{
  unsigned char *di = dinode_at(inum);
  const unsigned char *p = data;
  uint off = get32(di + DI_SIZE);

  while(n > 0){
    uint b = block_for(inum, off, what);
    uint inblock = off % BSIZE;
    uint m = BSIZE - inblock;
    if(m > n)
      m = n;
    memcpy(disk[b] + inblock, p, m);
    off += m;
    p += m;
    n -= m;
    put32(di + DI_SIZE, off);
  }
}

static void
add_dirent(uint dir, uint inum, const char *name)
{
  unsigned char de[sizeof(struct dirent)];
  memset(de, 0, sizeof(de));
  put16(de, inum);
  memcpy(de + 2, name, strlen(name));   // no NUL needed at exactly DIRSIZ
  append(dir, de, sizeof(de), "the root directory");
}

// Name under which path appears in the root directory.
static const char *
short_name(const char *path)
{
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if(base[0] == '_')
    base++;
  if(base[0] == 0)
    die("%s: empty file name", path);
  if(strlen(base) > DIRSIZ)
    die("%s: name \"%s\" is longer than DIRSIZ (%d characters)", path, base, DIRSIZ);
  if(strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
    die("%s: reserved name", path);
  return base;
}

// Reject a name given twice: the kernel's lookup would only ever see the first.
static void
check_unique(char **argv, int i)
{
  for(int j = 2; j < i; j++)
    if(strcmp(short_name(argv[j]), short_name(argv[i])) == 0)
      die("%s: name already used by an earlier file", argv[i]);
}

static void
add_file(uint root, const char *path)
{
  unsigned char buf[BSIZE];
  size_t n;
  FILE *f = fopen(path, "rb");

  if(f == NULL){
    fprintf(stderr, "mkfs: %s: %s\n", path, strerror(errno));
    exit(1);
  }
  uint inum = alloc_inode(T_FILE);
  add_dirent(root, inum, short_name(path));
  while((n = fread(buf, 1, sizeof(buf), f)) > 0)
    append(inum, buf, n, path);
  if(ferror(f))
    die("%s: %s", path, strerror(errno));
  fclose(f);
}

static void
write_superblock(void)
{
  unsigned char *sb = disk[1];
  put32(sb + 0, FSMAGIC);
  put32(sb + 4, FSSIZE);
  put32(sb + 8, NDATA);
  put32(sb + 12, NINODES);
  put32(sb + 16, NLOG);
  put32(sb + 20, LOGSTART);
  put32(sb + 24, INODESTART);
  put32(sb + 28, BMAPSTART);
}

// Mark every block handed out so far (meta data included) as in use.
static void
write_bitmap(void)
{
  for(uint b = 0; b < next_block; b++)
    disk[BMAPSTART + b / BPB][(b % BPB) / 8] |= 1 << (b % 8);
}

// The kernel's directory code treats a directory as whole blocks of
// dirents; pad the root directory with empty (inum 0) slots up to a block
// boundary, the way xv6's images look.
static void
pad_dir(uint dir)
{
  unsigned char zero[sizeof(struct dirent)];
  memset(zero, 0, sizeof(zero));
  while(get32(dinode_at(dir) + DI_SIZE) % BSIZE != 0)
    append(dir, zero, sizeof(zero), "the root directory");
}

static void
write_image(const char *path)
{
  FILE *f = fopen(path, "wb");
  if(f == NULL){
    fprintf(stderr, "mkfs: %s: %s\n", path, strerror(errno));
    exit(1);
  }
  if(fwrite(disk, sizeof(disk), 1, f) != 1 || fclose(f) != 0){
    fprintf(stderr, "mkfs: %s: write failed: %s\n", path, strerror(errno));
    remove(path);
    exit(1);
  }
}

int
main(int argc, char **argv)
{
  if(argc < 2){
    fprintf(stderr, "usage: mkfs fs.img FILE...\n");
    return 1;
  }

  for(int i = 2; i < argc; i++)
    check_unique(argv, i);

  write_superblock();
  uint root = alloc_inode(T_DIR);
  add_dirent(root, root, ".");
  add_dirent(root, root, "..");   // the root is its own parent
  for(int i = 2; i < argc; i++){
    image_path = argv[i];
    add_file(root, argv[i]);
  }
  image_path = "the root directory";
  pad_dir(root);
  write_bitmap();
  write_image(argv[1]);

  printf("mkfs: %s: %d files, %u of %d data blocks used, %u of %d inodes\n",
         argv[1], argc - 2, next_block - NMETA, NDATA, next_inum - 1, NINODES - 1);
  return 0;
}
