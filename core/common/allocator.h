#pragma once

namespace Allocator {

// Keeps freed body buffers in the heap instead of returning them to the kernel after every
// chunk. Call once at the start of main(); it does nothing outside glibc.
void tuneForStreaming();

} // namespace Allocator
