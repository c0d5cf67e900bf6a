#include "gofer/wire/max_message_size.h"

#include <unistd.h>

namespace hg::wire {

uint32_t MaxMessageSize() {
  static const uint32_t size = [] {
    long page = sysconf(_SC_PAGESIZE);
    // Linux always reports a power of two between 4 KiB and 64 KiB; anything else
    // means a broken environment, where the common 4 KiB answer is the safe one
    // (it is also what a gVisor peer on the same host would most likely use).
    if (page < 4096 || page > 65536 || (page & (page - 1)) != 0) page = 4096;
    return MaxMessageSizeForPageSize(static_cast<size_t>(page));
  }();
  return size;
}

}  // namespace hg::wire
