// Memory management: physical frames (struct page), address conversion,
// page tables. Names follow Linux where the concept is Linux's.
#include "../memlayout.h"

// One per physical frame of RAM, in the mem_map array.
struct page {
  uint flags;          // PG_* bits
  int _refcount;       // references: page tables, kernel users; 0 = free
  int _mapcount;       // number of PTEs mapping the frame (later issues)
  int pincount;        // FOLL_PIN pins (later issues)
  struct page *next;   // free list link while free
};

extern struct page *mem_map;   // indexed by pfn - min_pfn
extern uint64 min_pfn, max_pfn;

static inline void *__va(uint64 pa) { return (void *)(pa + PAGE_OFFSET); }
uint64 __pa(const void *va);

static inline struct page *pfn_to_page(uint64 pfn) { return &mem_map[pfn - min_pfn]; }
static inline uint64 page_to_pfn(struct page *pg) { return (pg - mem_map) + min_pfn; }
static inline uint64 page_to_phys(struct page *pg) { return page_to_pfn(pg) << PGSHIFT; }
static inline void *page_address(struct page *pg) { return __va(page_to_phys(pg)); }
static inline struct page *virt_to_page(const void *va) { return pfn_to_page(__pa(va) >> PGSHIFT); }
static inline int pfn_valid(uint64 pfn) { return pfn >= min_pfn && pfn < max_pfn; }

static inline int page_count(struct page *pg) { return __atomic_load_n(&pg->_refcount, __ATOMIC_SEQ_CST); }
static inline void get_page(struct page *pg) { __atomic_add_fetch(&pg->_refcount, 1, __ATOMIC_SEQ_CST); }

// mm/page_alloc.c
struct page *alloc_page(void);       // a zeroed frame with refcount 1, or 0
void put_page(struct page *pg);      // drop a reference; the last one frees
void *kalloc(void);                  // page_address(alloc_page()), or 0
void kfree(void *va);                // put_page(virt_to_page(va))
uint64 nr_free_pages(void);
void free_boot_memory(struct fdt_machine *m, uint64 dtb_pa, uint64 boot_lo, uint64 boot_hi);

// mm/init.c: the kernel's own address space
extern pagetable_t kernel_pagetable;
void kvminit(struct fdt_machine *m, uint64 dtb_pa);
void kvminithart(void);
uint64 kernel_satp(void);
void *ioremap(uint64 pa, uint64 size);

// mm/memory.c: page tables and user memory
pte_t *walk(pagetable_t, uint64, int);
uint64 walkaddr(pagetable_t, uint64);
int mappages(pagetable_t, uint64, uint64, uint64, int);
pagetable_t uvmcreate(void);
uint64 uvmalloc(pagetable_t, uint64, uint64, int);
uint64 uvmdealloc(pagetable_t, uint64, uint64);
int uvmcopy(pagetable_t, pagetable_t, uint64);
void uvmfree(pagetable_t, uint64);
void uvmunmap(pagetable_t, uint64, uint64, int);
void uvmclear(pagetable_t, uint64);
int copyout(pagetable_t, uint64, char *, uint64);
int copyin(pagetable_t, char *, uint64, uint64);
int copyinstr(pagetable_t, char *, uint64, uint64);
int handle_mm_fault(struct proc *p, uint64 va, uint64 scause);
