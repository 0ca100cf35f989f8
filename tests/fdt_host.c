// Host test for kernel/fdt.c.
//
//   fdt_host BLOB.dtb EXPECT.txt   parse BLOB, check every key in EXPECT
//   fdt_host BLOB.dtb              parse BLOB, print all keys (to write EXPECT)
//   fdt_host --fuzz BLOB.dtb [N]   truncate at every length and apply N random
//                                  corruptions; fdt_parse must never crash or
//                                  read outside the blob (build with
//                                  -fsanitize=address to check the latter)
//
// EXPECT holds "key = value" lines ('#' starts a comment). Values compare
// token by token; numbers compare by value, so 0x1000 matches 4096. Keys:
//   parse       ok | error
//   nharts      number of cpu nodes        hartids   their ids
//   harts       usable hart ids (the harts the kernel may start)
//   timebase    mem / rsv / nomap (base/size ..., or "none"; nomap: the
//               /reserved-memory children marked no-map, a subset of rsv)
//   uart uart.size uart.shift uart.width uart.dw uart.irq uart.clock
//               (uart = base, or "none")
//   plic plic.size plic.ndev plic.nctx  (plic = base, or "none")
//   plic.s      hart:context for every S-mode context
//   plic.ctx    the whole ctx_hart array
//   virtio virtio.bases virtio.irqs     (virtio = count)
//   bootargs    initrd (start end)
//   totalsize   fdt_totalsize() of the file as stored (0: bad magic)
// Prints "ok KEY" / "FAIL KEY ..." lines; exit status 0 iff all pass.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include "kernel/types.h"
#include "kernel/fdt.h"

static unsigned char *
read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  unsigned char *buf;
  long n;

  if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
    perror(path);
    exit(2);
  }
  rewind(f);
  // fdt_parse reads the 8-byte magic/totalsize before it knows any bound.
  buf = calloc(1, n < 8 ? 8 : n);
  if (buf == NULL || fread(buf, 1, n, f) != (size_t)n) {
    perror(path);
    exit(2);
  }
  fclose(f);
  *len = n;
  return buf;
}

