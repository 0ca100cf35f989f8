// Flattened device tree parser, written from the Devicetree Specification
// (v0.4, chapter 5 "Flattened Devicetree (DTB) Format" and chapters 2-3 for
// the meaning of the standard properties).
//
// Layout reminder: a 40-byte big-endian header gives the offsets of three
// blocks inside totalsize bytes: the memory reservation block (pairs of
// u64 address/size ending with 0,0), the structure block (a stream of
// 32-bit aligned tokens: BEGIN_NODE name, PROP len nameoff value,
// END_NODE, NOP, END) and the strings block (property names).
//
// Safety rules followed everywhere below: the blob may sit at any
// alignment and may be corrupt, so every multi-byte value is assembled
// byte by byte, and every offset is checked against the end of the block
// it belongs to (all blocks lie inside totalsize) before a byte is read.
// A broken blob makes fdt_parse return an error; it never reads outside.
// (The one unavoidable exception: magic and totalsize, the first 8 bytes,
// are read before any bound is known.)
//
// Built both freestanding into the kernel and on the host for
// tests/fdt_host.c, so it uses nothing but its own helpers.

#include "kernel/types.h"
#include "kernel/fdt.h"

#define FDT_MAGIC      0xd00dfeedU
#define TOK_BEGIN_NODE 1
#define TOK_END_NODE   2
#define TOK_PROP       3
#define TOK_NOP        4
#define TOK_END        9

// Nodes deeper than this are still walked (so the structure is checked)
// but not interpreted; real trees are 3-5 levels deep.
#define MAX_DEPTH 16
// Bigger #address-cells/#size-cells are nonsense for the nodes we read
// (PCI uses 3); refusing them keeps the size arithmetic small.
#define MAX_CELLS 4

// ---------------------------------------------------------------------
// Byte-level access

struct blob {
  const uint8 *p;
  uint64 size;              // totalsize
  uint64 st, st_end;        // structure block [st, st_end)
  uint64 str, str_end;      // strings block [str, str_end)
  uint64 rsv;               // memory reservation block start
};

static uint32
be32(const uint8 *p)
{
  return ((uint32)p[0] << 24) | ((uint32)p[1] << 16) | ((uint32)p[2] << 8) | p[3];
}

static uint64
be64(const uint8 *p)
{
  return ((uint64)be32(p) << 32) | be32(p + 4);
}

// Value of n big-endian cells; more than two cells keep the low 64 bits.
static uint64
cells(const uint8 *p, uint32 n)
{
  uint64 v = 0;
  for(uint32 i = 0; i < n; i++)
    v = (v << 32) | be32(p + 4 * i);
  return v;
}

// Does the n-byte string at p equal the C string s?
static int
mem_eq_str(const uint8 *p, uint32 n, const char *s)
{
  uint32 i;
  for(i = 0; i < n; i++)
    if(s[i] == 0 || p[i] != (uint8)s[i])
      return 0;
  return s[i] == 0;
}

static uint64
align4(uint64 x)
{
  return (x + 3) & ~(uint64)3;
}

// ---------------------------------------------------------------------
// Header

static int
open_blob(const void *blob, struct blob *b)
{
  const uint8 *p = blob;
  uint64 hdr, off_st, off_str, off_rsv, sz_st, sz_str;
  uint32 version, last_comp;

  // The first 8 bytes (magic, totalsize) must be trusted to learn the bound.
  if(be32(p) != FDT_MAGIC)
    return FDT_EBADMAGIC;
  b->p = p;
  b->size = be32(p + 4);
  if(b->size < 36)               // smallest (version 16) header
    return FDT_ETRUNC;
  version = be32(p + 20);
  last_comp = be32(p + 24);
  // Version 17 readers can read anything whose last compatible version
  // is <= 17; version 16 lacks only size_dt_struct.
  if(version < 16 || last_comp > 17)
    return FDT_EVERSION;
  hdr = version >= 17 ? 40 : 36;
  if(b->size < hdr)
    return FDT_ETRUNC;

  off_st = be32(p + 8);
  off_str = be32(p + 12);
  off_rsv = be32(p + 16);
  sz_str = be32(p + 32);
  if(off_st > b->size || off_str > b->size || off_rsv > b->size)
    return FDT_ETRUNC;
  sz_st = version >= 17 ? be32(p + 36) : b->size - off_st;
  if(sz_st > b->size - off_st || sz_str > b->size - off_str)
    return FDT_ETRUNC;
  // Tokens are aligned relative to the blob start, which is only the same
  // as "relative to the block" when the block itself is aligned.
  if(off_st % 4 != 0)
    return FDT_EBADSTRUCT;

  b->st = off_st;
  b->st_end = off_st + sz_st;
  b->str = off_str;
  b->str_end = off_str + sz_str;
  b->rsv = off_rsv;
  return 0;
}

