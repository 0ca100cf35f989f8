// The vmstat system call's record: one named counter. Shared by the
// kernel and user programs (user/vmstat.c).
#define VMSTAT_NAME 24
struct vmstat_entry {
  char name[VMSTAT_NAME];
  uint64 value;
};
