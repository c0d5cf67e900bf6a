// Shared-memory packet windows for flipcall channels: one memfd per
// connection, carved into page-aligned windows, one per channel.
//
//   HG_ASSIGN_OR_RETURN(auto alloc, PacketWindowAllocator::Create());
//   HG_ASSIGN_OR_RETURN(PacketWindow w, alloc.Allocate(WindowSizeFor(max_payload)));
//   HG_ASSIGN_OR_RETURN(Mapping m, Mapping::Map(alloc.fd(), w.offset, w.length));
//
// Why sealed at creation: the client receives a dup of this memfd. Without
// F_SEAL_SHRINK it could ftruncate the file and make every server access to a
// window raise SIGBUS (a remote kill); without F_SEAL_SEAL it could add
// F_SEAL_GROW (no more channels) or F_SEAL_WRITE. F_SEAL_SHRINK does not stop
// the file from growing, so the seals go on right after memfd_create, while the
// file is empty and no other process can hold it; growing by ftruncate still
// works afterwards. Windows are never reused: a window handed to a client stays
// mapped in the client, so reusing it for another channel would let the old
// mapping write into the new channel.
#ifndef HARDGOFER_GOFER_TRANSPORT_PACKET_WINDOW_H_
#define HARDGOFER_GOFER_TRANSPORT_PACKET_WINDOW_H_

#include <cstddef>
#include <cstdint>
#include <utility>

#include "base/result.h"
#include "base/unique_fd.h"

namespace hg::transport {

// flipcall packet header in front of the datagram: u32 connState (futex word),
// u32 dataLen, 8 reserved bytes (gVisor flipcall_unsafe.go).
inline constexpr size_t kPacketHeaderSize = 16;

// Window length for a channel carrying payloads up to max_payload:
// round_up(16 + 4 + max_payload, page). 2 MiB for gVisor's default.
size_t WindowSizeFor(uint32_t max_payload);

struct PacketWindow {
  int64_t offset = 0;   // in the memfd; page-aligned
  uint64_t length = 0;  // page multiple
};

class PacketWindowAllocator {
 public:
  // memfd_create("flipcall_packet_windows", MFD_CLOEXEC|MFD_ALLOW_SEALING),
  // then F_ADD_SEALS F_SEAL_SHRINK|F_SEAL_SEAL.
  static Result<PacketWindowAllocator> Create();

  PacketWindowAllocator(PacketWindowAllocator&&) = default;
  PacketWindowAllocator& operator=(PacketWindowAllocator&&) = default;

  // Reserves the next `size` bytes (rounded up to a page), back to back with
  // the previous window, growing the file by doubling (ftruncate). The new
  // window reads as zeros, which flipcall requires (connState 0 = client
  // active). EINVAL for size 0, EOVERFLOW when the file would pass INT64_MAX.
  Result<PacketWindow> Allocate(size_t size);

  int fd() const { return fd_.get(); }
  int64_t file_size() const { return file_size_; }
  // A new O_CLOEXEC descriptor of the memfd, for donation to the client.
  Result<UniqueFd> DupFd() const;

 private:
  explicit PacketWindowAllocator(UniqueFd fd) : fd_(std::move(fd)) {}
  Status EnsureFileSize(int64_t min);

  UniqueFd fd_;
  int64_t next_ = 0;
  int64_t file_size_ = 0;
};

// An owned MAP_SHARED read/write mapping; unmapped on destruction.
class Mapping {
 public:
  Mapping() = default;
  // Maps [offset, offset+length) of `fd`. offset must be page-aligned.
  static Result<Mapping> Map(int fd, int64_t offset, size_t length);
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  Mapping(Mapping&& o) noexcept
      : addr_(std::exchange(o.addr_, nullptr)), length_(std::exchange(o.length_, 0)) {}
  Mapping& operator=(Mapping&& o) noexcept {
    if (this != &o) {
      Reset();
      addr_ = std::exchange(o.addr_, nullptr);
      length_ = std::exchange(o.length_, 0);
    }
    return *this;
  }
  ~Mapping() { Reset(); }

  uint8_t* data() const { return static_cast<uint8_t*>(addr_); }
  size_t size() const { return length_; }
  bool valid() const { return addr_ != nullptr; }
  void Reset();

 private:
  void* addr_ = nullptr;
  size_t length_ = 0;
};

}  // namespace hg::transport

#endif  // HARDGOFER_GOFER_TRANSPORT_PACKET_WINDOW_H_