uint64
fdt_totalsize(const void *blob)
{
  const uint8 *p = blob;
  if(be32(p) != FDT_MAGIC)
    return 0;
  return be32(p + 4);
}

// ---------------------------------------------------------------------
// Tokens

struct tok {
  int type;
  int depth;            // node depth (root = 0); for PROP the owning node's
  uint64 off;           // offset of the token in the blob
  const uint8 *name;    // node name (BEGIN_NODE) or property name (PROP)
  uint32 namelen;
  const uint8 *val;     // property value (PROP)
  uint32 len;
};

// Length of the NUL-terminated string at off, which must end before lim.
static int
bounded_strlen(const struct blob *b, uint64 off, uint64 lim, uint32 *len)
{
  uint64 i = off;
  while(i < lim && b->p[i] != 0)
    i++;
  if(i >= lim)
    return FDT_ETRUNC;
  *len = i - off;
  return 0;
}

// Decode the token at *pos and move *pos past it (and its padding).
static int
next_tok(const struct blob *b, uint64 *pos, struct tok *t)
{
  uint64 at = *pos;
  int r;

  if(at + 4 > b->st_end)
    return FDT_ETRUNC;
  t->off = at;
  t->type = be32(b->p + at);
  at += 4;
  switch(t->type){
  case TOK_BEGIN_NODE:
    if((r = bounded_strlen(b, at, b->st_end, &t->namelen)) < 0)
      return r;
    t->name = b->p + at;
    at = align4(at + t->namelen + 1);
    break;
  case TOK_PROP: {
    uint64 nameoff;
    if(at + 8 > b->st_end)
      return FDT_ETRUNC;
    t->len = be32(b->p + at);
    nameoff = be32(b->p + at + 4);
    at += 8;
    if(t->len > b->st_end - at)
      return FDT_ETRUNC;
    t->val = b->p + at;
    if(nameoff >= b->str_end - b->str)
      return FDT_EBADSTRUCT;
    if((r = bounded_strlen(b, b->str + nameoff, b->str_end, &t->namelen)) < 0)
      return r;
    t->name = b->p + b->str + nameoff;
    at = align4(at + t->len);
    break;
  }
  case TOK_END_NODE:
  case TOK_NOP:
  case TOK_END:
    break;
  default:
    return FDT_EBADSTRUCT;
  }
  // Padding may run up to 3 bytes past the block; the next read fails then.
  *pos = at < b->st_end ? at : b->st_end;
  return 0;
}

struct walk {
  const struct blob *b;
  uint64 pos;
  int depth;            // number of open nodes
  int seen_root;
};

static void
walk_init(struct walk *w, const struct blob *b)
{
  w->b = b;
  w->pos = b->st;
  w->depth = 0;
  w->seen_root = 0;
}

// Next BEGIN_NODE / PROP / END_NODE token of the whole tree, checking
// that nodes nest properly. Returns 1 with *t set, 0 at the END token,
// or a negative error.
static int
walk_next(struct walk *w, struct tok *t)
{
  int r;
  for(;;){
    if((r = next_tok(w->b, &w->pos, t)) < 0)
      return r;
    switch(t->type){
    case TOK_NOP:
      continue;
    case TOK_BEGIN_NODE:
      if(w->depth == 0 && w->seen_root)
        return FDT_EBADSTRUCT;          // a second root
      w->seen_root = 1;
      t->depth = w->depth++;
      return 1;
    case TOK_END_NODE:
      if(w->depth == 0)
        return FDT_EBADSTRUCT;
      t->depth = --w->depth;
      return 1;
    case TOK_PROP:
      if(w->depth == 0)
        return FDT_EBADSTRUCT;          // property outside any node
      t->depth = w->depth - 1;
      return 1;
    default: // TOK_END
      if(w->depth != 0 || !w->seen_root)
        return FDT_EBADSTRUCT;
      return 0;
    }
  }
}

