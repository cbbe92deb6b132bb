#ifndef VIGIL_CROCKSDB_SHIM_H
#define VIGIL_CROCKSDB_SHIM_H
#include <rocksdb/c.h>
// glibc's malloc_trim, for StateMemory.releaseFreePages (state memory is VigilState's concern).
#include <malloc.h>
#endif
