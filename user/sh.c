// sh: the shell.
//
// Grammar (xv6's, but "a & b" needs no ';'):
//   line  := pipe { ('&' | ';') pipe } [ '&' | ';' ]
//                  ('&' runs the pipe before it in the background)
//   pipe  := cmd { '|' cmd }
//   cmd   := '(' line ')' redir*  |  (WORD | redir)+
//   redir := ('<' | '>' | '>>') WORD
// Words are separated by blanks; there is no quoting.  Redirections
// apply left to right, so the last one for an fd wins; ">>" appends (the
// shell reads to the end of the file, as there is no O_APPEND).  "cd dir"
// is built in ("cd" alone goes to /).  `sh file` reads commands from file
// instead of standard input, without prompting.
//
// A line is split into tokens, parsed into a tree of nodes, then run.
// Sequencing (';') and cd happen in the shell itself, so "cd d; ls"
// works; everything else runs in forked children.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "user/user.h"

#define LINESZ  512
#define MAXTOK  (LINESZ + 1)   // a line can't hold more tokens
#define MAXNODE 64
#define MAXNEST 8    // parentheses inside parentheses

// User stacks are a single page, so neither parsing nor running may
// recurse in proportion to the length of the line: lists and pipelines
// are handled with loops, and only parentheses nest (at most MAXNEST).

// ---------------------------------------------------------------- tokens

enum { T_END, T_WORD, T_LT, T_GT, T_GTGT, T_PIPE, T_SEMI, T_AMP,
       T_LPAREN, T_RPAREN };

struct token {
  int type;
  char *word;   // T_WORD only
};

static char line[LINESZ];
static char words[2 * LINESZ];   // NUL-terminated copies of the words
static struct token toks[MAXTOK];
static int ntok, pos;            // tokens in the line, parse position

static int
isblank(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v';
}

static int
symbol(const char *s)
{
  switch(*s){
  case '<': return T_LT;
  case '>': return s[1] == '>' ? T_GTGT : T_GT;
  case '|': return T_PIPE;
  case ';': return T_SEMI;
  case '&': return T_AMP;
  case '(': return T_LPAREN;
  case ')': return T_RPAREN;
  }
  return T_WORD;
}

// Split the line into toks[], always followed by a T_END.  Words are
// copied out (rather than terminated in place) so that "a>b" works.
static void
tokenize(const char *s)
{
  char *w = words;
  int t;

  ntok = pos = 0;
  for(;;){
    while(isblank(*s))
      s++;
    if(*s == 0)
      break;
    t = symbol(s);
    toks[ntok].type = t;
    if(t != T_WORD){
      s += t == T_GTGT ? 2 : 1;
    } else {
      toks[ntok].word = w;
      while(*s && !isblank(*s) && symbol(s) == T_WORD)
        *w++ = *s++;
      *w++ = 0;
    }
    ntok++;
  }
  toks[ntok].type = T_END;
}

static int
peek(void)
{
  return toks[pos].type;
}

// ----------------------------------------------------------------- nodes

enum { N_EXEC, N_REDIR, N_PIPE, N_LIST, N_BACK };

struct node {
  int type;
  // N_EXEC: the words.  N_EXEC and N_REDIR share `redirs`: the
  // redirections of a command or of a parenthesized block, in order.
  int argc;
  char *argv[MAXARG + 1];
  struct redir *redirs;
  struct node *left, *right;   // N_REDIR (left), N_PIPE, N_LIST, N_BACK
};

struct redir {
  int fd;           // 0 or 1
  int mode;         // open() flags
  int append;       // ">>": start writing at the end
  char *file;
  struct redir *next;
};

static struct node nodes[MAXNODE];
static struct redir redirs[MAXTOK];
static struct node spare;         // handed out when nodes[] is full
static int nnode, nredir, nest;
static const char *parse_error;   // set by the parser, 0 if none

// Record a parse error; the first one found is the one reported.
static void
error(const char *msg)
{
  if(parse_error == 0)
    parse_error = msg;
}

static struct node *
newnode(int type, struct node *left, struct node *right)
{
  struct node *n;

  if(nnode == MAXNODE){
    error("line too complex");
    n = &spare;   // keeps the parser going; the line will not run
  } else {
    n = &nodes[nnode++];
  }
  memset(n, 0, sizeof(*n));
  n->type = type;
  n->left = left;
  n->right = right;
  return n;
}

// ---------------------------------------------------------------- parser

