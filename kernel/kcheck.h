// kcheck(op, arg): the checkers' test hooks (kernel/kcheck.c), shared by
// the kernel and user/kchecktest.c. docs/debugging.md tells the story.
#define KCHECK_REPORTS    0   // reports the checker built in has printed
#define KCHECK_FPOS_RACE  1   // arg 1: reads and writes skip f->pos_lock; the old setting
#define KCHECK_INTERVAL   2   // KCSAN: a watchpoint about every arg accesses; the old one
#define KCHECK_INVERT     3   // take file arg's inode lock, then its pos_lock (pos_rw's order reversed)

#if defined(KCSAN) || defined(LOCKDEP)
#define KCHECKED   // a kernel with a checker: the hooks that bring bugs back exist
#endif

// Should reads and writes of a shared file skip f->pos_lock (file.c)?
// Only a checked kernel ever asks; the plain one pays nothing.
#ifdef KCHECKED
int kcheck_fpos_race(void);
#else
#define kcheck_fpos_race() 0
#endif
