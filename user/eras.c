// The eras of the COW/GUP saga (see eras.h and docs/history.md).
#include "kernel/types.h"
#include "user/user.h"
#include "user/eras.h"

char *knob_names[NKNOB] = {
  "foll_cow", "cow_reuse", "gup_read_breaks_cow", "fork_copies_pinned",
  "fork_gup_fast_seq", "clear_refs_skips_pinned", "wp_flushes_tlb", "ro_pin_unshares",
  "dio_pins", "longterm_file_write_pin", "gup_waits_writeback", "cow",
};

// Values in the order of knob_names: foll_cow, cow_reuse, gup_read_breaks_cow,
// fork_copies_pinned, fork_gup_fast_seq, clear_refs_skips_pinned,
// wp_flushes_tlb, ro_pin_unshares, dio_pins, longterm_file_write_pin,
// gup_waits_writeback, cow.
struct era eras[] = {
  { "4.8", "before the Dirty COW fix: a FOLL_FORCE write retries without FOLL_WRITE",
    {  0,  0,  0,  0,  0,  0,  0,  0,  0,  1,  0,  1 } },
  { "4.9", "FOLL_COW (19be0eaffa3a): only a dirty, COW-copied PTE takes a forced write",
    {  1,  0,  0,  0,  0,  0,  0,  0,  0,  1,  0,  1 } },
  { "5.7", "COW reuses a page mapped once, whoever else holds it (CVE-2020-29374)",
    {  1,  0,  0,  0,  0,  0,  0,  0,  0,  1,  0,  1 } },
  { "5.8", "read GUPs break COW first (17839856fd58)",
    {  1,  0,  1,  0,  0,  0,  0,  0,  0,  1,  0,  1 } },
  { "5.9-rc4", "reuse only at refcount 1 (09854ba94c6a); 5.8's COW break reverted (a308c71bf1e6)",
    {  1,  1,  0,  0,  0,  0,  0,  0,  0,  1,  0,  1 } },
  { "5.9", "fork copies pinned pages for the child (has_pinned, page_maybe_dma_pinned)",
    {  1,  1,  0,  1,  0,  0,  0,  0,  0,  1,  0,  1 } },
  { "5.11", "fork's write_protect_seq fences GUP-fast (57efa1fe5957); clear_refs skips pinned pages (9348b73c2e1b)",
    {  1,  1,  0,  1,  1,  1,  0,  0,  0,  1,  0,  1 } },
  { "5.12", "a write fault does a pending TLB flush before copying the page (6ce64428d620)",
    {  1,  1,  0,  1,  1,  1,  1,  0,  0,  1,  0,  1 } },
  { "5.19", "PageAnonExclusive; read-only pins unshare possibly shared pages",
    {  1,  2,  0,  1,  1,  1,  1,  1,  0,  1,  0,  1 } },
  { "6.0", "FOLL_COW gone: forced writes only onto anon-exclusive pages (5535be309971)",
    {  2,  2,  0,  1,  1,  1,  1,  1,  0,  1,  0,  1 } },
  { "6.4", "O_DIRECT pins its pages (FOLL_PIN) instead of taking references",
    {  2,  2,  0,  1,  1,  1,  1,  1,  1,  1,  0,  1 } },
  { "6.5", "long-term write pins of file pages refused (8ac268436e6d); GUP waits for writeback: modern",
    {  2,  2,  0,  1,  1,  1,  1,  1,  1,  0,  1,  1 } },
};
int neras = sizeof(eras) / sizeof(eras[0]);

int
set_era(struct era *e)
{
  for(int i = 0; i < NKNOB; i++)
    if(vmknob(knob_names[i], e->v[i]) < 0)
      return -1;
  return 0;
}

struct era *
find_era(char *name)
{
  for(int i = 0; i < neras; i++)
    if(strcmp(eras[i].name, name) == 0)
      return &eras[i];
  return 0;
}
