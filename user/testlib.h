// Helpers shared by cowpin's test programs (cowtest, mmaptest, threadtest).
// A test is a function run in a child process: it passes by returning and
// fails by exiting non-zero (CHECK). Output follows usertests:
// "PROG: running NAME", then "test NAME: OK" or "test NAME: FAILED", and a
// failing test says why on a line starting "NAME: ".

struct test {
  void (*f)(void);
  char *name;
  int named_only;     // run only when asked for by name
};

extern char *testname;   // the running test's name: prefixes failure lines

// The number of elements of array x.
#define NELEM(x) (sizeof(x)/sizeof((x)[0]))

#define CHECK(c, ...) do { if(!(c)){ printf("%s: ", testname); printf(__VA_ARGS__); \
                             printf("\n"); exit(1); } } while(0)

struct page_info;

// A new private anonymous read-write mapping of len bytes (exits on failure).
char *map_anon(uint64 len);
// What the device sees at offset off of pin fd (pin_user_pages).
char device_byte(int fd, int off);
// Create (or empty) file path with a page of byte c; its fd, open O_RDWR.
int page_file(char *path, char c);
// The value of a vmstat counter (exits if there is no such counter).
uint64 counter(char *name);
// What pageinfo says of this process's page at va (exits on failure); the
// next call overwrites it.
struct page_info *page_info_of(void *va);
// The next pseudo-random number from *state (xorshift64: the same seed,
// the same sequence on any machine; the state must not be 0).
uint64 xorshift(uint64 *state);
// wait() for pid: its exit status, or -100 if another child came first.
int reap(int pid);
// Fork a child that does nothing until let_go(): meanwhile the pages it
// shares with the parent stay shared. Returns its pid; *go is set to what
// let_go needs.
int fork_holder(int *go);
// Let fork_holder's child exit and reap it: its exit status.
int let_go(int pid, int go);
// Run tests[0..n) (those not named_only, or the one named argv[1]) each
// in a child; then, unless a named_only test ran, a test "freed" that
// fails if free pages were lost and a test "balanced" that fails if pins
// were not released. after, if not 0, runs after each test.
// Returns the number of failures (usage errors count as one).
int run_tests(char *prog, struct test *tests, int n, int argc, char **argv,
              void (*after)(struct test *));
// CVE-2020-29374's steps (vmsplice_leak, thp_vmsplice): a child
// vmsplices the page at p, which it shares with this process after fork,
// into a pipe, unmaps [p, p+len), and reads the pipe after this process
// has written "SECRET" at p. Returns 1 if the child read it (the page was
// reused in place, not copied), 0 if not.
int vmsplice_after_fork(char *p, uint64 len);
// A watchdog for a step that a broken kernel may never finish (a fault
// that loops in GUP): if this process still runs after ticks (10 a
// second), a child says "TESTNAME: what did not finish within N s" and
// kills it. watchdog returns the child's pid; watchdog_stop(pid) ends it.
int watchdog(int ticks, char *what);
void watchdog_stop(int pid);
