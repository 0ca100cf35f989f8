// fuzz [seed] [ncalls]: a system-call fuzzer in the spirit of syzkaller.
//
// Random system calls, every one but those that end the machine, with
// arguments drawn from the values that break kernels: 0, -1, kernel
// addresses (text, direct map, kernel stacks), addresses at and near MAXVA,
// unaligned addresses, huge lengths, this program's own buffers at odd
// offsets, random descriptors, pids and flags. The kernel must answer each
// with a result or an error: never a panic or a hang, never a lost page.
//
// The calls run in batches, each in a child process (a call may block for
// good, as a read of one's own empty pipe does, or kill its caller, as a
// store through a bad mmap may); a watchdog process kills a batch that
// takes too long. Every other batch makes its calls from three threads
// at once. The child counts its calls in shared memory, so a batch that
// ends early is counted too. Batch b draws its calls from (seed, b)
// alone: the same seed makes the same calls. Files are made in the
// directory fuzzdir, removed with all below it at the end.
//
// Limits that keep the machine usable (and that a sandbox would give a
// real fuzzer): poweroff only with invalid arguments, kill only of the
// fuzzer's own children and of pids that name nobody (and of init, which
// must refuse), history knobs only read or set out of range, no device
// file of the console, paths only below fuzzdir, and the child's standard
// descriptors go to files, so that random bytes never reach the console.
//
// Prints "free pages: N" before and "free pages after: M" after (usertests'
// lines, which tools/test.py checks), and "fuzz: done" at the end.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/fcntl.h"
#include "kernel/syscall.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/stat.h"
#include "kernel/userfaultfd.h"
#include "user/user.h"
#include "user/testlib.h"

#define BATCH 64          // calls per child
#define WATCHDOG 10       // ticks a batch may take (1 s)
#define DIR "fuzzdir"

#define NFT 3             // threads of a threaded batch (every other one)
#define TSTACK 8192

int main(int argc, char *argv[]);

// Each thread draws from its own sequence, so that its calls depend on
// the seed alone. xv6 has no thread-local storage: a thread is known by
// its stack (as Linux once found current).
static char tstacks[NFT - 1][TSTACK] __attribute__((aligned(16)));
static uint64 rngs[NFT];

static uint64 *
my_rng(void)
{
  char here;
  for(int t = 0; t < NFT - 1; t++)
    if(&here >= tstacks[t] && &here < tstacks[t] + TSTACK)
      return &rngs[t + 1];
  return &rngs[0];
}

static uint64
rnd(void)
{
  return xorshift(my_rng());
}

static uint64
pick(uint64 n)
{
  return rnd() % n;
}

static long
raw_syscall(long num, long a0, long a1, long a2, long a3, long a4, long a5)
{
  register long r0 asm("a0") = a0;
  register long r1 asm("a1") = a1;
  register long r2 asm("a2") = a2;
  register long r3 asm("a3") = a3;
  register long r4 asm("a4") = a4;
  register long r5 asm("a5") = a5;
  register long r7 asm("a7") = num;
  asm volatile("ecall" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7) : "memory");
  return r0;
}

static char buf[4 * PGSIZE] __attribute__((aligned(PGSIZE)));
static uint64 maps[8];        // addresses mmap returned
static int kids[8];           // pids fork returned
#define NUFFDS 4
static int uffds[NUFFDS];     // descriptors userfaultfd returned
static int nuffds;            // how many userfaultfd returned (uffds keeps NUFFDS)

// An address: mostly this program's own memory at odd offsets, else one
// of the values that catch a kernel trusting a user pointer.
static uint64
arg_addr(void)
{
  uint64 stackvar = 0;
  switch(pick(16)){
  case 0: return 0;
  case 1: return -1UL;
  case 2: return KIMAGE_VADDR + TEXT_OFFSET + pick(0x10000);   // kernel text
  case 3: return PAGE_OFFSET + KERNBASE + pick(PHYSTOP - KERNBASE);   // direct map
  case 4: return KSTACK(pick(NPROC)) - pick(2 * PGSIZE);       // kernel stacks
  case 5: return MAXVA - pick(3) * PGSIZE - pick(16);           // at and near MAXVA
  case 6: return MAXVA + pick(PGSIZE);
  case 7: return (uint64)main + pick(64);                       // own text
  case 8: return (uint64)&stackvar - pick(64);                  // own stack
  case 9: return maps[pick(8)] + pick(2) * PGSIZE;
  case 10: return rnd();
  case 11: return pick(1 << 24);
  default: return (uint64)buf + pick(sizeof(buf));
  }
}

