// Threads for user programs: thread_spawn() over the clone system call.
// A thread shares the process's memory and open files; it runs fn(arg) on
// the stack the caller gives it and exits with fn's result, which
// thread_join() returns. exit() in any thread ends the whole process.
#include "kernel/types.h"
#include "user/user.h"

struct start {
  int (*fn)(void *);
  void *arg;
};

// The new thread begins here, with a0 = its struct start.
static void
thread_start(void *p)
{
  struct start *s = p;
  thread_exit(s->fn(s->arg));
}

// Start fn(arg) in a new thread on stack[0..size). Returns the thread's
// id, or -1 with errno set.
int
thread_spawn(int (*fn)(void *), void *arg, void *stack, int size)
{
  uint64 top = ((uint64)stack + size) & ~15UL;
  struct start *s = (struct start *)(top - 16);   // the first 16 bytes of the stack
  s->fn = fn;
  s->arg = arg;
  return clone(thread_start, s, s);
}
