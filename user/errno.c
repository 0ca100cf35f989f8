// errno, strerror and perror.  The usys.S stubs store the positive error
// number of a failed system call in errno.

#include "kernel/types.h"
#include "kernel/errno.h"
#include "user/user.h"

int errno;

// A few Linux numbers kernel/errno.h does not (yet) define; naming them
// costs little and makes a stray value readable.
#ifndef ENOTBLK
#define ENOTBLK 15
#endif
#ifndef ETXTBSY
#define ETXTBSY 26
#endif
#ifndef EROFS
#define EROFS 30
#endif
#ifndef EDOM
#define EDOM 33
#endif
#ifndef EDEADLK
#define EDEADLK 35
#endif
#ifndef ENOLCK
#define ENOLCK 37
#endif
#ifndef ELOOP
#define ELOOP 40
#endif

struct errname {
  int num;
  const char *text;    // "NAME (message)"
};

// The symbolic name comes first because that is what a programmer greps
// kernel/errno.h and the kernel sources for.
#define E(name, msg) { name, #name " (" msg ")" }

static const struct errname errnames[] = {
  E(EPERM, "Operation not permitted"),
  E(ENOENT, "No such file or directory"),
  E(ESRCH, "No such process"),
  E(EINTR, "Interrupted system call"),
  E(EIO, "I/O error"),
  E(ENXIO, "No such device or address"),
  E(E2BIG, "Argument list too long"),
  E(ENOEXEC, "Exec format error"),
  E(EBADF, "Bad file number"),
  E(ECHILD, "No child processes"),
  E(EAGAIN, "Try again"),
  E(ENOMEM, "Out of memory"),
  E(EACCES, "Permission denied"),
  E(EFAULT, "Bad address"),
  E(ENOTBLK, "Block device required"),
  E(EBUSY, "Device or resource busy"),
  E(EEXIST, "File exists"),
  E(EXDEV, "Cross-device link"),
  E(ENODEV, "No such device"),
  E(ENOTDIR, "Not a directory"),
  E(EISDIR, "Is a directory"),
  E(EINVAL, "Invalid argument"),
  E(ENFILE, "File table overflow"),
  E(EMFILE, "Too many open files"),
  E(ENOTTY, "Not a typewriter"),
  E(ETXTBSY, "Text file busy"),
  E(EFBIG, "File too large"),
  E(ENOSPC, "No space left on device"),
  E(ESPIPE, "Illegal seek"),
  E(EROFS, "Read-only file system"),
  E(EMLINK, "Too many links"),
  E(EPIPE, "Broken pipe"),
  E(EDOM, "Math argument out of domain of func"),
  E(ERANGE, "Math result not representable"),
  E(EDEADLK, "Resource deadlock would occur"),
  E(ENAMETOOLONG, "File name too long"),
  E(ENOLCK, "No record locks available"),
  E(ENOSYS, "Invalid system call number"),
  E(ENOTEMPTY, "Directory not empty"),
  E(ELOOP, "Too many symbolic links encountered"),
  E(EOVERFLOW, "Value too large for defined data type"),
  E(EOPNOTSUPP, "Operation not supported"),
};

#define NERRNAMES (sizeof(errnames) / sizeof(errnames[0]))

// Returns a static string; an unknown number is formatted into a buffer
// that the next such call overwrites.
const char *
strerror(int err)
{
  static char unknown[40];
  static const char prefix[] = "E? (unknown error ";
  char digits[12];
  uint u, i;
  int n = 0;
  char *p;

  for(i = 0; i < NERRNAMES; i++)
    if(errnames[i].num == err)
      return errnames[i].text;

  u = err < 0 ? -(uint)err : (uint)err;
  do {
    digits[n++] = '0' + u % 10;
    u /= 10;
  } while(u != 0);

  p = unknown;
  strcpy(p, prefix);
  p += sizeof(prefix) - 1;
  if(err < 0)
    *p++ = '-';
  while(n > 0)
    *p++ = digits[--n];
  *p++ = ')';
  *p = 0;
  return unknown;
}

void
perror(const char *s)
{
  const char *msg = strerror(errno);

  if(s && *s)
    fprintf(2, "%s: %s\n", s, msg);
  else
    fprintf(2, "%s\n", msg);
}