static void
put_be32(unsigned char *p, uint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

// A blob whose file is shorter than its header says stands for firmware
// that handed over a partial tree: tell fdt_parse the real size so it has
// to notice the damage itself (and ASan notices any read beyond).
static void
clamp_totalsize(unsigned char *buf, size_t len)
{
  if (len >= 8 && fdt_totalsize(buf) > len) {
    printf("note: file is %zu bytes, header says %lu; totalsize set to %zu\n",
           len, (unsigned long)fdt_totalsize(buf), len);
    put_be32(buf + 4, len);
  }
}

// ---------------------------------------------------------------------
// Rendering the parsed machine as "key = value" text

static char *
cat(char *out, size_t cap, const char *fmt, unsigned long a, unsigned long b)
{
  size_t n = strlen(out);
  snprintf(out + n, cap - n, fmt, a, b);
  return out;
}

static void
ranges(char *out, size_t cap, const struct fdt_range *r, int n)
{
  if (n == 0)
    cat(out, cap, "none", 0, 0);
  for (int i = 0; i < n; i++)
    cat(out, cap, i ? " 0x%lx/0x%lx" : "0x%lx/0x%lx", r[i].base, r[i].size);
}

// Render key into out; returns 0 for an unknown key.
static int
render(const struct fdt_machine *m, const char *key, char *out, size_t cap)
{
  out[0] = 0;
  if (strcmp(key, "nharts") == 0) {
    cat(out, cap, "%lu", m->nharts, 0);
  } else if (strcmp(key, "hartids") == 0 || strcmp(key, "harts") == 0) {
    int all = strcmp(key, "hartids") == 0;
    for (int i = 0; i < m->nharts; i++)
      if (all || m->harts[i].usable)
        cat(out, cap, out[0] ? " %lu" : "%lu", m->harts[i].hartid, 0);
    if (!out[0])
      cat(out, cap, "none", 0, 0);
  } else if (strcmp(key, "timebase") == 0) {
    cat(out, cap, "%lu", m->timebase, 0);
  } else if (strcmp(key, "mem") == 0) {
    ranges(out, cap, m->mem, m->nmem);
  } else if (strcmp(key, "rsv") == 0) {
    ranges(out, cap, m->rsv, m->nrsv);
  } else if (strcmp(key, "nomap") == 0) {
    ranges(out, cap, m->nomap, m->nnomap);
  } else if (strncmp(key, "uart", 4) == 0 && !m->uart.found) {
    cat(out, cap, "none", 0, 0);
  } else if (strcmp(key, "uart") == 0) {
    cat(out, cap, "0x%lx", m->uart.base, 0);
  } else if (strcmp(key, "uart.size") == 0) {
    cat(out, cap, "0x%lx", m->uart.size, 0);
  } else if (strcmp(key, "uart.shift") == 0) {
    cat(out, cap, "%lu", m->uart.reg_shift, 0);
  } else if (strcmp(key, "uart.width") == 0) {
    cat(out, cap, "%lu", m->uart.reg_io_width, 0);
  } else if (strcmp(key, "uart.dw") == 0) {
    cat(out, cap, "%lu", m->uart.dw, 0);
  } else if (strcmp(key, "uart.irq") == 0) {
    cat(out, cap, "%lu", m->uart.irq, 0);
  } else if (strcmp(key, "uart.clock") == 0) {
    cat(out, cap, "%lu", m->uart.clock, 0);
  } else if (strncmp(key, "plic", 4) == 0 && !m->plic.found) {
    cat(out, cap, "none", 0, 0);
  } else if (strcmp(key, "plic") == 0) {
    cat(out, cap, "0x%lx", m->plic.base, 0);
  } else if (strcmp(key, "plic.size") == 0) {
    cat(out, cap, "0x%lx", m->plic.size, 0);
  } else if (strcmp(key, "plic.ndev") == 0) {
    cat(out, cap, "%lu", m->plic.ndev, 0);
  } else if (strcmp(key, "plic.nctx") == 0) {
    cat(out, cap, "%lu", m->plic.nctx, 0);
  } else if (strcmp(key, "plic.s") == 0) {
    for (int i = 0; i < m->plic.nctx; i++)
      if (m->plic.ctx_hart[i] >= 0)
        cat(out, cap, out[0] ? " %lu:%lu" : "%lu:%lu", m->plic.ctx_hart[i], i);
    if (!out[0])
      cat(out, cap, "none", 0, 0);
  } else if (strcmp(key, "plic.ctx") == 0) {
    for (int i = 0; i < m->plic.nctx; i++)
      cat(out, cap, i ? " %ld" : "%ld", (long)m->plic.ctx_hart[i], 0);
  } else if (strcmp(key, "virtio") == 0) {
    cat(out, cap, "%lu", m->nvirtio, 0);
  } else if (strcmp(key, "virtio.bases") == 0) {
    for (int i = 0; i < m->nvirtio; i++)
      cat(out, cap, i ? " 0x%lx" : "0x%lx", m->virtio[i].base, 0);
  } else if (strcmp(key, "virtio.irqs") == 0) {
    for (int i = 0; i < m->nvirtio; i++)
      cat(out, cap, i ? " %lu" : "%lu", m->virtio[i].irq, 0);
  } else if (strcmp(key, "bootargs") == 0) {
    snprintf(out, cap, "%s", m->bootargs);
  } else if (strcmp(key, "initrd") == 0) {
    cat(out, cap, "0x%lx 0x%lx", m->initrd_start, m->initrd_end);
  } else {
    return 0;
  }
  return 1;
}

static const char *all_keys[] = {
  "nharts", "hartids", "harts", "timebase", "mem", "rsv", "nomap",
  "uart", "uart.size", "uart.shift", "uart.width", "uart.dw", "uart.irq", "uart.clock",
  "plic", "plic.size", "plic.ndev", "plic.nctx", "plic.s", "plic.ctx",
  "virtio", "virtio.bases", "virtio.irqs", "bootargs", "initrd",
};

// ---------------------------------------------------------------------
// Comparing

// Equal word by word (any whitespace between words), with numbers
// (decimal or 0x) compared by value.
static int
same(const char *a, const char *b)
{
  for (;;) {
    while (isspace((unsigned char)*a))
      a++;
    while (isspace((unsigned char)*b))
      b++;
    if (!*a || !*b)
      return !*a && !*b;
    while (*a && !isspace((unsigned char)*a) && *b && !isspace((unsigned char)*b)) {
      if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
        char *ea, *eb;
        if (strtoull(a, &ea, 0) != strtoull(b, &eb, 0))
          return 0;
        a = ea;
        b = eb;
      } else if (*a++ != *b++) {
        return 0;
      }
    }
    // Both words must end together.
    if ((*a && !isspace((unsigned char)*a)) || (*b && !isspace((unsigned char)*b)))
      return 0;
  }
}

