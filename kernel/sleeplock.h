#ifndef SLEEPLOCK_H
#define SLEEPLOCK_H
// Long-term lock for processes: the holder may sleep (e.g. during disk I/O).
struct sleeplock {
  uint locked;
  struct spinlock lk; // protects this sleep lock
  char *name;
  int pid;            // process holding the lock
  int waiters;        // sleeping for it: only then is a wakeup needed
};

// A reader/writer sleep lock (Linux: struct rw_semaphore), for mmap_lock:
// page faults of many threads read an address space at once, mmap and
// munmap change it alone. Readers are let in while a writer waits, so a
// reader that takes the lock again (a fault inside a system call that
// already reads the mm) cannot deadlock behind that writer.
struct rw_semaphore {
  struct spinlock lk;
  int readers;         // holders for reading; lk
  int writer;          // held for writing; lk
  int waiters;         // sleeping for it: only then is a wakeup needed; lk
  char *name;
};

void init_rwsem(struct rw_semaphore *, char *);
void down_read(struct rw_semaphore *);
void up_read(struct rw_semaphore *);
void down_write(struct rw_semaphore *);
void up_write(struct rw_semaphore *);
#endif
