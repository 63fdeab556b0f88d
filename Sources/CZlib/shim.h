// zlib, for the Parquet writer's GZIP codec (Debian: zlib1g-dev).
#include <zlib.h>