// ---------------------------------------------------------------------
// Paths (for /chosen, /aliases and stdout-path)

// The k-th non-empty '/'-separated component of path[0..plen).
static int
path_comp(const uint8 *path, uint32 plen, int k, const uint8 **c, uint32 *clen)
{
  uint32 i = 0;
  for(;;){
    while(i < plen && path[i] == '/')
      i++;
    if(i >= plen)
      return 0;
    uint32 start = i;
    while(i < plen && path[i] != '/')
      i++;
    if(k-- == 0){
      *c = path + start;
      *clen = i - start;
      return 1;
    }
  }
}

// A path component names a node if it equals the node name, or if it has
// no unit address and equals the node name without its "@unit" part.
static int
comp_matches(const uint8 *c, uint32 clen, const uint8 *name, uint32 nlen)
{
  uint32 i;
  for(i = 0; i < clen; i++)
    if(c[i] == '@')
      break;
  int has_unit = i < clen;
  if(nlen < clen || (nlen > clen && (has_unit || name[clen] != '@')))
    return 0;
  for(i = 0; i < clen; i++)
    if(c[i] != name[i])
      return 0;
  return 1;
}

// Find the node with the given absolute path; *off = its BEGIN_NODE token.
// Returns 1 if found, 0 if not, negative on a malformed blob.
static int
find_node(const struct blob *b, const uint8 *path, uint32 plen, uint64 *off)
{
  struct walk w;
  struct tok t;
  const uint8 *c;
  uint32 clen;
  int matched = 0;      // leading path components matched by the open nodes
  int r;

  walk_init(&w, b);
  while((r = walk_next(&w, &t)) > 0){
    if(t.type == TOK_BEGIN_NODE){
      if(t.depth == 0){
        if(!path_comp(path, plen, 0, &c, &clen)){
          *off = t.off;                 // the path is just "/"
          return 1;
        }
        continue;
      }
      if(matched != t.depth - 1)
        continue;                       // not under the path's prefix
      if(!path_comp(path, plen, t.depth - 1, &c, &clen) ||
          !comp_matches(c, clen, t.name, t.namelen))
        continue;
      matched = t.depth;
      if(!path_comp(path, plen, t.depth, &c, &clen)){
        *off = t.off;
        return 1;
      }
    } else if(t.type == TOK_END_NODE && matched >= t.depth && t.depth > 0){
      matched = t.depth - 1;
    }
  }
  return r;
}

// Look up property `name` (nlen bytes) of the node whose BEGIN_NODE token
// is at off. Returns 1 if found, 0 if not, negative on a malformed blob.
static int
node_prop(const struct blob *b, uint64 off, const uint8 *name, uint32 nlen,
          const uint8 **val, uint32 *len)
{
  struct tok t;
  int r;

  if((r = next_tok(b, &off, &t)) < 0)
    return r;
  for(;;){
    if((r = next_tok(b, &off, &t)) < 0)
      return r;
    if(t.type == TOK_NOP)
      continue;
    if(t.type != TOK_PROP)
      return 0;                         // properties come before subnodes
    if(t.namelen == nlen){
      uint32 i;
      for(i = 0; i < nlen && t.name[i] == name[i]; i++)
        ;
      if(i == nlen){
        *val = t.val;
        *len = t.len;
        return 1;
      }
    }
  }
}

static int
find_prop(const struct blob *b, const char *path, const char *name,
          const uint8 **val, uint32 *len)
{
  uint32 plen = 0, nlen = 0;
  uint64 off;
  int r;

  while(path[plen])
    plen++;
  while(name[nlen])
    nlen++;
  r = find_node(b, (const uint8 *)path, plen, &off);
  if(r <= 0)
    return r;
  return node_prop(b, off, (const uint8 *)name, nlen, val, len);
}

