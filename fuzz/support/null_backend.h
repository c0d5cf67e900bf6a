// A do-nothing LisaFS backend for fuzzing the server's decode + dispatch path
// (crosvm fuzzes its FUSE server the same way): every operation succeeds with
// a synthetic answer and touches no host file, so the fuzzer spends its time
// in the server's decoding, checks, FD table and node tree.
//
//   server.StartConnection(std::move(sock), {.mount_path = "/null",
//                                            .impl = std::make_unique<NullBackend>()});
//
// The file type of a walked name comes from its first byte, so a fuzzer can
// reach every type-dependent check: 'n...' does not exist (ENOENT), 'f' is a
// regular file, 'l' a symlink, 's' a socket, 'p' a FIFO, 'e' fails with EIO,
// anything else is a directory. Regular files opened or created donate a dup
// of one memfd, and socket operations donate one end of a fresh socketpair,
// so FD donation and the fd-leak oracle are exercised too.
#ifndef HARDGOFER_FUZZ_SUPPORT_NULL_BACKEND_H_
#define HARDGOFER_FUZZ_SUPPORT_NULL_BACKEND_H_

#include <fcntl.h>
#include <linux/stat.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "gofer/server/connection_impl.h"
#include "gofer/wire/mid.h"
#include "gofer/wire/statx.h"
#include "path_walk/name.h"

namespace hg::fuzz {

inline wire::Statx NullStat(uint16_t type) {
  static std::atomic<uint64_t> next_ino{100};
  wire::Statx st;
  st.mask = STATX_BASIC_STATS;
  st.mode = static_cast<uint16_t>(type | (type == S_IFDIR ? 0755 : 0644));
  st.nlink = 1;
  st.ino = next_ino.fetch_add(1, std::memory_order_relaxed);
  st.size = type == S_IFREG ? 4096 : 0;
  st.blksize = 4096;
  return st;
}

inline uint16_t NullTypeOf(std::string_view name) {
  switch (name.empty() ? 'd' : name[0]) {
    case 'f':
      return S_IFREG;
    case 'l':
      return S_IFLNK;
    case 's':
      return S_IFSOCK;
    case 'p':
      return S_IFIFO;
    default:
      return S_IFDIR;
  }
}

// One end of a fresh socketpair (the other end is closed).
inline Result<UniqueFd> NullSocket() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return Errno::Last();
  UniqueFd keep(sv[0]);
  UniqueFd drop(sv[1]);
  return keep;
}

// A dup of one memfd, standing for a donated regular file.
inline Result<UniqueFd> NullFileFd() {
  static const int memfd = ::memfd_create("fuzz-null-file", MFD_CLOEXEC);
  if (memfd < 0) return Errno(EIO);
  UniqueFd d(::fcntl(memfd, F_DUPFD_CLOEXEC, 0));
  if (!d.valid()) return Errno::Last();
  return d;
}

class NullOpen final : public server::OpenFdImpl {
 public:
  explicit NullOpen(uint16_t type) : type_(type) {}
  Result<wire::Statx> Stat() override { return NullStat(type_); }
  Status Sync() override { return Status::Ok(); }
  Result<uint64_t> Write(std::span<const uint8_t> data, uint64_t) override { return data.size(); }
  Result<size_t> Read(std::span<uint8_t> buf, uint64_t off) override {
    const size_t n = off >= 8192 ? 0 : std::min<size_t>(buf.size(), 8192 - off);
    std::fill_n(buf.data(), n, static_cast<uint8_t>(off));
    return n;
  }
  Status Allocate(uint64_t, uint64_t, uint64_t) override { return Status::Ok(); }
  Status Flush() override { return Status::Ok(); }
  Status Getdents64(uint32_t, bool seek0, server::DirentSink& out) override {
    if (seek0) pos_ = 0;
    static constexpr std::string_view kNames[] = {".", "..", "f1", "d1", "l1", "s1", "p1"};
    while (pos_ < std::size(kNames)) {
      wire::Dirent64 d;
      d.ino = 1000 + pos_;
      d.off = pos_ + 1;
      d.type = static_cast<uint8_t>(IFTODT(NullTypeOf(kNames[pos_])));
      d.name = kNames[pos_];
      if (!out.Add(d)) break;  // did not fit: delivered next time
      ++pos_;
    }
    return Status::Ok();
  }

 private:
  uint16_t type_;
  size_t pos_ = 0;
};

class NullBound final : public server::BoundSocketFdImpl {
 public:
  Status Listen(int32_t) override { return Status::Ok(); }
  Result<server::AcceptResult> Accept() override {
    HG_ASSIGN_OR_RETURN(UniqueFd s, NullSocket());
    return server::AcceptResult{std::move(s), ""};
  }
};

class NullControl final : public server::ControlFdImpl {
 public:
  explicit NullControl(uint16_t type) : type_(type) {}

