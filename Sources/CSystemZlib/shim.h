// The system zlib (inflate/deflate/crc32), used by Datasets for gzip and PNG streams.
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>
#endif
