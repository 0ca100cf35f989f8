// kcheck(op, arg): the checkers' test hooks (kernel/kcheck.c), shared by
// the kernel and user/kchecktest.c. docs/debugging.md tells the story.
#define KCHECK_REPORTS    0   // reports the checker built in has printed
#define KCHECK_FPOS_RACE  1   // arg 1: reads and writes skip f->pos_lock; the old setting
#define KCHECK_INTERVAL   2   // KCSAN: a watchpoint about every arg accesses; the old one
#define KCHECK_INVERT     3   // take file arg's inode lock, then its pos_lock (pos_rw's order reversed)
#define KCHECK_BAD_RELEASE 4  // an up_read too many, of a rwsem of kcheck's own
#define KCHECK_IRQ_UNSAFE 5   // a spin lock of kcheck's own held with interrupts on, and taken in a handler

#if defined(KCSAN) || defined(LOCKDEP)
#define KCHECKED   // a kernel with a checker: the hooks that bring bugs back exist
#endif

// Should reads and writes of a shared file skip f->pos_lock (file.c)?
// And the IPI handler's hook for KCHECK_IRQ_UNSAFE (trap.c). Only a
// checked kernel has them; the plain one pays nothing.
#ifdef KCHECKED
int kcheck_fpos_race(void);
void kcheck_ipi(void);
#else
#define kcheck_fpos_race() 0
#define kcheck_ipi()
#endif