static uint64
arg_len(void)
{
  switch(pick(10)){
  case 0: return 0;
  case 1: return -1UL;
  case 2: return PGSIZE + pick(3) - 1;
  case 3: return 1UL << (31 + pick(10));
  case 4: return MAXVA;
  case 5: return rnd();
  case 6: return -(long)pick(PGSIZE);
  default: return pick(3 * PGSIZE);
  }
}

static uint64
arg_fd(void)
{
  switch(pick(8)){
  case 0: return -1;
  case 1: return rnd();
  case 2: return NOFILE + pick(4);
  default: return pick(NOFILE);
  }
}

static uint64
arg_flags(void)
{
  static const uint64 some[] = { 0, 1, 2, 3, 4, 8, 0x10, 0x20, 0x22, 0x21, 0x12, 0x100, 0x101,
                                 O_CREATE, O_CREATE | O_RDWR, O_DIRECT, O_DIRECT | O_RDWR | O_CREATE,
                                 O_TRUNC | O_WRONLY, 10, 11, 0xf, 0x7fffffff, -1UL };
  switch(pick(4)){
  case 0: return rnd();
  case 1: return 1UL << pick(64);
  default: return some[pick(sizeof(some) / sizeof(some[0]))];
  }
}

static uint64
arg_int(void)
{
  switch(pick(6)){
  case 0: return -1;
  case 1: return rnd();
  case 2: return 0x7fffffff;
  case 3: return -(long)pick(1 << 20);
  default: return pick(64);
  }
}

// A pid that is neither this fuzzer's parent process nor the shell.
static uint64
arg_pid(void)
{
  switch(pick(7)){
  case 0: return 0;
  case 1: return -1;
  case 2: return 1;               // init
  case 3: return getpid();
  case 4: return 99999 + pick(100);
  case 5: return -(long)pick(1000);
  default: return kids[pick(8)];
  }
}

// A path: a name below fuzzdir (where the child runs), or a bad pointer.
static char longname[MAXPATH + 8];
static const char *names[] = { "f0", "f1", "f2", "d0", "d1", "d0/f0", "d0/d1", "d0/d1/f2",
                               "d0/../f1", ".", "", "/", "..", "f0/", "d0//f0",
                               "abcdefghijklmnopqrstuvwxyz" };
#define NNAMES (sizeof(names) / sizeof(names[0]))

static uint64
arg_path(int may_leave)
{
  int n = pick(NNAMES + 3);
  if(n < NNAMES){
    // chdir must stay below fuzzdir: not "/", "..", "d0/../f1".
    if(!may_leave && (strcmp(names[n], "/") == 0 || strchr(names[n], '.')))
      n = 0;
    return (uint64)names[n];
  }
  if(n == NNAMES)
    return (uint64)longname + pick(16);   // a path of MAXPATH bytes or more
  return arg_addr();
}

static uint64
arg_knob(void)
{
  static const char *knobs[] = { "cow", "foll_cow", "race_delay_ms", "nosuchknob",
                                 "a_knob_name_that_is_much_too_long_to_fit" };
  return pick(4) ? (uint64)knobs[pick(5)] : arg_addr();
}

static uint64 registered;   // the start of the last range UFFDIO_REGISTER took