static struct node *parse_line(void);

// Parse redirections at the current position, appending them to *tail.
// Returns the new tail, or 0 if the next token is no redirection.
static struct redir **
parse_redir(struct redir **tail)
{
  int t = peek();
  struct redir *r;

  if(t != T_LT && t != T_GT && t != T_GTGT)
    return 0;
  pos++;
  if(peek() != T_WORD){
    error("missing file name for redirection");
    return 0;
  }
  r = &redirs[nredir++];
  r->file = toks[pos++].word;
  r->next = 0;
  r->append = 0;
  if(t == T_LT){
    r->fd = 0;
    r->mode = O_RDONLY;
  } else if(t == T_GT){
    r->fd = 1;
    r->mode = O_WRONLY | O_CREATE | O_TRUNC;
  } else {
    // There is no O_APPEND: open for reading too, and redirect() reads
    // to the end before the command writes.
    r->fd = 1;
    r->mode = O_RDWR | O_CREATE;
    r->append = 1;
  }
  *tail = r;
  return &r->next;
}

static struct node *
parse_cmd(void)
{
  struct node *n, *inner;
  struct redir **tail, **next;

  if(peek() == T_LPAREN){
    pos++;
    if(nest == MAXNEST){
      error("too many nested parentheses");
      return newnode(N_EXEC, 0, 0);
    }
    nest++;
    inner = parse_line();
    nest--;
    if(peek() != T_RPAREN)
      error("missing )");
    else
      pos++;
    n = newnode(N_REDIR, inner, 0);
    tail = &n->redirs;
    while((next = parse_redir(tail)) != 0)
      tail = next;
    return n;
  }

  n = newnode(N_EXEC, 0, 0);
  tail = &n->redirs;
  for(;;){
    if((next = parse_redir(tail)) != 0){
      tail = next;
    } else if(peek() == T_WORD){
      if(n->argc == MAXARG){
        error("too many arguments");
        return n;
      }
      n->argv[n->argc++] = toks[pos++].word;
    } else {
      break;
    }
  }
  if(n->argc == 0 && n->redirs == 0)
    error("syntax error");   // e.g. "| x" or ";;"
  return n;
}

// "a | b | c" becomes PIPE(a, PIPE(b, c)); *slot is where the next
// command goes.
static struct node *
parse_pipe(void)
{
  struct node *first, **slot = &first, *n;

  for(;;){
    n = parse_cmd();
    if(peek() != T_PIPE || parse_error){
      *slot = n;
      return first;
    }
    pos++;
    *slot = newnode(N_PIPE, n, 0);
    slot = &(*slot)->right;
  }
}

// "a ; b & c" becomes LIST(a, LIST(BACK(b), c)), built the same way.
static struct node *
parse_line(void)
{
  struct node *first, **slot = &first, *n;
  int t;

  for(;;){
    n = parse_pipe();
    t = peek();
    if(t != T_AMP && t != T_SEMI)
      break;
    pos++;
    if(t == T_AMP)
      n = newnode(N_BACK, n, 0);
    t = peek();
    if(t == T_END || t == T_RPAREN || parse_error)
      break;   // a trailing ';' or '&'
    *slot = newnode(N_LIST, n, 0);
    slot = &(*slot)->right;
  }
  *slot = n;
  return first;
}

// The tree for the tokenized line, or 0 after reporting a syntax error.
static struct node *
parse(void)
{
  struct node *n;

  nnode = nredir = nest = 0;
  parse_error = 0;
  n = parse_line();
  if(peek() != T_END)
    error("syntax error");   // e.g. a stray ')'
  if(parse_error){
    fprintf(2, "sh: %s\n", parse_error);
    return 0;
  }
  return n;
}

// -------------------------------------------------------------- executor

static void run(struct node *n);
static void runchild(struct node *n) __attribute__((noreturn));

static int
forkorsay(void)
{
  int pid = fork();

  if(pid < 0)
    fprintf(2, "sh: fork: %s\n", strerror(errno));
  return pid;
}

// Wait for one particular child.  Background jobs are never our own
// children (see N_BACK), so nothing else should turn up, but a stray
// child must not make us return early.
static void
waitfor(int pid)
{
  int w;

  if(pid < 0)
    return;
  while((w = wait(0)) != pid && w >= 0)
    ;
}

static int
is_cd(struct node *n)
{
  return n->type == N_EXEC && n->argc > 0 && strcmp(n->argv[0], "cd") == 0;
}

