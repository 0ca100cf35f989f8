// ls: list files.  For each argument (default "."): a directory lists its
// entries, anything else itself, one per line as "name type ino size",
// with the name padded to DIRSIZ so the columns line up.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "user/user.h"

// The last path component padded with blanks to DIRSIZ characters
// (longer names are shown whole).
static char *
fmtname(const char *path)
{
  static char buf[DIRSIZ + 1];
  const char *p = path + strlen(path);
  int n;

  while(p > path && p[-1] != '/')
    p--;
  n = strlen(p);
  if(n >= DIRSIZ)
    return (char *)p;
  memmove(buf, p, n);
  memset(buf + n, ' ', DIRSIZ - n);
  buf[DIRSIZ] = 0;
  return buf;
}

static void
show(const char *path, struct stat *st)
{
  printf("%s %d %d %d\n", fmtname(path), st->type, st->ino, (int)st->size);
}

// List the entries of the directory open as fd, whose name is path.
static void
listdir(int fd, const char *path)
{
  char buf[MAXPATH + DIRSIZ + 2];
  struct dirent de;
  struct stat st;
  char *p;
  int len = strlen(path);

  if(len + 1 + DIRSIZ + 1 > sizeof(buf)){
    fprintf(2, "ls: %s: path too long\n", path);
    return;
  }
  strcpy(buf, path);
  p = buf + len;
  *p++ = '/';
  while(read(fd, &de, sizeof(de)) == sizeof(de)){
    if(de.inum == 0)
      continue;   // free slot
    // Names of exactly DIRSIZ bytes are not NUL-terminated on disk.
    memmove(p, de.name, DIRSIZ);
    p[DIRSIZ] = 0;
    if(stat(buf, &st) < 0){
      fprintf(2, "ls: cannot stat %s: %s\n", buf, strerror(errno));
      continue;
    }
    show(buf, &st);
  }
}

static int
ls(const char *path)
{
  struct stat st;
  int fd;

  if((fd = open(path, O_RDONLY)) < 0){
    fprintf(2, "ls: cannot open %s: %s\n", path, strerror(errno));
    return -1;
  }
  if(fstat(fd, &st) < 0){
    fprintf(2, "ls: cannot stat %s: %s\n", path, strerror(errno));
    close(fd);
    return -1;
  }
  if(st.type == T_DIR)
    listdir(fd, path);
  else
    show(path, &st);
  close(fd);
  return 0;
}

int
main(int argc, char *argv[])
{
  int i, status = 0;

  if(argc < 2)
    exit(ls(".") < 0);
  for(i = 1; i < argc; i++)
    if(ls(argv[i]) < 0)
      status = 1;
  exit(status);
}
