// longterm_pin (the longterm_file_pin; xv6 names have at most 14
// characters): a long-term write pin of a shared file mapping. Writeback
// cleans the page and write-protects its PTEs; the device then writes
// through its pin, no fault happens, the file system never learns the
// page is dirty again, and the data does not reach the disk. Linux 6.5
// refuses such pins.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "user/repro.h"

#define FILE "ltpin.f"

int
main(void)
{
  SETUP("longterm_pin");
  int fd = page_file(FILE, 'o');
  char *m = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED, "mmap");
  m[0] = 'm';                  // dirty
  int pfd = pin_user_pages(m, PGSIZE, FOLL_WRITE | FOLL_LONGTERM);
  if(pfd < 0){
    unlink(FILE);
    VERDICT_OK("the long-term write pin of a shared file mapping was refused (%s)", strerror(errno));
  }
  CHECK(msync(m, PGSIZE, MS_SYNC) == 0, "msync");   // writeback: clean, write-protected
  CHECK(write(pfd, "DEVICE", 6) == 6, "device write");
  CHECK(msync(m, PGSIZE, MS_SYNC) == 0, "msync");   // nothing dirty: nothing written
  // What the disk holds: a direct read goes around the page cache.
  int dfd = open(FILE, O_RDONLY | O_DIRECT);
  char *d = map_anon(PGSIZE);
  CHECK(dfd >= 0 && read(dfd, d, PGSIZE) == PGSIZE, "direct read: %s", strerror(errno));
  close(dfd);
  close(pfd);
  munmap(m, PGSIZE);
  close(fd);
  unlink(FILE);
  if(memcmp(d, "DEVICE", 6) != 0)
    BUG("the device's write never reached the disk (the disk has \"%c%c...\")", d[0], d[1]);
  VERDICT_OK("the device's write reached the disk");
}
