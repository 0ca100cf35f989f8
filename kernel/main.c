// Boot: discover the machine from the device tree, set up memory, devices
// and the first process, start the other harts, and enter the scheduler.
//
// The firmware (OpenSBI, M-mode) enters _start in entry.S on one hart, in
// S-mode, with the MMU off, a0 = the hart's id and a1 = the physical
// address of the device tree. Which hart that is, where the image was
// loaded and how much RAM there is are not known in advance: QEMU and the
// VisionFive 2 differ in all three. entry.S sets up a stack and an early
// page table that maps the image at its link address (the top of the
// address space) and RAM in the direct map, turns paging on and calls
// kmain. kmain then, in order:
//
//  1. reads the device tree (fdt.c): harts, RAM, reserved regions, the
//     UART, the PLIC, virtio devices, the initrd, the timebase;
//  2. builds the kernel's own page table and gives every frame of RAM not
//     reserved (firmware, kernel, device tree, initrd) to the allocator;
//  3. brings up the console, interrupts, the file system's caches and the
//     root disk (the initrd as a RAM disk if there is one, else virtio);
//  4. makes the first process (userinit: it will exec /init) and the
//     flusher, the kernel thread that writes dirty file pages back;
//  5. starts the other harts through SBI's hart state management
//     extension (secondary_entry in entry.S, then kmain_secondary), one
//     at a time, each waiting until the one before runs;
//  6. enters the scheduler, as every hart does last.

#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "fdt.h"
#include "defs.h"

#define COWPIN_VERSION "0.1"

uint64 timebase;
static struct fdt_machine machine;

extern char secondary_entry[];

// Map firmware hart ids to cpu indices: the boot hart is cpu 0, the other
// usable harts follow in device-tree order.
static void
find_cpus(uint64 boot_hartid)
{
  cpus[0].hartid = boot_hartid;
  ncpu = 1;
  for(int i = 0; i < machine.nharts; i++){
    struct fdt_hart *h = &machine.harts[i];
    if(!h->usable || h->hartid == boot_hartid)
      continue;
    if(ncpu == NCPU){
      printf("hart %d: more than NCPU=%d harts, not started\n", h->hartid, NCPU);
      continue;
    }
    cpus[ncpu++].hartid = h->hartid;
  }
}

// Set once the boot hart has printed its summary (kmain_secondary waits).
static int boot_announced;

// Start every other cpu through SBI HSM. A hart that refuses (some trees
// list a hart that cannot run S-mode) is logged and left out.
static void
start_secondaries(void)
{
  for(int c = 1; c < ncpu; ){
    int err = sbi_hart_start(cpus[c].hartid, __pa(secondary_entry), c);
    if(err){
      // Drop it from cpus[] so that no one waits for it (IPIs, flushes).
      printf("hart %d: hart_start failed (SBI error %d), not used\n", cpus[c].hartid, err);
      for(int k = c; k + 1 < ncpu; k++)
        cpus[k].hartid = cpus[k+1].hartid;
      ncpu--;
      continue;
    }
    while(!__atomic_load_n(&cpus[c].started, __ATOMIC_ACQUIRE))
      ;
    c++;
  }
}

static uint64
total_memory(void)
{
  uint64 t = 0;
  for(int i = 0; i < machine.nmem; i++)
    t += machine.mem[i].size;
  return t;
}

void
kmain(uint64 hartid, uint64 dtb_pa)
{
  printfinit();
  printf("\ncowpin %s booting on hart %ld\n", COWPIN_VERSION, hartid);
  sbi_init();
  if(fdt_parse(__va(dtb_pa), &machine) != 0)
    panic("bad device tree at %p", (void*)dtb_pa);
  timebase = machine.timebase;
  if(timebase == 0)
    panic("no timebase-frequency in the device tree");
  find_cpus(hartid);

  kvminit(&machine, dtb_pa);   // kernel page table, frame allocator
  uartinit(&machine);          // the console from here on
  consoleinit();
  plicinit(&machine);
  plic_enable(uart_irq);
  trapinit();
  trapinithart();
  knobs_init();
  trace_init();
  procinit();
  vma_init();
  rmap_init();
  huge_memory_init();
  filemap_init();
  binit();
  iinit();
  fileinit();
  int have_virtio = virtio_blk_init(&machine) == 0;
  if(machine.initrd_end > machine.initrd_start){
    ramdisk_init(machine.initrd_start, machine.initrd_end);
    rootdisk = &ramdisk;
  } else if(have_virtio){
    rootdisk = &virtio_blk;
  } else {
    panic("no root disk: neither an initrd nor a virtio block device");
  }
  plicinithart();
  userinit();
  flusher_start();

  __atomic_store_n(&mycpu()->started, 1, __ATOMIC_RELEASE);
  int usable = ncpu;
  start_secondaries();
  kcsan_init();   // make KCSAN=1: from here on, races are watched for
  printf("cowpin %s: boot hart %ld, %d of %d harts online, %ld MiB of RAM, %ld free pages, timebase %ld Hz\n",
         COWPIN_VERSION, hartid, ncpu, usable, total_memory() >> 20, nr_free_pages(), timebase);
  if(machine.bootargs[0])
    printf("bootargs: %s\n", machine.bootargs);
  __atomic_store_n(&boot_announced, 1, __ATOMIC_RELEASE);
  scheduler();
}

// A secondary hart, on the early page table, with tp = its cpu index.
void
kmain_secondary(uint64 hartid, uint64 cpu)
{
  (void)hartid;
  kvminithart();
  trapinithart();
  plicinithart();
  __atomic_store_n(&cpus[cpu].started, 1, __ATOMIC_RELEASE);
  // The boot hart's summary comes before anything a process prints: a
  // shell prompt printed first would be followed by it, and whoever
  // waits for the prompt at the end of the output (tools/qemu.py) would
  // wait in vain.
  while(!__atomic_load_n(&boot_announced, __ATOMIC_ACQUIRE))
    ;
  scheduler();
}