static char *
trim(char *s)
{
  char *e;
  while (isspace((unsigned char)*s))
    s++;
  e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1]))
    *--e = 0;
  return s;
}

static int
check(const char *blobpath, const char *exppath)
{
  size_t len;
  unsigned char *blob = read_file(blobpath, &len);
  static struct fdt_machine m;
  FILE *f = fopen(exppath, "r");
  char line[1024], got[2048];
  int fails = 0, r;
  uint64 total;

  if (f == NULL) {
    perror(exppath);
    return 2;
  }
  total = fdt_totalsize(blob);         // before the clamp below changes it
  clamp_totalsize(blob, len);
  r = fdt_parse(blob, &m);
  while (fgets(line, sizeof(line), f)) {
    char *hash = strchr(line, '#'), *eq, *key, *want;
    // '#' starts a comment only at the line start or after a space, so
    // bootargs may contain one.
    if (hash && (hash == line || isspace((unsigned char)hash[-1])))
      *hash = 0;
    if ((eq = strchr(line, '=')) == NULL) {
      if (*trim(line)) {
        printf("FAIL bad line in %s: %s\n", exppath, line);
        fails++;
      }
      continue;
    }
    *eq = 0;
    key = trim(line);
    want = trim(eq + 1);
    if (strcmp(key, "parse") == 0) {
      const char *res = r == 0 ? "ok" : "error";
      if (strcmp(want, res) == 0) {
        printf("ok parse (%s, rc %d)\n", res, r);
      } else {
        printf("FAIL parse: got %s (rc %d), want %s\n", res, r, want);
        fails++;
      }
      continue;
    }
    if (strcmp(key, "totalsize") == 0) {
      snprintf(got, sizeof(got), "%lu", (unsigned long)total);
      if (same(got, want)) {
        printf("ok totalsize = %s\n", got);
      } else {
        printf("FAIL totalsize: got %s, want %s\n", got, want);
        fails++;
      }
    } else if (r != 0) {
      printf("FAIL %s: no result, fdt_parse returned %d\n", key, r);
      fails++;
    } else if (!render(&m, key, got, sizeof(got))) {
      printf("FAIL unknown key %s\n", key);
      fails++;
    } else if (same(got, want)) {
      printf("ok %s = %s\n", key, got);
    } else {
      printf("FAIL %s: got '%s', want '%s'\n", key, got, want);
      fails++;
    }
  }
  fclose(f);
  free(blob);
  printf("%s: %d failure(s)\n", exppath, fails);
  return fails ? 1 : 0;
}

