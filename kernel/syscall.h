// System call numbers. 1-21 are MIT xv6-riscv's and must never change;
// cowpin's own calls start at 22 (see docs/syscalls.md).
#define SYS_fork    1
#define SYS_exit    2
#define SYS_wait    3
#define SYS_pipe    4
#define SYS_read    5
#define SYS_kill    6
#define SYS_exec    7
#define SYS_fstat   8
#define SYS_chdir   9
#define SYS_dup    10
#define SYS_getpid 11
#define SYS_sbrk   12
#define SYS_sleep  13
#define SYS_pause  SYS_sleep   // newer xv6 calls it pause
#define SYS_uptime 14
#define SYS_open   15
#define SYS_write  16
#define SYS_mknod  17
#define SYS_unlink 18
#define SYS_link   19
#define SYS_mkdir  20
#define SYS_close  21
// cowpin
#define SYS_poweroff 22
#define SYS_vmstat   23
#define SYS_vmas     24
#define SYS_pageinfo 25
#define SYS_mmap     26
#define SYS_munmap   27
#define SYS_mprotect 28
#define SYS_madvise  29
#define SYS_msync    30
#define SYS_fsync    31
#define SYS_clone    32
#define SYS_thread_exit 33
#define SYS_thread_join 34
#define SYS_gettid   35
#define SYS_pin_user_pages 36
#define SYS_lseek    37
#define SYS_clear_refs 38
#define SYS_pagemap  39
#define SYS_vmsplice 40
#define SYS_vmknob   41
#define SYS_memwrite 42
#define SYS_failinject 43
#define SYS_userfaultfd 46   // 44 and 45 are main's trace_ctl and trace_read
#define SYS_ioctl    47
