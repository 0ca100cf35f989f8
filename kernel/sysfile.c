// File-system system calls: argument checking, then fs.c and file.c.

#include "types.h"
#include "riscv.h"
#include "defs.h"
#include "param.h"
#include "stat.h"
#include "spinlock.h"
#include "proc.h"
#include "fs.h"
#include "sleeplock.h"
#include "file.h"
#include "fcntl.h"

#define LINK_MAX 32767   // nlink is a short on disk

// The open file of descriptor fd, with a reference of the caller's own
// (drop it with fileclose): another thread may close fd meanwhile. 0 if
// fd is not open.
struct file*
fget(int fd)
{
  struct files_struct *fs = myproc()->files;
  struct file *f = 0;

  if(fd < 0 || fd >= NOFILE)
    return 0;
  acquire(&fs->lock);
  if((f = fs->fd[fd]) != 0)
    filedup(f);
  release(&fs->lock);
  return f;
}

// Fetch the nth argument as a file descriptor: its file, referenced as
// by fget. 0 or -EBADF.
static int
argfd(int n, struct file **pf)
{
  int fd;

  argint(n, &fd);
  if((*pf = fget(fd)) == 0)
    return -EBADF;
  return 0;
}

// Give f the lowest free descriptor of the current process; -EMFILE.
// The descriptor takes over the caller's reference to f.
int
fdalloc(struct file *f)
{
  struct files_struct *fs = myproc()->files;

  acquire(&fs->lock);
  for(int fd = 0; fd < NOFILE; fd++){
    if(fs->fd[fd] == 0){
      fs->fd[fd] = f;
      release(&fs->lock);
      return fd;
    }
  }
  release(&fs->lock);
  return -EMFILE;
}

// Take descriptor fd out of the table if it holds file only (any file if
// only is 0); the file taken out, or 0. The table's reference goes to the
// caller. Another thread may close a descriptor the moment it is in the
// table (and open another file at its number): a call that undoes its own
// fdalloc takes out only the file it put there.
static struct file*
fdremove(int fd, struct file *only)
{
  struct files_struct *fs = myproc()->files;
  struct file *f = 0;

  if(fd < 0 || fd >= NOFILE)
    return 0;
  acquire(&fs->lock);
  f = fs->fd[fd];
  if(only && f != only)
    f = 0;
  else
    fs->fd[fd] = 0;
  release(&fs->lock);
  return f;
}

// A path argument: its length, or a negative errno.
static int
argpath(int n, char *path)
{
  int r = argstr(n, path, MAXPATH);
  if(r == 0)
    return -ENOENT;   // "" names nothing
  return r;
}

uint64
sys_dup(void)
{
  struct file *f;
  int fd, err;

  if((err = argfd(0, &f)) < 0)
    return err;
  if((fd = fdalloc(f)) < 0)
    fileclose(f);
  return fd;
}

// read(fd, buf, n) and write(fd, buf, n): rw is fileread or filewrite.
static uint64
readwrite(int (*rw)(struct file *, uint64, int))
{
  struct file *f;
  int n, err;
  uint64 p;

  argaddr(1, &p);
  argint(2, &n);
  if((err = argfd(0, &f)) < 0)
    return err;
  err = n < 0 ? -EINVAL : rw(f, p, n);
  fileclose(f);
  return err;
}

uint64
sys_read(void)
{
  return readwrite(fileread);
}

uint64
sys_write(void)
{
  return readwrite(filewrite);
}

uint64
sys_close(void)
{
  int fd;
  struct file *f;

  argint(0, &fd);
  if((f = fdremove(fd, 0)) == 0)
    return -EBADF;
  fileclose(f);
  return 0;
}

uint64
sys_fstat(void)
{
  struct file *f;
  uint64 st;
  int err;

  argaddr(1, &st);
  if((err = argfd(0, &f)) < 0)
    return err;
  err = filestat(f, st);
  fileclose(f);
  return err;
}

