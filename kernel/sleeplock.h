// Long-term lock for processes: the holder may sleep (e.g. during disk I/O).
struct sleeplock {
  uint locked;
  struct spinlock lk; // protects this sleep lock
  char *name;
  int pid;            // process holding the lock
};
