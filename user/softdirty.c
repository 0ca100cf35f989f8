// softdirty [-c] [PID]: the soft-dirty pages of a process (0 or none: this
// one), region by region, from pagemap: the pages written since the last
// clear_refs (or in regions made since). -c clears them first, so that a
// later run shows what was written in between (of this process or a
// descendant: clear_refs of any other gives EPERM).
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmmap.h"
#include "user/user.h"

#define MAXVMAS 32

// Print the runs of soft-dirty pages in [start, end).
static void
show(int pid, uint64 start, uint64 end)
{
  static uint64 e[PAGEMAP_MAX];
  uint64 run = 0;
  int dirty = 0;
  for(uint64 va = start; va < end; va += PAGEMAP_MAX * PGSIZE){
    int n = (end - va) / PGSIZE < PAGEMAP_MAX ? (end - va) / PGSIZE : PAGEMAP_MAX;
    if(pagemap(pid, (void *)va, n, e) != n){
      perror("softdirty: pagemap");
      exit(1);
    }
    for(int i = 0; i <= n; i++){
      uint64 a = va + (uint64)i * PGSIZE;
      int sd = i < n && (e[i] & PM_SOFT_DIRTY);
      if(sd && !run)
        run = a;
      if(!sd && run && (i < n || a == end)){
        printf("  %p-%p %d page%s\n", (void *)run, (void *)a, (int)((a - run) / PGSIZE),
               a - run == PGSIZE ? "" : "s");
        dirty += (a - run) / PGSIZE;
        run = 0;
      }
    }
  }
  if(!dirty)
    printf("  (none)\n");
}

int
main(int argc, char *argv[])
{
  static struct vma_info v[MAXVMAS];
  int clear = argc > 1 && strcmp(argv[1], "-c") == 0;
  int pid = argc > 1 + clear ? atoi(argv[1 + clear]) : 0;
  if(clear && clear_refs(pid, CLEAR_REFS_SOFT_DIRTY) < 0){
    perror("softdirty: clear_refs");
    exit(1);
  }
  int n = vmas(pid, v, MAXVMAS);
  if(n < 0){
    perror("softdirty: vmas");
    exit(1);
  }
  printf("pid %d: soft-dirty pages\n", pid ? pid : getpid());
  for(int i = 0; i < n; i++){
    printf("%p-%p %s\n", (void *)v[i].start, (void *)v[i].end, v[i].name);
    show(pid, v[i].start, v[i].end);
  }
  exit(0);
}
