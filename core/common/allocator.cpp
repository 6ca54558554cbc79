#include "allocator.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace Allocator {

void tuneForStreaming()
{
    // Body chunks pass through buffers of up to 256 KiB. With glibc's default thresholds such
    // buffers are unmapped or trimmed when freed and faulted in again for the next chunk, which
    // cost the agent about a sixth and the gateway about a tenth of their CPU time on a 1 GB
    // download (measured with bench/tunnel_bench.py on a 2-core Linux machine). Up to 4 MiB of
    // freed memory now stays in the heap instead.
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
#endif
}

} // namespace Allocator