static int
dump(const char *blobpath)
{
  size_t len;
  unsigned char *blob = read_file(blobpath, &len);
  static struct fdt_machine m;
  char got[2048];
  int r;

  clamp_totalsize(blob, len);
  r = fdt_parse(blob, &m);
  printf("parse = %s\n", r == 0 ? "ok" : "error");
  if (r != 0) {
    printf("# fdt_parse returned %d\n", r);
    return 1;
  }
  for (size_t i = 0; i < sizeof(all_keys) / sizeof(all_keys[0]); i++) {
    render(&m, all_keys[i], got, sizeof(got));
    printf("%s = %s\n", all_keys[i], got);
  }
  free(blob);
  return 0;
}

// ---------------------------------------------------------------------
// Robustness. Every buffer below is allocated exactly as long as the
// totalsize it claims, so an out-of-bounds read is a heap overflow that
// ASan reports. Reading past the end of one block into the next would go
// unnoticed, so the blob is also rebuilt with the structure block last,
// and truncation shrinks the size field of whichever block ends the blob:
// then running off that block is running off the buffer.

static uint32
get_be32(const unsigned char *p)
{
  return ((uint32)p[0] << 24) | ((uint32)p[1] << 16) | ((uint32)p[2] << 8) | p[3];
}

#define H_TOTAL   4
#define H_STRUCT  8
#define H_STRINGS 12
#define H_RSV     16
#define H_SZSTR   32
#define H_SZSTRUCT 36

// Header, reservation map, strings, then the structure block.
static unsigned char *
struct_last(const unsigned char *o, size_t *len)
{
  uint32 rsv = get_be32(o + H_RSV), str = get_be32(o + H_STRINGS);
  uint32 szstr = get_be32(o + H_SZSTR), st = get_be32(o + H_STRUCT);
  uint32 szst = get_be32(o + H_SZSTRUCT), nrsv = 16, at;
  unsigned char *b;

  while (get_be32(o + rsv + nrsv - 16) | get_be32(o + rsv + nrsv - 12) |
         get_be32(o + rsv + nrsv - 8) | get_be32(o + rsv + nrsv - 4))
    nrsv += 16;                 // include the 0,0 terminator
  *len = 40 + nrsv + ((szstr + 3) & ~3U) + szst;
  b = calloc(1, *len);
  memcpy(b, o, 40);
  memcpy(b + 40, o + rsv, nrsv);
  memcpy(b + 40 + nrsv, o + str, szstr);
  at = 40 + nrsv + ((szstr + 3) & ~3U);
  memcpy(b + at, o + st, szst);
  put_be32(b + H_TOTAL, *len);
  put_be32(b + H_RSV, 40);
  put_be32(b + H_STRINGS, 40 + nrsv);
  put_be32(b + H_STRUCT, at);
  return b;
}

static int
check_result(int r, const char *what, size_t n, int must_fail, long *acc, long *rej)
{
  if (r > 0 || (must_fail && r == 0)) {
    printf("FAIL fuzz: %s at %zu: fdt_parse returned %d\n", what, n, r);
    return 1;
  }
  if (r == 0)
    (*acc)++;
  else
    (*rej)++;
  return 0;
}

// Truncate `o` (len bytes) at every length; the block at header offset
// `off_field` is the last one, and its size field (if size_field >= 0)
// is shrunk to fit.
static int
truncations(const unsigned char *o, size_t len, int off_field, int size_field,
            int must_fail, const char *what, long *acc, long *rej)
{
  static struct fdt_machine m;
  uint32 blk = get_be32(o + off_field);
  int bad = 0;

  for (size_t n = 8; n < len; n++) {
    unsigned char *b = malloc(n);
    memcpy(b, o, n);
    put_be32(b + H_TOTAL, n);
    if (size_field >= 0 && n >= 40 && n > blk)
      put_be32(b + size_field, n - blk);
    bad |= check_result(fdt_parse(b, &m), what, n, must_fail, acc, rej);
    free(b);
  }
  return bad;
}

