// Fixed-width types used by the kernel and by xv6 user programs.
#ifndef COWPIN_TYPES_H
#define COWPIN_TYPES_H
typedef unsigned int   uint;
typedef unsigned short ushort;
typedef unsigned char  uchar;

typedef unsigned char  uint8;
typedef unsigned short uint16;
typedef unsigned int   uint32;
typedef unsigned long  uint64;
typedef long           int64;

typedef uint64 pde_t;
#endif
