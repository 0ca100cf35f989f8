// Marked accesses for the data-race detector (kernel/kcsan.c, make
// KCSAN=1), as in Linux. Every use says in a comment why the race is
// intended or harmless.
//
// READ_ONCE(x), WRITE_ONCE(x, v): one load or store of x that the
// compiler may neither split, merge nor repeat (a volatile access), for a
// word that other harts read or write without a lock on purpose: a flag
// polled in a loop, a hint read before taking the lock. The detector
// treats them like atomics: two marked accesses never race.
//
// data_race(expr): expr's accesses are not checked at all, for a race
// that is intended and whose torn or stale value does no harm (a
// statistic, a debugging print). The value is still a plain load.
#ifndef KCSAN_H
#define KCSAN_H
#define READ_ONCE(x)      (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)  (*(volatile __typeof__(x) *)&(x) = (v))

#ifdef KCSAN
void kcsan_disable(void);
void kcsan_enable(void);
void kcsan_init(void);
#define data_race(expr) ({ kcsan_disable(); __typeof__(expr) __v = (expr); kcsan_enable(); __v; })
#else
#define data_race(expr) (expr)
#define kcsan_init() do { } while(0)
#endif
#endif