// Length of a path-ish property value: up to NUL, ':' (options) or len.
static uint32
path_len(const uint8 *v, uint32 len)
{
  uint32 n = 0;
  while(n < len && v[n] != 0 && v[n] != ':')
    n++;
  return n;
}

// Resolve /chosen stdout-path (a path, or an alias from /aliases; either
// may carry ":options") to a node. 1 found, 0 none, negative on error.
static int
find_stdout(const struct blob *b, uint64 *off)
{
  const uint8 *v;
  uint32 len, n;
  int r;

  r = find_prop(b, "/chosen", "stdout-path", &v, &len);
  if(r == 0)
    r = find_prop(b, "/chosen", "linux,stdout-path", &v, &len);  // older name
  if(r <= 0)
    return r;
  n = path_len(v, len);
  if(n == 0)
    return 0;
  if(v[0] != '/'){
    uint64 aliases;
    if((r = find_node(b, (const uint8 *)"/aliases", 8, &aliases)) <= 0)
      return r;
    if((r = node_prop(b, aliases, v, n, &v, &len)) <= 0)
      return r;
    n = path_len(v, len);
    if(n == 0 || v[0] != '/')
      return 0;
  }
  return find_node(b, v, n, off);
}

// ---------------------------------------------------------------------
// Properties of one node

enum {
  P_REG, P_COMPAT, P_STATUS, P_DEVTYPE, P_MMU, P_PHANDLE, P_LPHANDLE,
  P_INTR, P_INTREXT, P_INTC, P_ACELLS, P_SCELLS, P_SHIFT, P_WIDTH,
  P_CLOCK, P_NDEV, P_TIMEBASE, P_BOOTARGS, P_INITRD_S, P_INITRD_E,
  P_RANGES, P_NOMAP, NPROP
};

// Fixed-size strings rather than pointers: no relocated data needed.
static const char prop_names[NPROP][24] = {
  [P_REG] = "reg",
  [P_COMPAT] = "compatible",
  [P_STATUS] = "status",
  [P_DEVTYPE] = "device_type",
  [P_MMU] = "mmu-type",
  [P_PHANDLE] = "phandle",
  [P_LPHANDLE] = "linux,phandle",
  [P_INTR] = "interrupts",
  [P_INTREXT] = "interrupts-extended",
  [P_INTC] = "interrupt-controller",
  [P_ACELLS] = "#address-cells",
  [P_SCELLS] = "#size-cells",
  [P_SHIFT] = "reg-shift",
  [P_WIDTH] = "reg-io-width",
  [P_CLOCK] = "clock-frequency",
  [P_NDEV] = "riscv,ndev",
  [P_TIMEBASE] = "timebase-frequency",
  [P_BOOTARGS] = "bootargs",
  [P_INITRD_S] = "linux,initrd-start",
  [P_INITRD_E] = "linux,initrd-end",
  [P_RANGES] = "ranges",
  [P_NOMAP] = "no-map",
};

struct prop {
  const uint8 *val;
  uint32 len;
  int present;
};

struct node {
  uint64 off;           // BEGIN_NODE token, to compare with stdout-path
  int depth;
  const uint8 *name;
  uint32 namelen;
  struct prop p[NPROP];
};

static uint32
prop_u32(const struct prop *p, uint32 dflt)
{
  return p->present && p->len >= 4 ? be32(p->val) : dflt;
}

// A number that may be stored as one cell or two (timebase, initrd).
static uint64
prop_num(const struct prop *p)
{
  if(!p->present)
    return 0;
  if(p->len >= 8)
    return be64(p->val);
  if(p->len >= 4)
    return be32(p->val);
  return 0;
}

// Does the property's (first) string equal s? Tolerates a missing NUL.
static int
prop_str_is(const struct prop *p, const char *s)
{
  uint32 n = 0;
  if(!p->present)
    return 0;
  while(n < p->len && p->val[n] != 0)
    n++;
  return mem_eq_str(p->val, n, s);
}

