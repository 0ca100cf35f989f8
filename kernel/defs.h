// Functions and variables shared between kernel files, by file.

// Code that loops over every page of a fork, an exit or a copy: kernel.ld
// keeps it together in one page of its own. QEMU chains translated code
// only within a 4 KiB page, so a loop that straddles two pays a lookup at
// every turn (docs/performance.md).
#define __hot __attribute__((hot))
struct buf;
struct context;
struct file;
struct inode;
struct pipe;
struct proc;
struct spinlock;
struct sleeplock;
struct stat;
struct superblock;
struct fdt_machine;
struct page;
struct mm_struct;

// bio.c
void            binit(void);
struct buf*     bread(uint, uint);
void            brelse(struct buf*);
int             bwrite(struct buf*);
void            bpin(struct buf*);
void            bunpin(struct buf*);
void            bwait_idle(uint, uint, int);
void            bdiscard(uint, uint);
struct blk_req;
void            submit_bio(struct blk_req*);
int             wait_bio(struct blk_req*);
struct blkdev;
extern struct blkdev *rootdisk;

// console.c
void            consoleinit(void);
void            consoleintr(int);
void            consputc(int);

// exec.c
int             kexec(char*, char**);

// file.c
struct file*    filealloc(void);
void            fileclose(struct file*);
struct file*    filedup(struct file*);
void            fileinit(void);
int             fileread(struct file*, uint64, int n);
int             filestat(struct file*, uint64 addr);
int             filewrite(struct file*, uint64, int n);
int             filelseek(struct file*, int, int);
int             fileioctl(struct file*, uint, uint64);

// pinfd.c
struct pinned;
int             kpin_user_pages(uint64, uint64, int);
void            pin_release(struct pinned*);
int             pin_rw(struct pinned*, uint*, uint64, int, int);
uint64          pin_size(struct pinned*);

// sysfile.c
struct file*    fget(int fd);
int             fdalloc(struct file*);

// fs.c
void            fsinit(int);
int             dirlink(struct inode*, char*, uint);
struct inode*   dirlookup(struct inode*, char*, uint*);
struct inode*   ialloc(uint, short);
struct inode*   idup(struct inode*);
void            iinit();
void            ilock(struct inode*);
void            iput(struct inode*);
void            iunlock(struct inode*);
void            iunlockput(struct inode*);
void            iupdate(struct inode*);
int             namecmp(const char*, const char*);
struct inode*   namei(char*);
struct inode*   namei_err(char*, int*);
struct inode*   nameiparent_err(char*, char*, int*);
int             readi(struct inode*, char*, uint, uint);
void            stati(struct inode*, struct stat*);
int             writei(struct inode*, char*, uint, uint);
int             write_blocks(struct inode*, char*, uint, uint);
void            for_each_cached_inode(void (*)(struct inode*));
void            itrunc(struct inode*);
uint            bmap(struct inode*, uint, int);

// direct-io.c
int             direct_rw(struct file*, uint64, int, int);

// log.c
void            initlog(int, struct superblock*);
void            log_write(struct buf*);
void            begin_op(void);
int             end_op(void);
void            log_abort(void);
int             log_aborted(void);

// pipe.c
int             pipealloc(struct file**, struct file**);
void            pipeclose(struct pipe*, int);
int             piperead(struct pipe*, uint64, int);
int             pipewrite(struct pipe*, uint64, int);
int             pipe_vmsplice(struct pipe*, uint64, uint64);

// printf.c
int             printf(char*, ...) __attribute__ ((format (printf, 1, 2)));
void            panic(char*, ...) __attribute__ ((noreturn, format (printf, 1, 2)));
void            printfinit(void);
extern volatile int panicking;
extern volatile int panicked;

// proc.c
void            kexit(int);
int             kclone(uint64, uint64, uint64);
void            kthread_exit(int);
int             kthread_join(int, uint64);
int             exec_zap_threads(void);
void            kthread_start(void (*)(void), char*);
int             kfork(void);
void            proc_mapstacks(pagetable_t);
int             kkill(int);
int             killed(struct proc*);
void            setkilled(struct proc*);
struct proc*    proc_get(int pid);
int             is_descendant(int);
struct proc*    myproc();
void            procinit(void);
void            scheduler(void) __attribute__((noreturn));
void            sched(void);
void            sleep(void*, struct spinlock*);
void            userinit(void);
int             kwait(uint64);
void            wakeup(void*);
void            yield(void);
int             either_copyout(int user_dst, uint64 dst, void *src, uint64 len);
int             either_copyin(void *dst, int user_src, uint64 src, uint64 len);
void            procdump(void);

// swtch.S
void            swtch(struct context*, struct context*);

// spinlock.c
void            acquire(struct spinlock*);
int             holding(struct spinlock*);
void            initlock(struct spinlock*, char*);
void            release(struct spinlock*);
void            push_off(void);
void            pop_off(void);

// sleeplock.c
void            acquiresleep(struct sleeplock*);
int             tryacquiresleep(struct sleeplock*);
void            releasesleep(struct sleeplock*);
int             holdingsleep(struct sleeplock*);
void            initsleeplock(struct sleeplock*, char*);

