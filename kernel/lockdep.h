// The lock-order checker's hooks (kernel/lockdep.c, make LOCKDEP=1): one
// call where each lock is taken or released and where an interrupt
// handler starts and ends. Without LOCKDEP they are nothing.
#ifndef LOCKDEP_H
#define LOCKDEP_H
#define LD_SPIN   0
#define LD_SLEEP  1   // a sleep lock or an rw_semaphore
#define LD_TRY    2   // with LD_SLEEP: taken only if free (tryacquiresleep)

#ifdef LOCKDEP
void lockdep_acquire(void *lock, char *name, int kind, uint64 pc);
void lockdep_release(void *lock, char *name, int kind, uint64 pc);
void lockdep_hardirq_enter(void);
void lockdep_hardirq_exit(void);
#else
#define lockdep_acquire(lock, name, kind, pc) do { } while(0)
#define lockdep_release(lock, name, kind, pc) do { } while(0)
#define lockdep_hardirq_enter() do { } while(0)
#define lockdep_hardirq_exit() do { } while(0)
#endif

// The caller's address, for the reports.
#define CALLER_PC() ((uint64)__builtin_return_address(0))
#endif
