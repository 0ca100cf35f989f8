// kcheck(op, arg): the checkers' test hooks (kernel/kcheck.c), shared by
// the kernel and user/kchecktest.c. docs/debugging.md tells the story.
#define KCHECK_REPORTS    0   // reports the checker built in has printed
#define KCHECK_FPOS_RACE  1   // arg 1: reads and writes skip f->pos_lock; the old setting
#define KCHECK_INTERVAL   2   // KCSAN: a watchpoint about every arg accesses; the old one
#define KCHECK_INVERT     3   // take file arg's inode lock, then its pos_lock (pos_rw's order reversed)