  Result<wire::Statx> Stat() override { return NullStat(type_); }
  Result<server::SetStatResult> SetStat(const wire::SetStatReq&) override {
    return server::SetStatResult{};
  }
  Result<wire::StatFS> StatFS() override {
    wire::StatFS s;
    s.type = 0x01021994;  // TMPFS_MAGIC
    s.block_size = 4096;
    s.name_length = 255;
    return s;
  }
  Result<std::string> ReadLink() override { return std::string("target"); }

  Result<server::NewFile> Walk(const path_walk::Name& name) override {
    const std::string& n = name.str();
    if (n[0] == 'n') return Errno(ENOENT);
    if (n[0] == 'e') return Errno(EIO);
    return New(NullTypeOf(n));
  }
  Status WalkStat(bool stat_self, std::span<const path_walk::Name> path,
                  server::StatSink& out) override {
    if (stat_self && !out.Add(NullStat(type_))) return Errno(EIO);
    for (const path_walk::Name& name : path) {
      const std::string& n = name.str();
      if (n[0] == 'n') break;
      if (n[0] == 'e') return Errno(EIO);
      if (!out.Add(NullStat(NullTypeOf(n)))) return Errno(EIO);
      if (NullTypeOf(n) != S_IFDIR) break;
    }
    return Status::Ok();
  }
  Result<server::OpenResult> Open(uint32_t) override {
    server::OpenResult r{std::make_unique<NullOpen>(type_), UniqueFd()};
    if (type_ == S_IFREG) {
      HG_ASSIGN_OR_RETURN(r.donate, NullFileFd());
    }
    return r;
  }
  Result<server::OpenCreateResult> OpenCreate(const path_walk::Name&, uint16_t, wire::UID,
                                              wire::GID, uint32_t) override {
    HG_ASSIGN_OR_RETURN(UniqueFd d, NullFileFd());
    return server::OpenCreateResult{New(S_IFREG), std::make_unique<NullOpen>(S_IFREG),
                                    std::move(d)};
  }
  Result<server::NewFile> Mkdir(const path_walk::Name&, uint16_t, wire::UID, wire::GID) override {
    return New(S_IFDIR);
  }
  Result<server::NewFile> Mknod(const path_walk::Name&, uint16_t mode, wire::UID, wire::GID,
                                uint32_t, uint32_t) override {
    const uint16_t t = mode & S_IFMT;
    return New(t == 0 ? S_IFREG : t);
  }
  Result<server::NewFile> Symlink(const path_walk::Name&, const server::SymlinkTarget&, wire::UID,
                                  wire::GID) override {
    return New(S_IFLNK);
  }
  Result<server::NewFile> Link(server::ControlFdImpl&, const path_walk::Name&) override {
    return New(type_);
  }
  Result<server::BindResult> BindAt(const path_walk::Name&, uint32_t, uint16_t, wire::UID,
                                    wire::GID) override {
    HG_ASSIGN_OR_RETURN(UniqueFd s, NullSocket());
    return server::BindResult{New(S_IFSOCK), std::make_unique<NullBound>(), std::move(s)};
  }
  Status Unlink(const path_walk::Name&, uint32_t) override { return Status::Ok(); }
  Status RenameAt(const path_walk::Name&, server::ControlFdImpl&, const path_walk::Name&,
                  uint32_t) override {
    return Status::Ok();
  }
  Result<UniqueFd> Connect(uint32_t) override { return NullSocket(); }
  Result<UniqueFd> ConnectWithCreds(uint32_t, wire::UID, wire::GID) override {
    return NullSocket();
  }
  Result<std::string> GetXattr(const server::XattrName&, uint32_t) override {
    return std::string("value");
  }
  Status SetXattr(const server::XattrName&, std::string_view, uint32_t) override {
    return Status::Ok();
  }
  Result<std::vector<std::string>> ListXattr(uint64_t) override {
    return std::vector<std::string>{"user.a", "user.b"};
  }
  Status RemoveXattr(const server::XattrName&) override { return Status::Ok(); }

 private:
  static server::NewFile New(uint16_t type) {
    return server::NewFile{std::make_unique<NullControl>(type), NullStat(type)};
  }
  uint16_t type_;
};

class NullBackend final : public server::ConnectionImpl {
 public:
  Result<server::MountResult> Mount(const server::MountPoint&) override {
    return server::MountResult{std::make_unique<NullControl>(S_IFDIR), NullStat(S_IFDIR),
                               UniqueFd()};
  }
  std::vector<wire::MID> SupportedMessages() const override {
    std::vector<wire::MID> all;
    for (uint16_t m = 1; m < wire::kNumMids; ++m) all.push_back(static_cast<wire::MID>(m));
    return all;
  }
};

}  // namespace hg::fuzz

#endif  // HARDGOFER_FUZZ_SUPPORT_NULL_BACKEND_H_
