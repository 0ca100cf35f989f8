// The file system's write-ahead log, so that a crash leaves each system
// call's updates either all on disk or none.
//
// A system call brackets its writes with begin_op()/end_op() and uses
// log_write() instead of bwrite(). Several system calls' operations are
// grouped into one transaction, committed when none is in progress:
//   1. copy each changed block to its slot in the on-disk log;
//   2. write the log header with the block count: the commit point;
//   3. copy the blocks to their home locations (install);
//   4. write a header with count 0.
// At boot, recover_from_log() replays a committed but uninstalled log.
// end_op() returns once its operation's transaction is on the disk, so a
// system call that returns has its changes there. That costs some
// grouping: in xv6, a process whose operation ended goes on to start the
// next one in the same open transaction while another process is stuck
// in the middle of its own (say, preempted holding a directory's lock),
// so many operations share one commit. Here it waits for the commit
// first. Two processes writing one file through a shared descriptor
// (usertests sharedfd) commit once per write, also because f->pos_lock
// keeps their writes apart (file.c).
//
// A disk error in the log, or a write that an operation makes after one of
// its reads failed (it may be built on zeros, bread), aborts the journal,
// as Linux's jbd2 does: that transaction and every later one are
// discarded, so the disk keeps its last committed state, and the
// operations that wrote get EIO. Until reboot the file system is
// read-only; what memory holds may be newer than the disk.
//
// On-disk log: a header block, then the logged blocks.

#include "types.h"
#include "riscv.h"
#include "defs.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "buf.h"
#include "proc.h"

struct logheader {
  int n;
  int block[LOGSIZE];
};

// The fields below lock are protected by it, except lh, which the
// committer uses alone (committing set, nothing outstanding).
struct log {
  struct spinlock lock;
  int start;
  int size;
  int outstanding; // FS system calls executing
  int committing;  // in commit(): callers of begin_op wait
  int dev;
  int tid;         // the open transaction, which operations join
  int done_tid;    // the last transaction committed (or discarded)
  int aborted;     // after a disk error: nothing more is committed
  int abort_tid;   // the first transaction discarded
  int waiters;     // sleeping in begin_op or end_op: only then is a wakeup needed
  struct logheader lh;
};
static struct log log;

static void recover_from_log(void);
static void commit();

void
initlog(int dev, struct superblock *sb)
{
  if(sizeof(struct logheader) >= BSIZE)
    panic("initlog: too big logheader");
  initlock(&log.lock, "log");
  log.start = sb->logstart;
  log.size = sb->nlog;
  log.dev = dev;
  log.tid = 1;
  recover_from_log();
}

// Copy the logged blocks to their home locations. After a commit the
// cached (pinned) blocks are the data; at recovery the log's slots are.
// 0 or -EIO.
static int
install_trans(int recovering)
{
  int err = 0;
  for(int tail = 0; tail < log.lh.n; tail++){
    struct buf *dbuf = bread(log.dev, log.lh.block[tail]);
    if(recovering){
      struct buf *lbuf = bread(log.dev, log.start+tail+1);
      if(!lbuf->valid)
        err = -EIO;
      memmove(dbuf->data, lbuf->data, BSIZE);
      brelse(lbuf);
    }
    if(bwrite(dbuf) < 0)
      err = -EIO;
    if(recovering == 0)
      bunpin(dbuf);   // log_write pinned it
    brelse(dbuf);
  }
  return err;
}

static void
read_head(void)
{
  struct buf *buf = bread(log.dev, log.start);
  struct logheader *lh = (struct logheader *) (buf->data);
  log.lh.n = lh->n;
  for(int i = 0; i < log.lh.n; i++)
    log.lh.block[i] = lh->block[i];
  brelse(buf);
}

// Writing the header with n > 0 is the moment the transaction commits.
// 0 or -EIO.
static int
write_head(void)
{
  struct buf *buf = bread(log.dev, log.start);
  struct logheader *hb = (struct logheader *) (buf->data);
  hb->n = log.lh.n;
  for(int i = 0; i < log.lh.n; i++)
    hb->block[i] = log.lh.block[i];
  int err = bwrite(buf);
  brelse(buf);
  return err;
}

// At boot, before any process: a disk that fails here cannot be used.
static void
recover_from_log(void)
{
  read_head();
  if(log.lh.n > LOGSIZE)
    panic("recover_from_log: corrupt log header (n=%d)", log.lh.n);
  if(install_trans(1) < 0)
    panic("recover_from_log: disk error");
  log.lh.n = 0;
  if(write_head() < 0)
    panic("recover_from_log: disk error");
}

