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

struct logheader {
  int n;
  int block[LOGSIZE];
};

struct log {
  struct spinlock lock;
  int start;
  int size;
  int outstanding; // FS system calls executing
  int committing;  // in commit(): callers of begin_op wait
  int dev;
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
  recover_from_log();
}

// Copy the logged blocks to their home locations.
static void
install_trans(int recovering)
{
  for(int tail = 0; tail < log.lh.n; tail++){
    struct buf *lbuf = bread(log.dev, log.start+tail+1);
    struct buf *dbuf = bread(log.dev, log.lh.block[tail]);
    memmove(dbuf->data, lbuf->data, BSIZE);
    bwrite(dbuf);
    if(recovering == 0)
      bunpin(dbuf);   // log_write pinned it
    brelse(lbuf);
    brelse(dbuf);
  }
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
static void
write_head(void)
{
  struct buf *buf = bread(log.dev, log.start);
  struct logheader *hb = (struct logheader *) (buf->data);
  hb->n = log.lh.n;
  for(int i = 0; i < log.lh.n; i++)
    hb->block[i] = log.lh.block[i];
  bwrite(buf);
  brelse(buf);
}

static void
recover_from_log(void)
{
  read_head();
  if(log.lh.n > LOGSIZE)
    panic("recover_from_log: corrupt log header (n=%d)", log.lh.n);
  install_trans(1);
  log.lh.n = 0;
  write_head();
}

// Start of an FS system call: wait until the log has room for this
// operation's worst case (MAXOPBLOCKS) on top of those in progress.
void
begin_op(void)
{
  acquire(&log.lock);
  for(;;){
    if(log.committing){
      sleep(&log, &log.lock);
    } else if(log.lh.n + (log.outstanding+1)*MAXOPBLOCKS > LOGSIZE){
      sleep(&log, &log.lock);
    } else {
      log.outstanding += 1;
      release(&log.lock);
      break;
    }
  }
}

// End of an FS system call; the last one out commits.
void
end_op(void)
{
  int do_commit = 0;

  acquire(&log.lock);
  log.outstanding -= 1;
  if(log.committing)
    panic("log.committing");
  if(log.outstanding == 0){
    do_commit = 1;
    log.committing = 1;
  } else {
    // begin_op() may be waiting for log space; this op reserved some.
    wakeup(&log);
  }
  release(&log.lock);

  if(do_commit){
    // Commit without the lock: it sleeps on disk I/O.
    commit();
    acquire(&log.lock);
    log.committing = 0;
    wakeup(&log);
    release(&log.lock);
  }
}

// Copy the modified cached blocks into the log's slots.
static void
write_log(void)
{
  for(int tail = 0; tail < log.lh.n; tail++){
    struct buf *to = bread(log.dev, log.start+tail+1);
    struct buf *from = bread(log.dev, log.lh.block[tail]);
    memmove(to->data, from->data, BSIZE);
    bwrite(to);
    brelse(from);
    brelse(to);
  }
}

static void
commit()
{
  if(log.lh.n > 0){
    write_log();
    write_head();       // the commit point
    install_trans(0);
    log.lh.n = 0;
    write_head();       // the log is empty again
  }
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
