// Reverse mapping: how many PTEs map a page (Linux: mm/rmap.c). For an
// anonymous page the count is all we need; the page cache (later) also
// finds the mappings of a file page through its file.

#include "../types.h"
#include "../param.h"
#include "../riscv.h"
#include "../spinlock.h"
#include "../defs.h"

void
page_add_anon_rmap(struct page *pg)
{
  __atomic_add_fetch(&pg->_mapcount, 1, __ATOMIC_SEQ_CST);
}

void
page_remove_rmap(struct page *pg)
{
  if(__atomic_sub_fetch(&pg->_mapcount, 1, __ATOMIC_SEQ_CST) < 0)
    panic("page_remove_rmap: mapcount underflow on %p", page_address(pg));
}