// Abort the journal (Linux: jbd2_journal_abort): a disk error, or an
// operation that wrote after one of its reads failed.
void
log_abort(void)
{
  acquire(&log.lock);
  if(!log.aborted){
    printf("log: disk error, journal aborted: the file system is read-only until reboot\n");
    log.aborted = 1;
    log.abort_tid = log.tid;
  }
  release(&log.lock);
}

int
log_aborted(void)
{
  return __atomic_load_n(&log.aborted, __ATOMIC_SEQ_CST);
}

// Wait for the log to change (log.lock held).
static void
log_sleep(void)
{
  log.waiters++;
  sleep(&log, &log.lock);
  log.waiters--;
}

// Start of an FS system call: wait until the log has room for this
// operation's worst case (MAXOPBLOCKS) on top of those in progress.
void
begin_op(void)
{
  struct proc *p = myproc();
  p->op_logged = 0;
  p->op_read_failed = 0;
  acquire(&log.lock);
  for(;;){
    if(log.committing || log.lh.n + (log.outstanding+1)*MAXOPBLOCKS > LOGSIZE){
      log_sleep();
    } else {
      log.outstanding += 1;
      p->op_tid = log.tid;
      release(&log.lock);
      break;
    }
  }
}

// End of an FS system call. The last one out commits; the others wait
// for that commit, so that every operation is on the disk when its
// system call returns (fsync and msync rely on it). 0, or -EIO if the
// operation wrote and its transaction was discarded (the journal
// aborted); the system call then fails with EIO.
int
end_op(void)
{
  struct proc *p = myproc();

  if(p->op_logged && p->op_read_failed)
    log_abort();   // its writes may be built on a failed read's zeros
  acquire(&log.lock);
  log.outstanding -= 1;
  if(log.committing)
    panic("log.committing");
  if(log.outstanding == 0){
    // Commit without the lock: it sleeps on disk I/O.
    log.committing = 1;
    release(&log.lock);
    commit();
    acquire(&log.lock);
    log.done_tid = log.tid++;
    log.committing = 0;
  }
  // begin_op() may be waiting for log space (this op reserved some), and
  // end_op() for the commit. wakeup scans every process: not for nobody.
  if(log.waiters)
    wakeup(&log);
  while(log.done_tid < p->op_tid)
    log_sleep();
  int err = p->op_logged && log.aborted && p->op_tid >= log.abort_tid ? -EIO : 0;
  release(&log.lock);
  if(err)
    p->io_error = 1;
  return err;
}

// Copy the modified cached blocks into the log's slots. 0 or -EIO.
static int
write_log(void)
{
  int err = 0;
  for(int tail = 0; tail < log.lh.n && err == 0; tail++){
    struct buf *to = bread(log.dev, log.start+tail+1);
    struct buf *from = bread(log.dev, log.lh.block[tail]);
    memmove(to->data, from->data, BSIZE);
    err = bwrite(to);
    brelse(from);
    brelse(to);
  }
  return err;
}

// An aborted transaction: its blocks leave the cache (unpinned and no
// longer valid), so the next reader gets the disk's, committed, data.
static void
discard_trans(void)
{
  for(int tail = 0; tail < log.lh.n; tail++)
    bdiscard(log.dev, log.lh.block[tail]);
}

// Called by the last operation out, with no operation in progress. Once
// the header has been written, the transaction is committed: if
// installing it fails, recovery at the next boot installs it from the
// log, so the log must not be used again (abort).
static void
commit()
{
  if(log.lh.n == 0)
    return;
  if(log.aborted || write_log() < 0 || write_head() < 0){
    log_abort();
    discard_trans();
  } else if(install_trans(0) < 0){
    log_abort();
  } else {
    log.lh.n = 0;
    if(write_head() < 0)   // the log is empty again: else still committed on the disk
      log_abort();
  }
  log.lh.n = 0;
}

// Record that b was modified: it is written at commit, and kept in the
// cache until then (pinned). Replaces bwrite() inside a transaction.
void
log_write(struct buf *b)
{
  int i;

  acquire(&log.lock);
  if(log.lh.n >= LOGSIZE || log.lh.n >= log.size - 1)
    panic("too big a transaction");
  if(log.outstanding < 1)
    panic("log_write outside of trans");
  myproc()->op_logged = 1;

  for(i = 0; i < log.lh.n; i++){
    if(log.lh.block[i] == b->blockno)   // absorption: already logged
      break;
  }
  log.lh.block[i] = b->blockno;
  if(i == log.lh.n){
    bpin(b);
    log.lh.n++;
  }
  release(&log.lock);
}
