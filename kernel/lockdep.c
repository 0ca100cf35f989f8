// The lock-order checker (make LOCKDEP=1), after Linux's lockdep. Locks
// are grouped in classes, one per name given to initlock, initsleeplock
// or init_rwsem (every process's p->lock is one class, "proc"). Each time
// a lock is taken, the classes already held by the taker (the spin locks
// of its hart, the sleep locks of its thread) are recorded as coming
// before it: edges of a graph. The checker reports, each once:
//
//  - a cycle: a new edge A -> B while B -> ... -> A is known. Two threads
//    taking the locks of the cycle in those orders at once deadlock, even
//    if this run never did; the report gives every edge of the cycle
//    with the places both of its locks were taken;
//  - a sleep lock (or rwsem) taken while a spin lock is held: sleeping
//    with interrupts off and another hart spinning;
//  - a spin lock taken in an interrupt handler that some hart held with
//    interrupts on (acquire turns them off, so only code that turns them
//    back on under a lock can): the interrupt can come while that hart
//    holds it, and the handler spins forever on its own hart;
//  - the release of a lock its hart (thread) does not hold.
//
// The kernel runs on after a report; lockdep_reports counts them (kcheck.c).
// Not checked: the nesting of two locks of one class (a fork takes
// the parent's and the child's page_table_lock); Linux annotates those.
// Taking one lock twice still panics in acquire.

#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "lockdep.h"

#define MAXCLASS 128
#define MAXEDGES 1024
#define NHELD    16        // locks one hart, or one thread, holds at once
#define NCACHE   256

#define USED_IN_IRQ   1    // taken in an interrupt handler
#define HELD_IRQS_ON  2    // held while an interrupt came
#define REPORTED      4    // the irq report for this class is out
#define BAD_RELEASE   8    // a release of it without holding it was reported

// Where a lock was taken: the call of acquire (acquiresleep, down_read
// ...), and the call of the function that made that call (ilock's
// caller, say), as return addresses.
struct site {
  uint64 pc, from;
};

struct lock_class {
  char *name;
  int kind;                // LD_SPIN, LD_SLEEP
  int flags;               // USED_IN_IRQ ...; atomic
  struct site irq_at;      // where it was taken in an interrupt handler; graph_lock
  struct site irqs_on_at;  // where one was taken that was held when an interrupt came; graph_lock
};

struct held_lock {
  int class;
  void *lock;
  struct site at;          // where it was taken
};

// "to was taken at to_at while from, taken at from_at, was held."
struct edge {
  int from, to;
  struct site from_at, to_at;
};

// The graph: classes and edges are only ever added, under graph_lock (a
// bare flag, taken with interrupts off: spin locks call in here). adj is
// also read without it, to skip known edges: a bit once set stays.
static int graph_lock;
static struct lock_class classes[MAXCLASS];   // graph_lock
static int nclasses;                          // graph_lock
static struct edge edges[MAXEDGES];           // graph_lock
static int nedges;                            // graph_lock
static uint64 adj[MAXCLASS][MAXCLASS / 64];   // edge from -> to; atomic bits

// Lock names seen, to their class: filled under graph_lock, entry by
// entry (name last, atomically), read without it.
static struct { char *name; int kind, class; } cache[NCACHE];

// Per hart, used by that hart with interrupts off.
struct ld_cpu {
  struct held_lock held[NHELD];   // spin locks held, in order
  int n;
  int irq_depth;                  // in an interrupt handler
  int irq_base;                   // held[] entries of the interrupted code
  int busy;                       // in lockdep (its printfs take locks)
};
static struct ld_cpu ldc[NCPU];

// Sleep locks held by each thread (indexed like proc[]): used by the
// thread itself, with interrupts off.
static struct held_lock sleepheld[NPROC][NHELD];
static int nsleepheld[NPROC];

static int off;            // a table overflowed: checking stopped; atomic
int lockdep_reports;       // reports printed; atomic
extern struct proc proc[NPROC];

static void
graph_acquire(void)
{
  while(__atomic_exchange_n(&graph_lock, 1, __ATOMIC_ACQUIRE))
    ;
}

static void
graph_release(void)
{
  __atomic_store_n(&graph_lock, 0, __ATOMIC_RELEASE);
}

static int
has_edge(int from, int to)
{
  return (__atomic_load_n(&adj[from][to / 64], __ATOMIC_ACQUIRE) >> (to % 64)) & 1;
}

static void
stop(char *why)
{
  if(__atomic_exchange_n(&off, 1, __ATOMIC_SEQ_CST) == 0)
    printf("LOCKDEP: %s: checking stopped\n", why);
}