// Create the path new as a link to the same inode as old.
uint64
sys_link(void)
{
  char name[DIRSIZ], new[MAXPATH], old[MAXPATH];
  struct inode *dp, *ip;
  int err;

  if((err = argpath(0, old)) < 0 || (err = argpath(1, new)) < 0)
    return err;

  begin_op();
  if((ip = namei_err(old, &err)) == 0){
    end_op();
    return err;
  }
  ilock(ip);
  if(ip->type == T_DIR){
    iunlockput(ip);
    end_op();
    return -EPERM;   // as Linux: no hard links to directories
  }
  if(ip->nlink >= LINK_MAX){
    iunlockput(ip);
    end_op();
    return -EMLINK;  // the on-disk count is a short
  }
  ip->nlink++;
  iupdate(ip);
  iunlock(ip);

  if((dp = nameiparent_err(new, name, &err)) == 0)
    goto bad;
  ilock(dp);
  if(dp->dev != ip->dev){
    iunlockput(dp);
    err = -EXDEV;
    goto bad;
  }
  if((err = dirlink(dp, name, ip->inum)) < 0){
    iunlockput(dp);
    goto bad;
  }
  iunlockput(dp);
  iput(ip);
  return end_op();

bad:
  ilock(ip);
  ip->nlink--;
  iupdate(ip);
  iunlockput(ip);
  end_op();
  return err;
}

// Is the directory dp empty except for "." and ".."?
static int
isdirempty(struct inode *dp)
{
  struct dirent de;

  for(uint off = 2*sizeof(de); off < dp->size; off += sizeof(de)){
    if(readi(dp, (char *)&de, off, sizeof(de)) != sizeof(de))
      return 0;   // a disk error: not known to be empty
    if(de.inum != 0)
      return 0;
  }
  return 1;
}

uint64
sys_unlink(void)
{
  struct inode *ip, *dp;
  struct dirent de;
  char name[DIRSIZ], path[MAXPATH];
  uint off;
  int err;

  if((err = argpath(0, path)) < 0)
    return err;

  begin_op();
  if((dp = nameiparent_err(path, name, &err)) == 0){
    end_op();
    return err == -ENOENT && namecmp(path, "/") == 0 ? -EBUSY : err;
  }
  ilock(dp);

  // Cannot unlink "." or "..".
  err = -EINVAL;
  if(namecmp(name, ".") == 0 || namecmp(name, "..") == 0)
    goto bad;
  err = -ENOENT;
  if((ip = dirlookup(dp, name, &off)) == 0)
    goto bad;
  ilock(ip);
  if(!ip->valid){   // the disk could not read the inode
    iunlockput(ip);
    err = -EIO;
    goto bad;
  }
  if(ip->nlink < 1)
    panic("unlink: nlink < 1");
  if(ip->type == T_DIR && !isdirempty(ip)){
    iunlockput(ip);
    err = -ENOTEMPTY;
    goto bad;
  }

  memset(&de, 0, sizeof(de));
  if(writei(dp, (char *)&de, off, sizeof(de)) != sizeof(de)){
    iunlockput(ip);
    err = -EIO;   // the entry was read a moment ago: only the disk can fail
    goto bad;
  }
  if(ip->type == T_DIR){
    dp->nlink--;   // the child's ".." no longer refers to dp
    iupdate(dp);
  }
  iunlockput(dp);

  ip->nlink--;
  iupdate(ip);
  iunlockput(ip);
  return end_op();

bad:
  iunlockput(dp);
  end_op();
  return err;
}

// Create path as a new inode of the given type, or (for T_FILE) return
// the existing file. Returns it locked, or 0 with *err set. Inside a
// transaction.
static struct inode*
create(char *path, short type, short major, short minor, int *err)
{
  struct inode *ip, *dp;
  char name[DIRSIZ];

  if((dp = nameiparent_err(path, name, err)) == 0)
    return 0;
  ilock(dp);

  if((ip = dirlookup(dp, name, 0)) != 0){
    iunlockput(dp);
    ilock(ip);
    if(type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE))
      return ip;
    *err = (type == T_FILE && ip->type == T_DIR) ? -EISDIR : -EEXIST;
    iunlockput(ip);
    return 0;
  }

  if(type == T_DIR && dp->nlink >= LINK_MAX){
    iunlockput(dp);
    *err = -EMLINK;
    return 0;
  }
  if((ip = ialloc(dp->dev, type)) == 0){
    iunlockput(dp);
    *err = -ENOSPC;
    return 0;
  }
  ilock(ip);
  ip->major = major;
  ip->minor = minor;
  ip->nlink = 1;
  iupdate(ip);

  if(type == T_DIR){
    // "." and ".."; no ip->nlink++ for ".": no cycles in link counts.
    if(dirlink(ip, ".", ip->inum) < 0 || dirlink(ip, "..", dp->inum) < 0)
      goto fail;
  }
  if((*err = dirlink(dp, name, ip->inum)) < 0)
    goto fail;
  if(type == T_DIR){
    // now that success is guaranteed (dp->nlink was checked above):
    dp->nlink++;  // for ".."
    iupdate(dp);
  }
  iunlockput(dp);
  return ip;

 fail:
  // Free the half-made inode: with nlink 0 iput() releases it.
  *err = -ENOSPC;
  ip->nlink = 0;
  iupdate(ip);
  iunlockput(ip);
  iunlockput(dp);
  return 0;
}

