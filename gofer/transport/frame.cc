#include "gofer/transport/frame.h"

#include <unistd.h>

namespace hg::transport {

size_t PageSize() {
  static const size_t page = [] {
    long p = ::sysconf(_SC_PAGESIZE);
    return p > 0 ? static_cast<size_t>(p) : size_t{4096};
  }();
  return page;
}

uint32_t DefaultMaxPayload() {
  const size_t page = PageSize();
  // hostarch: HugePageSize is 2 MiB with 4 KiB pages and 512 MiB with 64 KiB pages.
  const size_t huge = page >= 65536 ? (size_t{512} << 20) : (size_t{2} << 20);
  return static_cast<uint32_t>(huge - page);
}

}  // namespace hg::transport
