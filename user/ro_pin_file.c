// ro_pin_file: a read-only long-term pin of a page that is not anonymous,
// in a private (copy-on-write) mapping: a page-cache page of a private
// file mapping, and the shared zero page. The pin takes that page as it
// is; the process's next write copies it, and the pin no longer sees the
// process's memory. 5.19 unshared only anonymous pages; 6.2
// (84209e87c696) unshares any page of a COW mapping for a long-term pin.
// (5.8's COW break on read GUP did it too, until reverted.)
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "user/repro.h"

int
main(void)
{
  SETUP("ro_pin_file");
  int fd = page_file("ro_pin_file.f", 'f');
  char *f = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  char *z = map_anon(PGSIZE);
  CHECK(f != MAP_FAILED, "mmap: %s", strerror(errno));
  (void)*(volatile char *)f;   // the page-cache page, mapped read-only
  (void)*(volatile char *)z;   // the zero page
  int pf = pin_user_pages(f, PGSIZE, FOLL_LONGTERM);
  int pz = pin_user_pages(z, PGSIZE, FOLL_LONGTERM);
  CHECK(pf >= 0 && pz >= 0, "pin_user_pages: %s", strerror(errno));
  f[0] = 'W';
  z[0] = 'Z';
  char cf = device_byte(pf, 0), cz = device_byte(pz, 0);
  close(pf);
  close(pz);
  close(fd);
  unlink("ro_pin_file.f");
  if(cf != 'W' || cz != 'Z')
    BUG("the read-only pins see bytes %d (file page) and %d (zero page), not the "
        "process's later writes %d ('W') and %d ('Z')", cf, cz, 'W', 'Z');
  VERDICT_OK("the read-only pins of a private file page and of the zero page see the "
             "process's later writes");
}
