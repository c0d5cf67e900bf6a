#include "gofer/transport/packet_window.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <limits>

#include "gofer/transport/frame.h"

namespace hg::transport {

size_t WindowSizeFor(uint32_t max_payload) {
  const size_t page = PageSize();
  size_t need = kPacketHeaderSize + kChannelHeaderSize + size_t{max_payload};
  return (need + page - 1) / page * page;
}

Result<PacketWindowAllocator> PacketWindowAllocator::Create() {
  UniqueFd fd(::memfd_create("flipcall_packet_windows", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.valid()) return Errno::Last();
  // Sealed while empty and private to us; see the header for why now.
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0) return Errno::Last();
  return PacketWindowAllocator(std::move(fd));
}

Status PacketWindowAllocator::EnsureFileSize(int64_t min) {
  if (file_size_ >= min) return Status::Ok();
  int64_t size = file_size_ == 0 ? static_cast<int64_t>(PageSize()) : file_size_;
  while (size < min) {
    if (size > std::numeric_limits<int64_t>::max() / 2) return Errno(EOVERFLOW);
    size *= 2;
  }
  if (::ftruncate(fd_.get(), size) != 0) return Errno::Last();
  file_size_ = size;
  return Status::Ok();
}

Result<PacketWindow> PacketWindowAllocator::Allocate(size_t size) {
  if (size == 0) return Errno(EINVAL);
  const size_t page = PageSize();
  if (size > static_cast<size_t>(std::numeric_limits<int64_t>::max()) - page) {
    return Errno(EOVERFLOW);
  }
  const int64_t rounded = static_cast<int64_t>((size + page - 1) / page * page);
  if (next_ > std::numeric_limits<int64_t>::max() - rounded) return Errno(EOVERFLOW);
  const int64_t end = next_ + rounded;
  HG_RETURN_IF_ERROR(EnsureFileSize(end));
  PacketWindow w{next_, static_cast<uint64_t>(rounded)};
  next_ = end;
  return w;
}

Result<UniqueFd> PacketWindowAllocator::DupFd() const {
  UniqueFd dup(::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
  if (!dup.valid()) return Errno::Last();
  return dup;
}

Result<Mapping> Mapping::Map(int fd, int64_t offset, size_t length) {
  if (length == 0 || offset < 0 || offset % static_cast<int64_t>(PageSize()) != 0) {
    return Errno(EINVAL);
  }
  void* p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
  if (p == MAP_FAILED) return Errno::Last();
  Mapping m;
  m.addr_ = p;
  m.length_ = length;
  return m;
}

void Mapping::Reset() {
  if (addr_ != nullptr) ::munmap(addr_, length_);
  addr_ = nullptr;
  length_ = 0;
}

}  // namespace hg::transport
