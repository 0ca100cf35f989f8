// vmmap [PID]: a process's memory regions and, page by page, its PTE bits
// and the struct page behind it (refcount, mapcount, pincount, anonymous,
// exclusive, dirty, COW, page cache). Without PID: vmmap's own memory.
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/riscv.h"
#include "kernel/vmmap.h"
#include "user/user.h"

#define MAXVMAS 32

// The PTE's bits; G is userfaultfd's write-protect bit (PTE_UFFD_WP).
static char *
bits(uint64 pte, char *buf)
{
  static char names[] = "VRWXUwAD";
  for(int i = 0; i < 8; i++)
    buf[i] = (pte >> i) & 1 ? names[i] : '-';
  buf[8] = pte & PTE_COW ? 'C' : '-';
  buf[9] = 0;
  return buf;
}

static void
pageflags(struct page_info *pi)
{
  static char *names[] = { "locked", "dirty", "writeback", "anon", "exclusive" };
  if(pi->huge)
    printf(" huge");   // mapped by a huge PMD: the flags are the huge page's
  if(pi->zero)
    printf(" zero-page");
  if(pi->cache)
    printf(pi->cache == 1 ? " file" : " shmem");
  for(int i = 0; i < 5; i++)
    if(pi->flags & (1u << i))
      printf(" %s", names[i]);
}

static void
show_pages(int pid, uint64 start, uint64 end)
{
  static struct page_info pi[PAGEINFO_MAX];
  char b[10];
  int absent = 0;

  printf("  %-18s %-8s %-9s %3s %3s %3s  %s\n", "va", "pfn", "pte", "ref", "map", "pin", "page");
  for(uint64 va = start; va < end; va += PAGEINFO_MAX * PGSIZE){
    int n = (end - va) / PGSIZE < PAGEINFO_MAX ? (end - va) / PGSIZE : PAGEINFO_MAX;
    if((n = pageinfo(pid, (void *)va, n, pi)) < 0){
      perror("vmmap: pageinfo");
      exit(1);
    }
    for(int i = 0; i < n; i++){
      if(pi[i].pte == 0){
        absent++;
        continue;
      }
      printf("  %p %-8lx %s %3d %3d %3d ", (void *)pi[i].va, pi[i].pfn, bits(pi[i].pte, b),
             pi[i].refcount, pi[i].mapcount, pi[i].pincount);
      pageflags(&pi[i]);
      printf("\n");
    }
  }
  if(absent)
    printf("  (%d pages not present)\n", absent);
}

int
main(int argc, char *argv[])
{
  static struct vma_info v[MAXVMAS];
  int pid = argc > 1 ? atoi(argv[1]) : 0;
  int n = vmas(pid, v, MAXVMAS);

  if(n < 0){
    fprintf(2, "vmmap: %d: %s\n", pid, strerror(errno));
    exit(1);
  }
  printf("pid %d: %d region%s; pte bits V R W X U w A D (w: uffd-wp, kept in G), C = copy-on-write\n",
         pid ? pid : getpid(), n, n == 1 ? "" : "s");
  for(int i = 0; i < n; i++){
    printf("%p-%p %c%c%c %s%s %s", (void *)v[i].start, (void *)v[i].end,
           v[i].prot & PROT_READ ? 'r' : '-', v[i].prot & PROT_WRITE ? 'w' : '-',
           v[i].prot & PROT_EXEC ? 'x' : '-', v[i].flags & MAP_SHARED ? "shared" : "private",
           v[i].flags & MAP_ANONYMOUS ? " anon" : "", v[i].name);
    if(!(v[i].flags & MAP_ANONYMOUS))
      printf(" from page %ld", v[i].pgoff);
    printf("\n");
    show_pages(pid, v[i].start, v[i].end);
  }
  exit(0);
}
