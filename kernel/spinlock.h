// Mutual exclusion lock that spins; held with interrupts off.
struct spinlock {
  uint locked;       // is the lock held?
  char *name;        // for debugging
  struct cpu *cpu;   // the cpu holding the lock
};