// Is s one of the strings of a string-list property (compatible)?
static int
prop_has_str(const struct prop *p, const char *s)
{
  uint32 i = 0, start;
  if(!p->present)
    return 0;
  while(i < p->len){
    start = i;
    while(i < p->len && p->val[i] != 0)
      i++;
    if(mem_eq_str(p->val + start, i - start, s))
      return 1;
    i++;
  }
  return 0;
}

// status absent, "okay" or the older "ok" mean the device is usable.
static int
node_enabled(const struct node *n)
{
  const struct prop *s = &n->p[P_STATUS];
  return !s->present || prop_str_is(s, "okay") || prop_str_is(s, "ok");
}

// The node name without its "@unit-address".
static int
name_is(const struct node *n, const char *s)
{
  uint32 i = 0;
  while(i < n->namelen && n->name[i] != '@')
    i++;
  return mem_eq_str(n->name, i, s);
}

// Entry i of the node's reg, decoded with the parent's cell sizes.
static int
reg_entry(const struct node *n, uint32 ac, uint32 sc, uint32 i,
          uint64 *base, uint64 *size)
{
  const struct prop *reg = &n->p[P_REG];
  uint32 esz = (ac + sc) * 4;
  if(!reg->present || ac == 0 || ac > MAX_CELLS || sc > MAX_CELLS)
    return 0;
  if(reg->len / esz <= i)
    return 0;
  *base = cells(reg->val + i * esz, ac);
  *size = cells(reg->val + i * esz + ac * 4, sc);
  return 1;
}

// The node's first interrupt number: `interrupts`, or else the cell after
// the phandle in `interrupts-extended` (PLIC specifiers are one cell).
static uint32
node_irq(const struct node *n)
{
  const struct prop *ie = &n->p[P_INTREXT];
  if(n->p[P_INTR].present)
    return prop_u32(&n->p[P_INTR], 0);
  if(ie->present && ie->len >= 8)
    return be32(ie->val + 4);
  return 0;
}

static uint32
node_phandle(const struct node *n)
{
  if(n->p[P_PHANDLE].present)
    return prop_u32(&n->p[P_PHANDLE], 0);
  return prop_u32(&n->p[P_LPHANDLE], 0);
}

// ---------------------------------------------------------------------
// The tree walk that fills struct fdt_machine

enum { K_OTHER, K_ROOT, K_CPUS, K_CPU, K_RESMEM };

// What a node's children need to know about it.
struct level {
  uint32 ac, sc;        // #address-cells / #size-cells for the children
  struct prop ranges;   // how the children's addresses map to ours
  int kind;
  int hart;             // K_CPU: index into m->harts, or -1
};

struct parser {
  const struct blob *b;
  struct fdt_machine *m;
  struct level lv[MAX_DEPTH];
  struct node cur;      // node whose properties are being collected
  int pending;          // cur is valid and not yet interpreted
  int have_stdout;
  uint64 stdout_off;
  int uart_is_stdout;   // m->uart came from the stdout-path node
  const uint8 *plic_ie; // the chosen PLIC's interrupts-extended
  uint32 plic_ie_len;
};

// Map address a on the bus below `bus` into the address space of `bus`'s
// own parent `up`, using bus's ranges (child-addr parent-addr size
// triples). An empty ranges is the identity; a missing one or an address
// outside every window has no translation, and the address is kept as is.
static uint64
map_up(const struct level *bus, const struct level *up, uint64 a)
{
  const struct prop *r = &bus->ranges;
  uint32 cac = bus->ac, csc = bus->sc, pac = up->ac, esz;

  if(!r->present || r->len == 0)
    return a;
  if(cac == 0 || cac > MAX_CELLS || pac > MAX_CELLS || csc > MAX_CELLS)
    return a;
  esz = (cac + pac + csc) * 4;
  for(uint64 off = 0; off + esz <= r->len; off += esz){
    uint64 cb = cells(r->val + off, cac);
    uint64 pb = cells(r->val + off + cac * 4, pac);
    uint64 sz = cells(r->val + off + (cac + pac) * 4, csc);
    if(a >= cb && a - cb < sz)
      return a - cb + pb;
  }
  return a;
}