// Overwrite 1-8 random bytes, keeping totalsize honest.
static int
corruptions(const unsigned char *o, size_t len, long iters, long *acc, long *rej)
{
  static struct fdt_machine m;
  int bad = 0;

  for (long it = 0; it < iters; it++) {
    unsigned char *b = malloc(len);
    memcpy(b, o, len);
    int k = 1 + rand() % 8;
    for (int j = 0; j < k; j++) {
      size_t at = rand() % len;
      // Bias towards the header, where one byte breaks the most.
      if (rand() % 4 == 0)
        at = rand() % 40;
      b[at] = rand() % 3 == 0 ? 0xff : (unsigned char)rand();
    }
    put_be32(b + H_TOTAL, len);
    int r = fdt_parse(b, &m);
    bad |= check_result(r, "corruption", it, 0, acc, rej);
    // Whatever was accepted must respect the array bounds.
    if (r == 0 && (m.nmem > FDT_MAX_MEM || m.nrsv > FDT_MAX_RSV ||
                   m.nnomap > FDT_MAX_RSV || m.nnomap > m.nrsv ||
                   m.nharts > FDT_MAX_HARTS || m.nvirtio > FDT_MAX_VIRTIO ||
                   m.plic.nctx > FDT_MAX_CTX ||
                   memchr(m.bootargs, 0, sizeof(m.bootargs)) == NULL)) {
      printf("FAIL fuzz: counts out of range\n");
      bad = 1;
    }
    free(b);
  }
  return bad;
}

static int
fuzz(const char *blobpath, long iters)
{
  size_t len, len2;
  unsigned char *orig = read_file(blobpath, &len), *alt;
  static struct fdt_machine m1, m2;
  long acc = 0, rej = 0;
  int bad = 0;

  if (fdt_parse(orig, &m1) != 0 || fdt_totalsize(orig) != len || len < 40 ||
      get_be32(orig + H_STRINGS) + get_be32(orig + H_SZSTR) != len) {
    printf("FAIL fuzz: %s must be a valid blob, exactly totalsize long, "
           "strings block last\n", blobpath);
    return 1;
  }
  alt = struct_last(orig, &len2);
  if (fdt_parse(alt, &m2) != 0 || memcmp(&m1, &m2, sizeof(m1)) != 0) {
    printf("FAIL fuzz: the rebuilt blob parses differently\n");
    return 1;
  }
  srand(12345);
  // Only the totalsize shrinks: the strings block no longer fits.
  bad |= truncations(orig, len, H_STRINGS, -1, 1, "plain truncation", &acc, &rej);
  // The strings block shrinks with the blob: names get cut off.
  bad |= truncations(orig, len, H_STRINGS, H_SZSTR, 0, "strings truncation", &acc, &rej);
  // The structure block shrinks: the END token is gone, so always refused.
  bad |= truncations(alt, len2, H_STRUCT, H_SZSTRUCT, 1, "struct truncation", &acc, &rej);
  bad |= corruptions(orig, len, iters, &acc, &rej);
  bad |= corruptions(alt, len2, iters, &acc, &rej);
  printf("%s fuzz %s: %zu+%zu truncated and 2x%ld corrupted blobs, %ld accepted, %ld rejected\n",
         bad ? "FAIL" : "ok", blobpath, 2 * (len - 8), len2 - 8, iters, acc, rej);
  free(orig);
  free(alt);
  return bad;
}

int
main(int argc, char **argv)
{
  if (argc >= 3 && strcmp(argv[1], "--fuzz") == 0)
    return fuzz(argv[2], argc >= 4 ? atol(argv[3]) : 20000);
  if (argc == 2)
    return dump(argv[1]);
  if (argc == 3)
    return check(argv[1], argv[2]);
  fprintf(stderr, "usage: fdt_host BLOB [EXPECT] | fdt_host --fuzz BLOB [N]\n");
  return 2;
}