uint64
sys_open(void)
{
  char path[MAXPATH];
  int fd, omode, err;
  struct file *f;
  struct inode *ip;

  argint(1, &omode);
  if((err = argpath(0, path)) < 0)
    return err;
  if((omode & 3) == 3)
    return -EINVAL;

  begin_op();
  if(omode & O_CREATE){
    ip = create(path, T_FILE, 0, 0, &err);
    if(ip == 0){
      end_op();
      return err;
    }
  } else {
    if((ip = namei_err(path, &err)) == 0){
      end_op();
      return err;
    }
    ilock(ip);
    if(!ip->valid){   // the disk could not read the inode
      iunlockput(ip);
      end_op();
      return -EIO;
    }
    if(ip->type == T_DIR && (omode & ~O_DIRECT) != O_RDONLY){
      iunlockput(ip);
      end_op();
      return -EISDIR;
    }
  }

  if(ip->type == T_DEVICE && (ip->major < 0 || ip->major >= NDEV)){
    iunlockput(ip);
    end_op();
    return -ENXIO;
  }
  if((omode & O_DIRECT) && ip->type != T_FILE){
    iunlockput(ip);
    end_op();
    return -EINVAL;   // only files have blocks to go to directly
  }

  if((f = filealloc()) == 0){
    iunlockput(ip);
    end_op();
    return -ENFILE;
  }

  if(ip->type == T_DEVICE){
    f->type = FD_DEVICE;
    f->major = ip->major;
  } else {
    f->type = FD_INODE;
    f->off = 0;
  }
  f->ip = ip;
  f->readable = !(omode & O_WRONLY);
  f->writable = (omode & O_WRONLY) || (omode & O_RDWR);
  f->direct = (omode & O_DIRECT) != 0;

  if((omode & O_TRUNC) && ip->type == T_FILE)
    itrunc(ip);

  iunlock(ip);
  if(end_op() < 0){   // the disk failed: nothing was created or truncated
    fileclose(f);
    return -EIO;
  }
  // Only a complete file gets a descriptor: another thread could use it.
  if((fd = fdalloc(f)) < 0)
    fileclose(f);
  return fd;
}

uint64
sys_mkdir(void)
{
  char path[MAXPATH];
  struct inode *ip;
  int err;

  if((err = argpath(0, path)) < 0)
    return err;
  begin_op();
  if((ip = create(path, T_DIR, 0, 0, &err)) == 0){
    end_op();
    return err;
  }
  iunlockput(ip);
  return end_op();
}

uint64
sys_mknod(void)
{
  struct inode *ip;
  char path[MAXPATH];
  int major, minor, err;

  argint(1, &major);
  argint(2, &minor);
  if((err = argpath(0, path)) < 0)
    return err;
  begin_op();
  if((ip = create(path, T_DEVICE, major, minor, &err)) == 0){
    end_op();
    return err;
  }
  iunlockput(ip);
  return end_op();
}

uint64
sys_chdir(void)
{
  char path[MAXPATH];
  struct inode *ip;
  struct proc *p = myproc();
  int err;

  if((err = argpath(0, path)) < 0)
    return err;
  begin_op();
  if((ip = namei_err(path, &err)) == 0){
    end_op();
    return err;
  }
  ilock(ip);
  if(ip->type != T_DIR){
    iunlockput(ip);
    end_op();
    return -ENOTDIR;
  }
  iunlock(ip);
  acquire(&p->files->lock);
  struct inode *old = p->files->cwd;
  p->files->cwd = ip;
  release(&p->files->lock);
  iput(old);
  return end_op();
}

