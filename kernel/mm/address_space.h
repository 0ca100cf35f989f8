// struct address_space, on its own: kernel/file.h embeds one in every
// in-memory inode, and xv6 programs include file.h (init.c, for CONSOLE)
// without the kernel's other headers.
#ifndef ADDRESS_SPACE_H
#define ADDRESS_SPACE_H

// The page cache of one file, or of one shared anonymous region (Linux's
// shmem): its pages, found by (mapping, index) in filemap.c, and the
// regions that map them (the reverse map that writeback and truncate use).
struct address_space {
  struct inode *host;              // the file; 0 for shared anonymous memory
  int nrpages;                     // pages in the cache
  int shmem_refs;                  // shared anonymous: regions using it
  struct vm_area_struct *i_mmap;   // regions mapping it, by shared_next
};

#endif