// The argument of ioctl cmd: mostly that userfaultfd command's structure
// with fields a program would use (a range of a few pages of this
// program's memory, a source buffer, the mode bits), else any address,
// or the structure with the values above in its fields.
static uint64
arg_uffdio(uint64 cmd)
{
  static uint64 w[6];
  if(pick(8) == 0)
    return arg_addr();
  static uint64 fresh;   // untouched anonymous pages, for MISSING faults
  if(fresh == 0)
    fresh = raw_syscall(SYS_mmap, 0, 4 * PGSIZE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int sane = pick(4) != 0;
  uint64 start = (uint64[]){ maps[pick(8)], (uint64)buf, fresh }[pick(3)] + PGSIZE * pick(4);
  uint64 len = PGSIZE * (1 + pick(4)), mode = pick(4);
  if(registered && pick(2)){   // inside the last registered range
    start = registered;
    len = PGSIZE;
  }
  w[0] = sane ? start : arg_addr();
  w[1] = sane ? len : arg_len();
  w[2] = sane ? mode : arg_flags();
  w[3] = w[4] = 0;
  if(cmd == UFFDIO_API){
    w[0] = sane ? UFFD_API : arg_int();
    w[1] = sane ? pick(2) * UFFD_FEATURE_PAGEFAULT_FLAG_WP : arg_flags();
  } else if(cmd == UFFDIO_COPY){   // dst, src, len, mode
    w[1] = sane ? (uint64)buf + pick(PGSIZE) : arg_addr();
    w[2] = sane ? len : arg_len();
    w[3] = sane ? mode : arg_flags();
  }
  return (uint64)w;
}

// One random call; returns its number. An eighth of them are
// userfaultfd's (the others are 1..memwrite: failinject, the tracer and
// kcheck stay out; the fuzzer's harness uses none of them).
static int
one_call(void)
{
  uint64 a[6];
  int num = pick(8) ? 1 + pick(SYS_memwrite) : (pick(2) ? SYS_userfaultfd : SYS_ioctl);
  for(int i = 0; i < 6; i++)
    a[i] = pick(2) ? arg_int() : arg_addr();
  switch(num){
  case SYS_exit:
  case SYS_thread_exit:
    if(pick(8))   // mostly keep going
      return num;
    break;
  case SYS_poweroff:
    a[0] = pick(2) ? 2 + pick(100) : -1 - pick(100);   // never 0 or 1
    break;
  case SYS_kill:
    a[0] = pick(2) ? kids[pick(8)] : (uint64[]){ 1, 0, -1, 99999, 1 << 30 }[pick(5)];
    break;
  case SYS_vmknob:
    a[0] = arg_knob();
    a[1] = (uint64[]){ -1, -2, 100000, -100000, 1 << 31 }[pick(5)];
    break;
  case SYS_sleep:
    a[0] = pick(3) - 1;
    break;
  case SYS_clone:
    // A new thread starts at entry: never in this program's code (user
    // text starts at 0), where it could run amok in forked children that
    // no watchdog knows of.
    a[0] = (uint64[]){ -1, KIMAGE_VADDR + TEXT_OFFSET, MAXVA - 8, MAXVA + PGSIZE, PAGE_OFFSET }[pick(5)];
    break;
  case SYS_read: case SYS_write:
    a[0] = arg_fd(); a[1] = arg_addr(); a[2] = arg_len();
    break;
  case SYS_close: case SYS_dup: case SYS_fstat: case SYS_fsync:
    a[0] = arg_fd();
    break;
  case SYS_lseek:
    a[0] = arg_fd(); a[1] = arg_int(); a[2] = pick(4);
    break;
  case SYS_open:
    a[0] = arg_path(1); a[1] = arg_flags();
    break;
  case SYS_mknod:
    a[0] = arg_path(1); a[1] = 2 + pick(NDEV + 4); a[2] = arg_int();   // not the console (1)
    break;
  case SYS_unlink: case SYS_mkdir:
    a[0] = arg_path(1);
    break;
  case SYS_chdir:
    a[0] = arg_path(0);
    break;
  case SYS_link:
    a[0] = arg_path(1); a[1] = arg_path(1);
    break;
  case SYS_exec:
    a[0] = arg_path(1);
    break;
  case SYS_mmap:
    a[0] = pick(4) ? 0 : arg_addr(); a[1] = arg_len(); a[2] = arg_flags() & (pick(2) ? 7 : -1UL);
    a[3] = arg_flags(); a[4] = arg_fd(); a[5] = pick(3) ? 0 : arg_len();
    break;
  case SYS_munmap: case SYS_mprotect: case SYS_madvise: case SYS_msync:
  case SYS_pin_user_pages: case SYS_clear_refs:
    a[0] = arg_addr(); a[1] = arg_len(); a[2] = arg_flags();
    if(num == SYS_madvise && pick(2))   // the advice cowpin knows
      a[2] = (uint64[]){ MADV_NORMAL, MADV_DONTNEED, MADV_FREE, MADV_DONTFORK, MADV_DOFORK,
                         MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_WIPEONFORK, MADV_KEEPONFORK,
                         MADV_POPULATE_READ, MADV_POPULATE_WRITE }[pick(11)];
    if(num == SYS_clear_refs){
      a[0] = arg_pid(); a[1] = pick(2) ? 4 : arg_int();
    }
    break;
  case SYS_vmas: case SYS_pageinfo: case SYS_pagemap: case SYS_memwrite:
    a[0] = arg_pid(); a[2] = pick(2) ? pick(600) : arg_int();
    break;
  case SYS_vmsplice:
    a[0] = arg_fd(); a[1] = arg_addr(); a[2] = arg_len(); a[3] = arg_flags();
    break;
  case SYS_thread_join: case SYS_wait:
    a[0] = pick(2) ? arg_pid() : a[0];
    break;
  case SYS_userfaultfd:
    a[0] = pick(2) ? (pick(2) ? O_NONBLOCK : 0) | pick(2) * UFFD_USER_MODE_ONLY : arg_flags();
    break;
  case SYS_ioctl:
    // A fault in a range registered for MISSING or WP waits for a monitor
    // that never comes: the watchdog's kill must end that wait.
    a[0] = pick(4) && nuffds ? uffds[pick(nuffds < NUFFDS ? nuffds : NUFFDS)] : arg_fd();
    a[1] = pick(8) ? (uint64[]){ UFFDIO_API, UFFDIO_REGISTER, UFFDIO_UNREGISTER, UFFDIO_WAKE,
                                 UFFDIO_COPY, UFFDIO_ZEROPAGE, UFFDIO_WRITEPROTECT,
                                 UFFDIO_REGISTER }[pick(8)]
                   : arg_int();
    a[2] = arg_uffdio(a[1]);
    break;
  }
  long r = raw_syscall(num, a[0], a[1], a[2], a[3], a[4], a[5]);
  if(num == SYS_fork && r == 0)
    exit(0);   // the new child
  if(num == SYS_fork && r > 0)
    kids[pick(8)] = r;
  if(num == SYS_mmap && r > 0 && (uint64)r < MAXVA)
    maps[pick(8)] = r;
  if(num == SYS_ioctl && r == 0 && a[1] == UFFDIO_REGISTER){
    registered = ((uint64 *)a[2])[0];   // where the other commands work
    if(pick(2))
      *(volatile char *)registered = 1;   // a fault for no monitor: wait for the watchdog
  }
  if(num == SYS_userfaultfd && r >= 0){
    int i = __atomic_fetch_add(&nuffds, 1, __ATOMIC_RELAXED);   // threads race here
    uffds[i < NUFFDS ? i : pick(NUFFDS)] = r;
    // Mostly shake hands at once, as a program does: the other commands
    // want it first, and a batch is too short to come upon it by chance.
    struct uffdio_api api = { UFFD_API, pick(2) ? UFFD_FEATURE_PAGEFAULT_FLAG_WP : 0, 0 };
    if(pick(4))
      raw_syscall(SYS_ioctl, r, UFFDIO_API, (uint64)&api, 0, 0, 0);
  }
  return num;
}

// n calls, each counted in *progress (shared with the parent) first.
static volatile int *progress;

static int
calls(void *n)
{
  for(int i = 0; i < (int)(uint64)n; i++){
    __atomic_add_fetch(progress, 1, __ATOMIC_SEQ_CST);
    one_call();
  }
  return 0;
}

// A batch in this (child) process: up to max calls. Every other batch
// makes them from NFT threads at once: calls race with calls (a close
// with a read of the same descriptor, an munmap with a GUP, a fork with
// a fault), as they do in syzkaller's threaded mode.
static void
batch(uint64 seed, int b, int max)
{
  for(int t = 0; t < NFT; t++)
    rngs[t] = seed * 0x9E3779B97F4A7C15ULL + b * NFT + t + 1;
  // Standard descriptors to files: random writes must not reach the console.
  for(int fd = 0; fd < 3; fd++){
    close(fd);
    if(open(fd ? "out" : "in", O_CREATE | O_RDWR) != fd)
      exit(2);
  }
  int threads = b % 2 ? NFT - 1 : 0, tids[NFT - 1];
  int each = max / (threads + 1);
  for(int t = 0; t < threads; t++)
    tids[t] = thread_spawn(calls, (void *)(uint64)each, tstacks[t], TSTACK);
  calls((void *)(uint64)(max - threads * each));
  for(int t = 0; t < threads; t++)
    if(tids[t] > 0)
      thread_join(tids[t], 0);
  exit(0);
}

// Run batch b (at most max calls) in a child with a watchdog; returns how
// many calls it made. The calls may write anywhere in the child's memory,
// the shared page too: the count is clamped to what a batch can make.
static int
run_batch(uint64 seed, int b, int max)
{
  *progress = 0;
  int pid = fork();
  if(pid < 0){
    sleep(1);   // out of process slots for a moment (forked children exiting)
    return 0;
  }
  if(pid == 0)
    batch(seed, b, max);
  int dog = fork();
  if(dog == 0){
    sleep(WATCHDOG);
    kill(pid);
    exit(0);
  }
  int first = wait(0);
  if(first == pid && dog > 0)
    kill(dog);
  if(dog > 0)
    wait(0);
  int made = *progress;
  return made < 0 ? 0 : made > max ? max : made;
}

// Remove everything in the current directory, subdirectories too (the
// calls may have made any tree of names[] below fuzzdir).
static void
rmtree_here(int depth)
{
  struct dirent de;
  struct stat st;
  char name[DIRSIZ + 1];
  int fd = open(".", O_RDONLY);
  while(fd >= 0 && read(fd, &de, sizeof(de)) == sizeof(de)){
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = 0;
    if(de.inum == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
      continue;
    if(depth < 32 && stat(name, &st) == 0 && st.type == T_DIR && chdir(name) == 0){
      rmtree_here(depth + 1);
      chdir("..");
    }
    unlink(name);
  }
  close(fd);
}

int
main(int argc, char *argv[])
{
  uint64 seed = argc > 1 ? atoi(argv[1]) : uptime() * 2654435761UL % 1000000;
  int n = argc > 2 ? atoi(argv[2]) : 20000;
  printf("fuzz: seed %d, %d calls (fuzz %d %d repeats this run)\n", (int)seed, n, (int)seed, n);
  memset(longname, 'x', sizeof(longname) - 1);
  mkdir(DIR);
  if(chdir(DIR) < 0){
    printf("fuzz: cannot enter %s\n", DIR);
    exit(1);
  }
  progress = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if(progress == MAP_FAILED){
    printf("fuzz: mmap: %s\n", strerror(errno));
    exit(1);
  }
  rmtree_here(0);
  *progress = 0;
  counter("nr_free_pages");   // its buffer, like *progress, is in memory before the count
  printf("free pages: %d\n", (int)counter("nr_free_pages"));
  int b = 0;
  int done = 0;
  for(; done < n; b++){
    int made = run_batch(seed, b, n - done < BATCH ? n - done : BATCH);
    if((done + made) / 5000 != done / 5000)
      printf("fuzz: %d calls, %d batches\n", done + made, b + 1);
    done += made;
    if(b % 100 == 99)
      rmtree_here(0);   // what the calls made would fill the disk in the end
  }
  rmtree_here(0);
  chdir("..");
  // The file system still works, and fuzzdir was emptied.
  int fs_ok = unlink(DIR) == 0;
  int fd = open("fuzzcheck", O_CREATE | O_RDWR);
  char c = 0;
  fs_ok = fs_ok && fd >= 0 && write(fd, "ok", 2) == 2 && lseek(fd, 0, SEEK_SET) == 0 &&
              read(fd, &c, 1) == 1 && c == 'o';
  close(fd);
  unlink("fuzzcheck");
  sleep(2);   // let the last batches' children be reaped by init
  printf("free pages after: %d\n", (int)counter("nr_free_pages"));
  printf("fuzz: %d calls in %d batches, seed %d\n", done, b, (int)seed);
  printf("test fuzz: %s\n", fs_ok ? "OK" : "FAILED");
  printf("fuzz: done\n");
  exit(fs_ok ? 0 : 1);
}