uint64
sys_exec(void)
{
  char path[MAXPATH], *argv[MAXARG+1];
  uint64 uargv, uarg;
  int err, i;

  argaddr(1, &uargv);
  if((err = argpath(0, path)) < 0)
    return err;
  memset(argv, 0, sizeof(argv));
  for(i = 0;; i++){
    if(i >= NELEM(argv) - 1){
      err = -E2BIG;
      goto bad;
    }
    if((err = fetchaddr(uargv + sizeof(uint64)*i, &uarg)) < 0)
      goto bad;
    if(uarg == 0)
      break;
    err = -ENOMEM;
    if((argv[i] = kalloc()) == 0)
      goto bad;
    if((err = fetchstr(uarg, argv[i], PGSIZE)) < 0){
      if(err == -ENAMETOOLONG)
        err = -E2BIG;   // an argument longer than a page
      goto bad;
    }
  }

  err = kexec(path, argv);

 bad:
  for(i = 0; i < NELEM(argv) && argv[i] != 0; i++)
    kfree(argv[i]);
  return err;
}

uint64
sys_pipe(void)
{
  uint64 fdarray; // user pointer to array of two integers
  struct file *rf, *wf;
  int fd0, fd1, err;
  struct proc *p = myproc();

  argaddr(0, &fdarray);
  if((err = pipealloc(&rf, &wf)) < 0)
    return err;
  if((fd0 = fdalloc(rf)) < 0){
    fileclose(rf);
    fileclose(wf);
    return fd0;
  }
  if((fd1 = fdalloc(wf)) < 0){
    if(fdremove(fd0, rf))
      fileclose(rf);
    fileclose(wf);
    return fd1;
  }
  if(copyout(p->mm->pgd, fdarray, (char*)&fd0, sizeof(fd0)) < 0 ||
     copyout(p->mm->pgd, fdarray+sizeof(fd0), (char *)&fd1, sizeof(fd1)) < 0){
    // Another thread may have closed them already.
    if(fdremove(fd0, rf))
      fileclose(rf);
    if(fdremove(fd1, wf))
      fileclose(wf);
    return -EFAULT;
  }
  return 0;
}

// fsync(fd): write back the file's dirty page-cache pages. Everything
// else written to the file is on the disk already: each write() commits
// through the log before it returns.
uint64
sys_fsync(void)
{
  struct file *f;
  int err = argfd(0, &f);
  if(err)
    return err;
  if(f->type != FD_INODE)
    err = -EINVAL;   // pipes and devices cannot be synced
  else
    err = filemap_write_range(&f->ip->i_data, 0, ~0UL);
  fileclose(f);
  return err;
}

// lseek(fd, offset, whence)
uint64
sys_lseek(void)
{
  struct file *f;
  int off, whence, err;
  argint(1, &off);
  argint(2, &whence);
  if((err = argfd(0, &f)) < 0)
    return err;
  err = filelseek(f, off, whence);
  fileclose(f);
  return err;
}

// ioctl(fd, cmd, arg): see fileioctl.
uint64
sys_ioctl(void)
{
  struct file *f;
  int cmd, err;
  uint64 arg;
  argint(1, &cmd);
  argaddr(2, &arg);
  if((err = argfd(0, &f)) < 0)
    return err;
  err = fileioctl(f, cmd, arg);
  fileclose(f);
  return err;
}

// pin_user_pages(addr, len, flags): see pinfd.c.
uint64
sys_pin_user_pages(void)
{
  uint64 addr, len;
  int flags;
  argaddr(0, &addr);
  argaddr(1, &len);
  argint(2, &flags);
  return kpin_user_pages(addr, len, flags);
}

// vmsplice(fd, addr, len, flags): the pipe fd (its write end) takes
// references to the user pages of [addr, addr+len) instead of copying
// them (pipe.c). flags: Linux's SPLICE_F_* bits are accepted and ignored.
uint64
sys_vmsplice(void)
{
  struct file *f;
  uint64 addr, len;
  int flags, err;
  argaddr(1, &addr);
  argaddr(2, &len);
  argint(3, &flags);
  if((err = argfd(0, &f)) < 0)
    return err;
  if(f->type != FD_PIPE || !f->writable)
    err = -EBADF;
  else if(flags & ~0xf)
    err = -EINVAL;
  else if(addr >= MAXVA || len > MAXVA - addr)
    err = -EFAULT;
  else
    err = len == 0 ? 0 : pipe_vmsplice(f->pipe, addr, len);
  fileclose(f);
  return err;
}