// Entry i of a device node's reg as a CPU physical address: decoded with
// the parent's cell sizes, then translated up through every ancestor bus.
static int
dev_reg(const struct parser *ps, const struct node *n, uint32 i,
        uint64 *base, uint64 *size)
{
  const struct level *parent = &ps->lv[n->depth - 1];

  if(!reg_entry(n, parent->ac, parent->sc, i, base, size))
    return 0;
  for(int d = n->depth - 1; d >= 1; d--)
    *base = map_up(&ps->lv[d], &ps->lv[d - 1], *base);
  return 1;
}

static void
add_range(struct fdt_range *r, int *n, int max, uint64 base, uint64 size)
{
  if(size == 0 || *n >= max)
    return;             // full: later ranges are dropped
  r[*n].base = base;
  r[*n].size = size;
  (*n)++;
}

static void
add_all_ranges(const struct parser *ps, const struct node *n,
               struct fdt_range *r, int *cnt, int max)
{
  uint64 base, size;
  for(uint32 i = 0; dev_reg(ps, n, i, &base, &size); i++)
    add_range(r, cnt, max, base, size);
}

static void
do_chosen(struct fdt_machine *m, const struct node *n)
{
  const struct prop *ba = &n->p[P_BOOTARGS];
  uint32 i = 0;
  if(ba->present)
    for(; i < ba->len && i < sizeof(m->bootargs) - 1 && ba->val[i] != 0; i++)
      m->bootargs[i] = ba->val[i];
  m->bootargs[i] = 0;
  m->initrd_start = prop_num(&n->p[P_INITRD_S]);
  m->initrd_end = prop_num(&n->p[P_INITRD_E]);
}

static void
do_cpu(struct fdt_machine *m, const struct node *n, const struct level *parent,
       struct level *me)
{
  const struct prop *mmu = &n->p[P_MMU];
  struct fdt_hart *h;
  uint64 id, unused;

  me->kind = K_CPU;
  me->hart = -1;
  if(m->nharts >= FDT_MAX_HARTS || !reg_entry(n, parent->ac, parent->sc, 0, &id, &unused))
    return;
  h = &m->harts[m->nharts];
  h->hartid = id;
  // A hart without an MMU (e.g. the JH7110's S7 monitor core) cannot run
  // our S-mode kernel even when its status says okay.
  h->usable = node_enabled(n) && mmu->present && !prop_str_is(mmu, "riscv,none");
  h->intc_phandle = 0;
  me->hart = m->nharts++;
  // The spec allows timebase-frequency on each cpu instead of /cpus.
  if(m->timebase == 0)
    m->timebase = prop_num(&n->p[P_TIMEBASE]);
}

static void
do_uart(struct parser *ps, const struct node *n, int dw)
{
  struct fdt_machine *m = ps->m;
  int is_stdout = ps->have_stdout && n->off == ps->stdout_off;
  uint64 base, size;

  if(m->uart.found && (ps->uart_is_stdout || !is_stdout))
    return;
  if(!dev_reg(ps, n, 0, &base, &size))
    return;
  m->uart.base = base;
  m->uart.size = size;
  m->uart.reg_shift = prop_u32(&n->p[P_SHIFT], 0);
  m->uart.reg_io_width = prop_u32(&n->p[P_WIDTH], 1);
  m->uart.irq = node_irq(n);
  m->uart.clock = prop_num(&n->p[P_CLOCK]);
  m->uart.dw = dw;
  m->uart.found = 1;
  ps->uart_is_stdout = is_stdout;
}

static void
do_plic(struct parser *ps, const struct node *n)
{
  struct fdt_machine *m = ps->m;
  uint64 base, size;

  if(m->plic.found || !dev_reg(ps, n, 0, &base, &size))
    return;
  m->plic.base = base;
  m->plic.size = size;
  m->plic.ndev = prop_u32(&n->p[P_NDEV], 0);
  m->plic.found = 1;
  // Contexts are resolved after the walk: the cpus' interrupt controllers
  // (and their phandles) may come later in the blob.
  if(n->p[P_INTREXT].present){
    ps->plic_ie = n->p[P_INTREXT].val;
    ps->plic_ie_len = n->p[P_INTREXT].len;
  }
}

