// Processes and cpus. Include after spinlock.h.
#include "mm/mm_types.h"

// Saved registers for kernel context switches (swtch.S).
struct context {
  uint64 ra;
  uint64 sp;
  // callee-saved
  uint64 s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
};

// Per-hart state. A "cpu" is indexed 0..ncpu-1; its hart id is whatever
// the firmware uses (hart ids need not start at 0 or be contiguous).
struct cpu {
  struct proc *proc;          // The process running on this cpu, or null.
  struct context context;     // swtch() here to enter scheduler().
  int noff;                   // Depth of push_off() nesting.
  int intena;                 // Were interrupts enabled before push_off()?
  uint32 hartid;              // firmware hart id
  int started;                // reached the scheduler; atomic (start_secondaries waits for it)
  int idle;                   // waiting for work in wfi; atomic: set by this cpu, taken by a waker (kick_idle_cpus)
  struct mm_struct *active_mm; // whose page table satp holds (0: the kernel's); see switch_mm
};

extern struct cpu cpus[NCPU];
extern int ncpu;

// This hart's cpu index (kept in tp). Interrupts must be off, or the
// process could move to another cpu between reading tp and using the
// result. Inline: every spinlock asks, twice.
static inline int cpuid(void) { return r_tp(); }
static inline struct cpu *mycpu(void) { return &cpus[cpuid()]; }

// The user registers saved by uservec (kernelvec.S) on a trap from user
// mode. The offsets are used by the assembly: keep them in step.
struct trapframe {
  /*   0 */ uint64 kernel_sp;   // top of this process's kernel stack
  /*   8 */ uint64 kernel_tp;   // cpu index, restored into tp on entry
  /*  16 */ uint64 epc;         // saved user program counter
  /*  24 */ uint64 ra;
  /*  32 */ uint64 sp;
  /*  40 */ uint64 gp;
  /*  48 */ uint64 tp;
  /*  56 */ uint64 t0;
  /*  64 */ uint64 t1;
  /*  72 */ uint64 t2;
  /*  80 */ uint64 s0;
  /*  88 */ uint64 s1;
  /*  96 */ uint64 a0;
  /* 104 */ uint64 a1;
  /* 112 */ uint64 a2;
  /* 120 */ uint64 a3;
  /* 128 */ uint64 a4;
  /* 136 */ uint64 a5;
  /* 144 */ uint64 a6;
  /* 152 */ uint64 a7;
  /* 160 */ uint64 s2;
  /* 168 */ uint64 s3;
  /* 176 */ uint64 s4;
  /* 184 */ uint64 s5;
  /* 192 */ uint64 s6;
  /* 200 */ uint64 s7;
  /* 208 */ uint64 s8;
  /* 216 */ uint64 s9;
  /* 224 */ uint64 s10;
  /* 232 */ uint64 s11;
  /* 240 */ uint64 t3;
  /* 248 */ uint64 t4;
  /* 256 */ uint64 t5;
  /* 264 */ uint64 t6;
};

// A process's floating-point registers (kernel/fpu.S).
struct fpstate {
  uint64 f[32];
  uint64 fcsr;
};

enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

// Open files and the current directory, shared by the threads of a
// process (Linux splits them into files_struct and fs_struct).
struct files_struct {
  struct spinlock lock;        // guards fd[] and cwd
  int count;                   // threads sharing it; 0: free
  struct file *fd[NOFILE];
  struct inode *cwd;
};

struct proc {
  struct spinlock lock;

  // p->lock must be held when using these:
  enum procstate state;        // Process state
  void *chan;                  // If non-zero, sleeping on chan
  int killed;                  // If non-zero, have been killed
  int xstate;                  // Exit status to be returned to parent's wait
  int pid;                     // Process ID
  int preempted_cpu;           // where it last yielded the cpu (yield), and when:
  uint64 preempted_at;         // timebase units, 0 once it runs again (see cache_hot)

  // wait_lock must be held when using these:
  struct proc *parent;         // Parent process (0 for a thread)
  int group_exit;              // main thread: the process is exiting (1) or exec'ing (2)
  int group_status;            // main thread: the exit status of the process

  // set at creation (allocproc: itself; clone: under wait_lock):
  struct proc *leader;         // its main thread (itself for the main thread),
                               // whose pid is the process's (alive while any thread is)

  // private to the process, so p->lock need not be held.
  uint64 kstack;               // Virtual address of kernel stack (bottom)
  struct mm_struct *mm;        // address space: page table, size (mm->brk)
  struct trapframe trapframe;  // saved user registers
  struct fpstate fp;           // saved FP registers, if fp_used
  int fp_used;                 // has run an FP instruction since exec
  void (*kthread)(void);       // a kernel thread's function: never in user mode
  struct context context;      // swtch() here to run process
  struct files_struct *files;  // open files and cwd, shared by threads
  char name[16];               // Process name (debugging)
  int make_it_fail;            // main thread: fault injection's task filter passes
                               // (fault-inject.c); set by failinject, copied by fork
  // This thread's file-system operation (log.c) and system call:
  int op_tid;                  // the transaction its operation joined
  int op_logged;               // the operation has logged a block
  int op_read_failed;          // a disk read failed in it (bread)
  int io_error;                // the system call met a disk error: it fails with EIO
};
