// userfaultfd's interface, shared by the kernel and user programs: Linux's
// structures, command numbers and bits (include/uapi/linux/userfaultfd.h),
// so that a Linux program's use of them reads the same here. Include after
// types.h.
#ifndef COWPIN_USERFAULTFD_H
#define COWPIN_USERFAULTFD_H

#define UFFD_API ((uint64)0xAA)

// userfaultfd(flags): O_NONBLOCK (fcntl.h), and
#define UFFD_USER_MODE_ONLY 1   // only faults taken in user mode are reported

// A fault, as read() returns it: 32 bytes, packed.
struct uffd_msg {
  uint8 event;
  uint8 reserved1;
  uint16 reserved2;
  uint32 reserved3;
  union {
    struct {
      uint64 flags;     // UFFD_PAGEFAULT_FLAG_*
      uint64 address;   // the faulting page
      union {
        uint32 ptid;    // the faulting thread (UFFD_FEATURE_THREAD_ID)
      } feat;
    } pagefault;
    struct {
      uint64 reserved1, reserved2, reserved3;
    } reserved;
  } arg;
} __attribute__((packed));

#define UFFD_EVENT_PAGEFAULT 0x12

#define UFFD_PAGEFAULT_FLAG_WRITE (1 << 0)   // a write (else a read)
#define UFFD_PAGEFAULT_FLAG_WP    (1 << 1)   // a write to a write-protected page

// Features. cowpin has PAGEFAULT_FLAG_WP (write-protect mode) and
// THREAD_ID; asking for any other is EINVAL.
#define UFFD_FEATURE_PAGEFAULT_FLAG_WP (1 << 0)
#define UFFD_FEATURE_EVENT_FORK        (1 << 1)
#define UFFD_FEATURE_THREAD_ID         (1 << 8)

struct uffdio_api {
  uint64 api;        // UFFD_API
  uint64 features;   // in: wanted; out: available
  uint64 ioctls;     // out: 1 << _UFFDIO_* of the commands available
};

struct uffdio_range {
  uint64 start, len;
};

struct uffdio_register {
  struct uffdio_range range;
  uint64 mode;       // UFFDIO_REGISTER_MODE_*
  uint64 ioctls;     // out: 1 << _UFFDIO_* of the range commands available
};
#define UFFDIO_REGISTER_MODE_MISSING ((uint64)1 << 0)
#define UFFDIO_REGISTER_MODE_WP      ((uint64)1 << 1)

struct uffdio_copy {
  uint64 dst, src, len;
  uint64 mode;       // UFFDIO_COPY_MODE_*
  int64 copy;        // out: bytes copied, or a negative errno
};
#define UFFDIO_COPY_MODE_DONTWAKE ((uint64)1 << 0)
#define UFFDIO_COPY_MODE_WP       ((uint64)1 << 1)

struct uffdio_zeropage {
  struct uffdio_range range;
  uint64 mode;       // UFFDIO_ZEROPAGE_MODE_DONTWAKE
  int64 zeropage;    // out: bytes mapped, or a negative errno
};
#define UFFDIO_ZEROPAGE_MODE_DONTWAKE ((uint64)1 << 0)

struct uffdio_writeprotect {
  struct uffdio_range range;
  uint64 mode;       // UFFDIO_WRITEPROTECT_MODE_*
};
#define UFFDIO_WRITEPROTECT_MODE_WP       ((uint64)1 << 0)   // protect (else un-protect)
#define UFFDIO_WRITEPROTECT_MODE_DONTWAKE ((uint64)1 << 1)   // un-protect without waking

// Command numbers, encoded as Linux's _IOR and _IOWR (asm-generic/ioctl.h):
// direction in bits 30-31, argument size in 16-29, type 0xAA, number.
#define _UFFDIO_REGISTER     0x00
#define _UFFDIO_UNREGISTER   0x01
#define _UFFDIO_WAKE         0x02
#define _UFFDIO_COPY         0x03
#define _UFFDIO_ZEROPAGE     0x04
#define _UFFDIO_WRITEPROTECT 0x06
#define _UFFDIO_API          0x3F
#define _UFFDIO_IOC(dir, nr, type) \
  ((uint)(((dir) << 30) | (sizeof(type) << 16) | (0xAA << 8) | (nr)))
#define UFFDIO_API          _UFFDIO_IOC(3U, _UFFDIO_API, struct uffdio_api)
#define UFFDIO_REGISTER     _UFFDIO_IOC(3U, _UFFDIO_REGISTER, struct uffdio_register)
#define UFFDIO_UNREGISTER   _UFFDIO_IOC(2U, _UFFDIO_UNREGISTER, struct uffdio_range)
#define UFFDIO_WAKE         _UFFDIO_IOC(2U, _UFFDIO_WAKE, struct uffdio_range)
#define UFFDIO_COPY         _UFFDIO_IOC(3U, _UFFDIO_COPY, struct uffdio_copy)
#define UFFDIO_ZEROPAGE     _UFFDIO_IOC(3U, _UFFDIO_ZEROPAGE, struct uffdio_zeropage)
#define UFFDIO_WRITEPROTECT _UFFDIO_IOC(3U, _UFFDIO_WRITEPROTECT, struct uffdio_writeprotect)

#define UFFD_API_IOCTLS \
  ((1UL << _UFFDIO_REGISTER) | (1UL << _UFFDIO_UNREGISTER) | (1UL << _UFFDIO_API))
#define UFFD_API_RANGE_IOCTLS \
  ((1UL << _UFFDIO_WAKE) | (1UL << _UFFDIO_COPY) | (1UL << _UFFDIO_ZEROPAGE) | \
   (1UL << _UFFDIO_WRITEPROTECT))
#endif