// Keep the list sorted by base; when full, the highest addresses drop out.
static void
do_virtio(struct parser *ps, const struct node *n)
{
  struct fdt_machine *m = ps->m;
  uint64 base, size;
  int i, j;

  if(!dev_reg(ps, n, 0, &base, &size))
    return;
  for(i = 0; i < m->nvirtio && m->virtio[i].base <= base; i++)
    ;
  if(i >= FDT_MAX_VIRTIO)
    return;
  j = m->nvirtio < FDT_MAX_VIRTIO ? m->nvirtio : FDT_MAX_VIRTIO - 1;
  // Field by field: a struct assignment may become a memcpy call.
  for(; j > i; j--){
    m->virtio[j].base = m->virtio[j - 1].base;
    m->virtio[j].size = m->virtio[j - 1].size;
    m->virtio[j].irq = m->virtio[j - 1].irq;
  }
  m->virtio[i].base = base;
  m->virtio[i].size = size;
  m->virtio[i].irq = node_irq(n);
  if(m->nvirtio < FDT_MAX_VIRTIO)
    m->nvirtio++;
}

static void
do_device(struct parser *ps, const struct node *n)
{
  const struct prop *c = &n->p[P_COMPAT];

  if(prop_has_str(c, "virtio,mmio"))
    do_virtio(ps, n);
  else if(prop_has_str(c, "riscv,plic0") || prop_has_str(c, "sifive,plic-1.0.0") ||
           prop_has_str(c, "starfive,jh7110-plic"))
    do_plic(ps, n);
  else if(prop_has_str(c, "snps,dw-apb-uart"))
    do_uart(ps, n, 1);
  else if(prop_has_str(c, "ns16550a") || prop_has_str(c, "ns16550"))
    do_uart(ps, n, 0);
}

// Interpret ps->cur. Called once its properties are complete: at its first
// child or at its END_NODE. Properties precede subnodes in a valid blob,
// so the parent's level is always filled in before its children arrive.
static void
finish_node(struct parser *ps)
{
  struct node *n = &ps->cur;
  struct fdt_machine *m = ps->m;
  struct level *me, *parent;

  ps->pending = 0;
  if(n->depth >= MAX_DEPTH)
    return;
  me = &ps->lv[n->depth];
  me->ac = prop_u32(&n->p[P_ACELLS], 2);    // defaults from the spec
  me->sc = prop_u32(&n->p[P_SCELLS], 1);
  me->ranges.val = n->p[P_RANGES].val;
  me->ranges.len = n->p[P_RANGES].len;
  me->ranges.present = n->p[P_RANGES].present;
  me->kind = K_OTHER;
  me->hart = -1;
  if(n->depth == 0){
    me->kind = K_ROOT;
    return;
  }
  parent = &ps->lv[n->depth - 1];

  if(n->depth == 1 && name_is(n, "cpus")){
    me->kind = K_CPUS;
    m->timebase = prop_num(&n->p[P_TIMEBASE]);
  } else if(n->depth == 1 && name_is(n, "reserved-memory")){
    me->kind = K_RESMEM;
  } else if(n->depth == 1 && name_is(n, "chosen")){
    do_chosen(m, n);
  } else if(n->depth == 1 && (prop_str_is(&n->p[P_DEVTYPE], "memory") || name_is(n, "memory"))){
    if(node_enabled(n))
      add_all_ranges(ps, n, m->mem, &m->nmem, FDT_MAX_MEM);
  } else if(parent->kind == K_CPUS && prop_str_is(&n->p[P_DEVTYPE], "cpu")){
    do_cpu(m, n, parent, me);
  } else if(parent->kind == K_CPU && parent->hart >= 0 &&
             (n->p[P_INTC].present || prop_has_str(&n->p[P_COMPAT], "riscv,cpu-intc"))){
    if(m->harts[parent->hart].intc_phandle == 0)
      m->harts[parent->hart].intc_phandle = node_phandle(n);
  } else if(parent->kind == K_RESMEM){
    if(node_enabled(n)){
      add_all_ranges(ps, n, m->rsv, &m->nrsv, FDT_MAX_RSV);
      if(n->p[P_NOMAP].present)
        add_all_ranges(ps, n, m->nomap, &m->nnomap, FDT_MAX_RSV);
    }
  }

  if(n->p[P_COMPAT].present && node_enabled(n))
    do_device(ps, n);
}

