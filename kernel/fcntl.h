// open() flags (xv6's values).
#define O_RDONLY  0x000
#define O_WRONLY  0x001
#define O_RDWR    0x002
#define O_CREATE  0x200
#define O_TRUNC   0x400
#define O_DIRECT  0x4000   // Linux's value: read/write go straight to the disk
#define O_NONBLOCK 0x800   // Linux's value; only userfaultfd() takes it

// lseek's whence
#define SEEK_SET  0
#define SEEK_CUR  1
#define SEEK_END  2

// mmap and friends: Linux's values (where MIT's mmap lab puts them too).
#define PROT_NONE      0x0
#define PROT_READ      0x1
#define PROT_WRITE     0x2
#define PROT_EXEC      0x4
#define PROT_SEM       0x8   // Linux's "may be used for atomic operations": all memory may, so ignored

#define MAP_SHARED     0x01
#define MAP_PRIVATE    0x02
#define MAP_SHARED_VALIDATE 0x03   // MAP_SHARED, but unknown flags are EOPNOTSUPP
#define MAP_TYPE       0x0f        // the bits that say which of the three
#define MAP_FIXED      0x10
#define MAP_ANONYMOUS  0x20
#define MAP_ANON       MAP_ANONYMOUS
#define MAP_FIXED_NOREPLACE 0x100000   // MAP_FIXED, but EEXIST over a mapping
// The flags Linux knew before MAP_SHARED_VALIDATE (its LEGACY_MAP_MASK:
// also MAP_GROWSDOWN, MAP_LOCKED, MAP_NORESERVE, MAP_POPULATE, MAP_STACK,
// MAP_HUGETLB, ...), which is all it accepts; cowpin ignores those not
// defined here, as Linux's MAP_SHARED and MAP_PRIVATE ignore the flags
// they do not know. MAP_FIXED_NOREPLACE is not among them (Linux's
// MAP_SHARED_VALIDATE refuses it too).
#define MAP_LEGACY_MASK 0x407f933

#define MADV_NORMAL    0
#define MADV_RANDOM    1   // read-ahead hints: cowpin reads no ahead, so
#define MADV_SEQUENTIAL 2  // these three are accepted and change nothing
#define MADV_WILLNEED  3
#define MADV_DONTNEED  4
#define MADV_FREE      8    // Linux 4.5: the pages may go (cowpin: at once)
#define MADV_DONTFORK  10
#define MADV_DOFORK    11
#define MADV_WIPEONFORK 18  // Linux 4.14: a child gets zeros here
#define MADV_KEEPONFORK 19
#define MADV_POPULATE_READ 22   // Linux 5.14: fault the range in, as reads
#define MADV_POPULATE_WRITE 23  // or as writes would
#define MADV_HUGEPAGE  14
#define MADV_NOHUGEPAGE 15

#define MS_ASYNC       1
#define MS_INVALIDATE  2
#define MS_SYNC        4