// The class of a lock named name: found by the name's address (and
// then by its text), else made. -1 if the table is full.
static int
lookup(char *name, int kind)
{
  uint h = ((uint64)name >> 3) % NCACHE;
  for(uint i = 0; i < NCACHE; i++){
    uint k = (h + i) % NCACHE;
    char *n = __atomic_load_n(&cache[k].name, __ATOMIC_ACQUIRE);
    if(n == 0)
      break;
    if(n == name && cache[k].kind == kind)
      return cache[k].class;
  }
  graph_acquire();
  int c;
  for(c = 0; c < nclasses; c++)
    if(classes[c].kind == kind && strncmp(classes[c].name, name, 64) == 0)
      break;
  if(c == nclasses && nclasses < MAXCLASS){
    classes[c].name = name;
    classes[c].kind = kind;
    nclasses++;
  }
  for(uint i = 0; i < NCACHE && c < nclasses; i++){
    uint k = (h + i) % NCACHE;
    if(cache[k].name == name && cache[k].kind == kind)
      break;   // another hart was first
    if(cache[k].name == 0){
      cache[k].kind = kind;
      cache[k].class = c;
      __atomic_store_n(&cache[k].name, name, __ATOMIC_RELEASE);
      break;
    }
  }
  graph_release();
  if(c == MAXCLASS)
    stop("too many lock classes (MAXCLASS)");
  return c < MAXCLASS ? c : -1;
}

// The place of the call before return address pc.
static void
print_pc(uint64 pc)
{
  ksym_print(pc - 4);
}

static void
print_site(char *what, int class, struct site at)
{
  printf("    %s %s \"%s\" at ", what, classes[class].kind == LD_SLEEP ? "sleep lock" : "spin lock",
         classes[class].name);
  print_pc(at.pc);
  if(at.from){
    printf("\n      from ");
    print_pc(at.from);
  }
  printf("\n");
}

static void
header(char *what)
{
  __atomic_fetch_add(&lockdep_reports, 1, __ATOMIC_SEQ_CST);
  printf("==================================================================\n");
  printf("LOCKDEP: %s\n", what);
}

static void
footer(void)
{
  printf("==================================================================\n");
}

// A path from -> ... -> to in the graph, as edge indices into path
// (breadth first, so the shortest); its length, or 0. graph_lock held.
static int
find_path(int from, int to, int *path)
{
  static int via[MAXCLASS];      // the edge that reached a class; graph_lock
  static int queue[MAXCLASS];    // graph_lock
  for(int c = 0; c < nclasses; c++)
    via[c] = -1;
  int head = 0, tail = 0;
  queue[tail++] = from;
  while(head < tail){
    int c = queue[head++];
    for(int e = 0; e < nedges; e++){
      int next = edges[e].to;
      if(edges[e].from != c || next == from || via[next] >= 0)
        continue;
      via[next] = e;
      if(next == to){
        int n = 0;
        for(int x = to; x != from; x = edges[via[x]].from)
          n++;
        int i = n;
        for(int x = to; x != from; x = edges[via[x]].from)
          path[--i] = via[x];
        return n;
      }
      queue[tail++] = next;
    }
  }
  return 0;
}

// Record that h was held when class was taken at at, and report what
// the new edge closes. Interrupts are off.
static void
add_dependency(struct held_lock *h, int class, struct site at)
{
  static int path[MAXCLASS];     // graph_lock
  if(h->class == class || has_edge(h->class, class))
    return;
  graph_acquire();
  if(has_edge(h->class, class)){
    graph_release();
    return;
  }
  if(nedges == MAXEDGES){
    graph_release();
    stop("too many lock dependencies (MAXEDGES)");
    return;
  }
  int n = find_path(class, h->class, path);
  struct edge *e = &edges[nedges++];
  e->from = h->class;
  e->to = class;
  e->from_at = h->at;
  e->to_at = at;
  __atomic_fetch_or(&adj[h->class][class / 64], 1UL << (class % 64), __ATOMIC_RELEASE);
  // Edges never change once made: print after letting other harts go
  // on (printf's own locks call in here).
  graph_release();

  if(classes[h->class].kind == LD_SPIN && classes[class].kind == LD_SLEEP){
    header("sleep lock taken while holding a spin lock");
    printf("  hart %d (cpu %d):\n", cpus[r_tp()].hartid, (int)r_tp());
    print_site("takes", class, at);
    print_site("holding", h->class, h->at);
    footer();
  }
  if(n){
    header("possible deadlock: the locks are taken in both orders");
    printf("  hart %d (cpu %d):\n", cpus[r_tp()].hartid, (int)r_tp());
    print_site("takes", class, at);
    print_site("holding", h->class, h->at);
    printf("  but before, the other way round:\n");
    for(int i = 0; i < n; i++){
      struct edge *p = &edges[path[i]];
      printf("  %d.\n", i + 1);
      print_site("took", p->to, p->to_at);
      print_site("holding", p->from, p->from_at);
    }
    footer();
  }
}

static void
report_irq(int class)
{
  header("spin lock taken in an interrupt handler and held with interrupts on");
  print_site("taken in an interrupt handler:", class, classes[class].irq_at);
  print_site("held while an interrupt came:", class, classes[class].irqs_on_at);
  footer();
}