static void
start_node(struct parser *ps, const struct tok *t)
{
  struct node *n = &ps->cur;
  n->off = t->off;
  n->depth = t->depth;
  n->name = t->name;
  n->namelen = t->namelen;
  for(int i = 0; i < NPROP; i++)
    n->p[i].present = 0;
  ps->pending = 1;
}

static void
record_prop(struct parser *ps, const struct tok *t)
{
  for(int i = 0; i < NPROP; i++){
    if(mem_eq_str(t->name, t->namelen, prop_names[i])){
      ps->cur.p[i].val = t->val;
      ps->cur.p[i].len = t->len;
      ps->cur.p[i].present = 1;
      return;
    }
  }
}

static int
walk_tree(struct parser *ps)
{
  struct walk w;
  struct tok t;
  int r;

  walk_init(&w, ps->b);
  while((r = walk_next(&w, &t)) > 0){
    if(t.type == TOK_BEGIN_NODE){
      if(ps->pending)
        finish_node(ps);
      start_node(ps, &t);
    } else if(t.type == TOK_PROP){
      // A property after a subnode: not a valid blob, and we would have
      // interpreted the node already.
      if(!ps->pending || t.depth != ps->cur.depth)
        return FDT_EBADSTRUCT;
      record_prop(ps, &t);
    } else if(ps->pending){           // END_NODE of a node without children
      finish_node(ps);
    }
  }
  return r;
}

// Map each PLIC context to the hart whose S-mode external interrupt
// (cause 9) it delivers. Each interrupts-extended entry is <intc-phandle
// cause>: a cpu interrupt controller has #interrupt-cells = 1.
static void
resolve_plic(struct parser *ps)
{
  struct fdt_machine *m = ps->m;
  uint32 n = ps->plic_ie_len / 8;

  if(n > FDT_MAX_CTX)
    n = FDT_MAX_CTX;
  m->plic.nctx = n;
  for(uint32 i = 0; i < n; i++){
    uint32 ph = be32(ps->plic_ie + 8 * i);
    uint32 cause = be32(ps->plic_ie + 8 * i + 4);
    m->plic.ctx_hart[i] = -1;
    if(cause != 9 || ph == 0 || ph == 0xffffffffU)
      continue;
    for(int h = 0; h < m->nharts; h++){
      if(m->harts[h].intc_phandle == ph){
        m->plic.ctx_hart[i] = m->harts[h].hartid;
        break;
      }
    }
  }
}

static int
read_rsvmap(const struct blob *b, struct fdt_machine *m)
{
  uint64 at = b->rsv, base, size;
  for(;;){
    if(at + 16 > b->size)
      return FDT_ETRUNC;                // no terminating 0,0 entry
    base = be64(b->p + at);
    size = be64(b->p + at + 8);
    at += 16;
    if(base == 0 && size == 0)
      return 0;
    add_range(m->rsv, &m->nrsv, FDT_MAX_RSV, base, size);
  }
}

// Byte-wise through a volatile pointer so that the compiler cannot turn
// this into a call to memset, which the freestanding build may not have.
static void
zero(void *p, uint64 n)
{
  volatile uint8 *q = p;
  for(uint64 i = 0; i < n; i++)
    q[i] = 0;
}

int
fdt_parse(const void *blob, struct fdt_machine *m)
{
  struct blob b;
  struct parser ps;
  int r;

  zero(m, sizeof(*m));
  zero(&ps, sizeof(ps));
  if((r = open_blob(blob, &b)) < 0)
    return r;
  if((r = read_rsvmap(&b, m)) < 0)
    return r;
  ps.b = &b;
  ps.m = m;
  // The console must be known while walking so that the stdout-path node
  // wins over an earlier compatible UART.
  if((r = find_stdout(&b, &ps.stdout_off)) < 0)
    return r;
  ps.have_stdout = r;
  if((r = walk_tree(&ps)) < 0)
    return r;
  resolve_plic(&ps);
  return 0;
}