static int
cd(struct node *n)
{
  const char *dir = n->argc > 1 ? n->argv[1] : "/";

  if(chdir(dir) < 0){
    fprintf(2, "cd: %s: %s\n", dir, strerror(errno));
    return -1;
  }
  return 0;
}

// Apply a command's redirections in order, so the last one for an fd wins.
static void
redirect(struct redir *r)
{
  char buf[512];
  int n;

  for(; r; r = r->next){
    close(r->fd);
    if(open(r->file, r->mode) < 0){
      fprintf(2, "sh: open %s failed: %s\n", r->file, strerror(errno));
      exit(1);
    }
    if(r->append){
      while((n = read(r->fd, buf, sizeof(buf))) > 0)
        ;
      if(n < 0){
        fprintf(2, "sh: %s: %s\n", r->file, strerror(errno));
        exit(1);
      }
    }
  }
}

// Run a command in this (already forked) process; never returns.
// Redirections and the two sides of a pipe continue round the loop
// rather than recursing, so a long pipeline needs no extra stack.
static void
runchild(struct node *n)
{
  int p[2], left, right;

  for(;;){
    switch(n->type){
    case N_EXEC:
      redirect(n->redirs);
      if(n->argc == 0)
        exit(0);
      if(is_cd(n))
        exit(cd(n) < 0);   // e.g. in a pipeline: no lasting effect
      n->argv[n->argc] = 0;
      exec(n->argv[0], n->argv);
      fprintf(2, "exec %s failed: %s\n", n->argv[0], strerror(errno));
      exit(1);

    case N_REDIR:
      redirect(n->redirs);
      n = n->left;
      continue;

    case N_PIPE:
      if(pipe(p) < 0){
        fprintf(2, "sh: pipe: %s\n", strerror(errno));
        exit(1);
      }
      if((left = forkorsay()) == 0){
        close(1);
        dup(p[1]);
        close(p[0]);
        close(p[1]);
        n = n->left;
        continue;
      }
      if((right = forkorsay()) == 0){
        close(0);
        dup(p[0]);
        close(p[0]);
        close(p[1]);
        n = n->right;
        continue;
      }
      // Our copies must go, or the reader would never see end of file.
      close(p[0]);
      close(p[1]);
      waitfor(left);
      waitfor(right);
      exit(0);

    default:   // N_LIST, N_BACK inside parentheses or a pipeline
      run(n);
      exit(0);
    }
  }
}

// Run a command from the shell process itself and wait for it, except
// for background jobs.
static void
run(struct node *n)
{
  int pid;

  // A list is a chain down the right: walk it.
  for(; n->type == N_LIST; n = n->right)
    run(n->left);

  if(n->type == N_BACK){
    // The child forks the job and exits at once; the orphaned job is
    // re-parented to init, which reaps it, so its exit never confuses a
    // later wait here.
    if((pid = forkorsay()) == 0){
      if(forkorsay() == 0)
        runchild(n->left);
      exit(0);
    }
    waitfor(pid);
    return;
  }
  if(is_cd(n) && n->redirs == 0){
    cd(n);
    return;
  }
  if((pid = forkorsay()) == 0)
    runchild(n);
  waitfor(pid);
}

// ------------------------------------------------------------------ main

// Read one line; returns 0 at end of input.
static int
getline(int prompt)
{
  if(prompt)
    write(2, "$ ", 2);
  memset(line, 0, sizeof(line));
  gets(line, sizeof(line));
  return line[0] != 0;
}

int
main(int argc, char *argv[])
{
  struct node *n;
  int fd, prompt = 1;

  // Make sure fds 0, 1 and 2 are open, so that commands which print to
  // stderr cannot scribble on a file that happens to get fd 2.
  while((fd = open("console", O_RDWR)) >= 0){
    if(fd >= 3){
      close(fd);
      break;
    }
  }

  if(argc > 2){
    fprintf(2, "usage: sh [file]\n");
    exit(1);
  }
  if(argc == 2){
    close(0);
    if(open(argv[1], O_RDONLY) != 0){
      fprintf(2, "sh: cannot open %s: %s\n", argv[1], strerror(errno));
      exit(1);
    }
    prompt = 0;
  }

  while(getline(prompt)){
    tokenize(line);
    if(ntok == 0)
      continue;
    if((n = parse()) != 0)
      run(n);
  }
  exit(0);
}
