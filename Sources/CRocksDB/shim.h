#ifndef VIGIL_CROCKSDB_SHIM_H
#define VIGIL_CROCKSDB_SHIM_H
#include <rocksdb/c.h>
#endif