// Mark class as flag (USED_IN_IRQ or HELD_IRQS_ON), first seen at at;
// with both, report. Interrupts are off.
static void
mark(int class, int flag, struct site at)
{
  struct lock_class *k = &classes[class];
  if(__atomic_load_n(&k->flags, __ATOMIC_RELAXED) & flag)
    return;
  graph_acquire();
  if(!(k->flags & flag)){
    if(flag == USED_IN_IRQ)
      k->irq_at = at;
    else
      k->irqs_on_at = at;
    __atomic_fetch_or(&k->flags, flag, __ATOMIC_RELAXED);
  }
  int report = (k->flags & (USED_IN_IRQ | HELD_IRQS_ON)) == (USED_IN_IRQ | HELD_IRQS_ON) &&
               !(k->flags & REPORTED);
  if(report)
    __atomic_fetch_or(&k->flags, REPORTED, __ATOMIC_RELAXED);
  graph_release();
  if(report)
    report_irq(class);
}

// The held-lock stack that a lock of this kind goes on: the hart's for
// spin locks, the thread's for sleep locks (0 with no thread).
static struct held_lock *
stack_of(struct ld_cpu *c, int kind, int **n)
{
  if(kind == LD_SPIN){
    *n = &c->n;
    return c->held;
  }
  struct proc *p = cpus[r_tp()].proc;
  if(p == 0)
    return 0;
  *n = &nsleepheld[p - proc];
  return sleepheld[p - proc];
}

// lock (named name, of kind, maybe with LD_TRY) is being taken at pc.
void
lockdep_acquire(void *lock, char *name, int kind, uint64 pc)
{
  int on = intr_get();
  intr_off();
  struct ld_cpu *c = &ldc[r_tp()];
  int class, *n;
  struct held_lock *stack;
  int try = kind & LD_TRY;
  kind &= ~LD_TRY;
  if(c->busy || __atomic_load_n(&off, __ATOMIC_RELAXED) ||
     (class = lookup(name, kind)) < 0 || (stack = stack_of(c, kind, &n)) == 0)
    goto out;
  c->busy = 1;
  // Return addresses above this frame: into acquire's caller (pc
  // again), into that one's caller.
  uint64 up[2];
  ksym_callers((uint64)__builtin_frame_address(0), up, 2);
  struct site at = { pc, up[1] };
  // An interrupt handler's locks follow only those it took itself. A
  // lock taken only if free (LD_TRY) never waits: it follows nothing.
  for(int i = c->irq_depth ? c->irq_base : 0; i < c->n && !try; i++)
    add_dependency(&c->held[i], class, at);
  struct held_lock *sleeps = c->irq_depth || try ? 0 : stack_of(c, LD_SLEEP, &n);
  for(int i = 0; sleeps && i < *n; i++)
    add_dependency(&sleeps[i], class, at);
  if(c->irq_depth && kind == LD_SPIN)
    mark(class, USED_IN_IRQ, at);
  stack = stack_of(c, kind, &n);
  if(*n == NHELD)
    stop("too many locks held at once (NHELD)");
  else
    stack[(*n)++] = (struct held_lock){ class, lock, at };
  c->busy = 0;
out:
  if(on)
    intr_on();
}

// lock (named name, of kind) is being released at pc.
void
lockdep_release(void *lock, char *name, int kind, uint64 pc)
{
  int on = intr_get();
  intr_off();
  struct ld_cpu *c = &ldc[r_tp()];
  int class, *n;
  struct held_lock *stack;
  if(c->busy || __atomic_load_n(&off, __ATOMIC_RELAXED) ||
     (class = lookup(name, kind)) < 0 || (stack = stack_of(c, kind, &n)) == 0)
    goto out;
  c->busy = 1;
  int i = *n - 1;
  while(i >= 0 && stack[i].lock != lock)
    i--;
  if(i >= 0){
    for((*n)--; i < *n; i++)
      stack[i] = stack[i + 1];
  } else if(!(__atomic_fetch_or(&classes[class].flags, BAD_RELEASE, __ATOMIC_RELAXED) & BAD_RELEASE)){
    header("release of a lock that is not held");
    printf("  hart %d (cpu %d):\n", cpus[r_tp()].hartid, (int)r_tp());
    print_site("releases", class, (struct site){ pc, 0 });
    footer();
  }
  c->busy = 0;
out:
  if(on)
    intr_on();
}

// An interrupt handler starts: the spin locks this hart holds are held
// with interrupts on.
void
lockdep_hardirq_enter(void)
{
  struct ld_cpu *c = &ldc[r_tp()];
  if(!__atomic_load_n(&off, __ATOMIC_RELAXED)){
    c->busy = 1;
    for(int i = 0; i < c->n; i++)
      mark(c->held[i].class, HELD_IRQS_ON, c->held[i].at);
    c->busy = 0;
  }
  if(c->irq_depth++ == 0)
    c->irq_base = c->n;
}

void
lockdep_hardirq_exit(void)
{
  ldc[r_tp()].irq_depth--;
}