// string.c
int             memcmp(const void*, const void*, uint64);
void*           memmove(void*, const void*, uint64);
void*           memcpy(void*, const void*, uint64);
void*           memset(void*, int, uint64);
char*           safestrcpy(char*, const char*, int);
int             strlen(const char*);
int             strncmp(const char*, const char*, uint64);
char*           strncpy(char*, const char*, int);

// syscall.c
void            argint(int, int*);
int             argstr(int, char*, int);
void            argaddr(int, uint64 *);
int             fetchstr(uint64, char*, int);
int             fetchaddr(uint64, uint64*);
void            syscall();

// trap.c
extern uint     ticks;
extern struct spinlock tickslock;
void            trapinit(void);
void            trapinithart(void);
void            prepare_return(void);
void            usertrapret(void) __attribute__((noreturn));

// uart.c
void            uartinit(struct fdt_machine *);
void            uartintr(void);
void            uartwrite(char [], int);
void            uartputc_sync(int);
extern int      uart_irq;

// plic.c
void            plicinit(struct fdt_machine *);
void            plicinithart(void);
int             plic_claim(void);
void            plic_complete(int);
void            plic_enable(int irq);

// virtio_blk.c
int             virtio_blk_init(struct fdt_machine *);
extern struct blkdev virtio_blk;
void            virtio_blk_intr(void);
extern int      virtio_blk_irq;

// ramdisk.c
void            ramdisk_init(uint64 start, uint64 end);
extern struct blkdev ramdisk;

// sbi.c
struct sbiret { long error; long value; };
void            sbi_init(void);
void            sbi_console_putchar(int);
void            sbi_set_timer(uint64);
void            sbi_send_ipi(int cpu);
void            sbi_remote_sfence_vma(int cpu, uint64 start, uint64 size);
int             sbi_hart_start(uint64 hartid, uint64 start_pa, uint64 opaque);
void            sbi_shutdown(int reboot) __attribute__((noreturn));

// main.c
extern uint64   timebase;

// fault-inject.c: failure points (fault_inject.h)
int             should_fail(int which);

// history.c: the history knobs (docs/history.md)
enum knob {
  K_FOLL_COW, K_COW_REUSE, K_GUP_READ_BREAKS_COW, K_FORK_COPIES_PINNED,
  K_FORK_GUP_FAST_SEQ, K_CLEAR_REFS_SKIPS_PINNED, K_CLEAR_REFS_MMAP_WRITE,
  K_WP_FLUSHES_TLB, K_RO_PIN_UNSHARES, K_RO_LONGTERM_UNSHARES_ANY, K_DIO_PINS,
  K_LONGTERM_FILE_WRITE_PIN, K_GUP_WAITS_WRITEBACK, K_COW, K_TOUCH_PMD_DIRTY, K_THP_COW_HUGE,
  K_THP_REUSE_REFCOUNT, K_RACE_DELAY_MS, K_THP, NKNOBS
};
void            knobs_init(void);
extern int      knob_values[NKNOBS];   // atomic: set by vmknob, read anywhere
// A knob's value. Relaxed: a knob orders nothing, and fork and faults
// read several per page (a fence each would cost more than the work).
static inline int knob(enum knob k) { return __atomic_load_n(&knob_values[k], __ATOMIC_RELAXED); }

// race.c: the reproducers' race windows (knob race_delay_ms). A window
// of race_delay is named after the function that opens it (trace.h).
#define race_delay(n) race_delay_at(n, __func__)
void            race_delay_at(int n, const char *window);
int             __race_fork_share(struct mm_struct *mm, struct mm_struct *child, uint64 va, pte_t *pte);
// fork asks for every page it shares: the test that no window is open
// is inline (a call costs fork more, under QEMU, than its other work).
static inline int race_fork_share(struct mm_struct *mm, struct mm_struct *child, uint64 va,
                                  pte_t *pte)
{ return !knob(K_RACE_DELAY_MS) || __race_fork_share(mm, child, va, pte); }
void            race_gup_fast_fork(struct mm_struct *mm, uint64 va, int flags);
void            race_gup_fast_pin(struct mm_struct *mm, uint64 va);
void            race_gup_fast_grab(struct mm_struct *mm, pte_t pte, struct page *pg, int flags);
int             race_cow_copy(struct page *new, struct page *old, int pending);
void            race_wp_fault_done(void);
uint64          race_wp_faults(void);
void            race_clear_refs(uint64 faults);

// ksyms.c: the symbol table of the checked kernels
void            ksym_print(uint64 pc);
void            ksym_callers(uint64 fp, uint64 *pcs, int n);

// kcsan.c: the data-race detector (make KCSAN=1); the annotations: kcsan.h
int             kcsan_set_interval(int n);
extern int      kcsan_reports;

// lockdep.c: the lock-order checker (make LOCKDEP=1); its hooks: lockdep.h
extern int      lockdep_reports;

// number of elements in fixed-size array
#define NELEM(x) (sizeof(x)/sizeof((x)[0]))

// Kernel-internal errors use the same numbers as user space sees.
#include "errno.h"
#include "kcsan.h"
#include "mm/mm.h"
#include "tracepoint.h"
