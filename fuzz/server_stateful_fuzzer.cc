// server_stateful: the real server with the real host backend (fsgofer) on a
// scratch directory, driven by sequences of RPCs over the socket and several
// flipcall channels; after every input nothing outside the served root may
// have changed and no descriptor may have leaked.
//
// The world (support/scratch_fs.h): a private tmpfs with root/ (served,
// rebuilt for every input, full of symlinks pointing outside) and outside/
// (canaries: files, a FIFO, xattrs and a listening socket).
//
// Input:  byte 0  mount rules: bit 0 read-only; bit 1 host UDS "all"; bit 2 host
//                 FIFO "open"; bit 3 xattr namespaces user+trusted; bit 4
//                 donate the mount FD; bit 5 path_walk fallback resolver (no
//                 openat2); bit 6 RESOLVE_NO_XDEV; bit 7 small limits (16
//                 FDIDs, 4 walk components, 2 channels)
//         then ops: one byte, op = b & 31, route = b >> 5 (0 = main socket,
//         k = flipcall channel (k-1) % channels made so far), then operands.
//         Operands are compact references, so FD reuse is easy to express:
//           FD    one byte: an index into the FDIDs the server has handed out
//                 so far (Mount root first; closed ones stay in the list, so
//                 stale FDIDs get reused), or 0xF0 FDID 0, 0xF1 2^64-1,
//                 0xF2 the next FDID not yet handed out, 0xF3+ the newest
//           NAME  one byte: an index into a table of interesting names ("a",
//                 "lnk_out", "..", "", "a/b", NUL, 255/256-byte names, ...),
//                 or >= 0xF0: u8 length + raw bytes
//           TARGET (symlinks) likewise, with targets pointing outside
//           small integers are one byte selecting from a table of edge values
//         ops 0..29 are the RPCs (0 Walk, 1 WalkStat, 2 OpenAt, 3 OpenCreateAt,
//         4 Close, 5 FSync, 6 PWrite, 7 PRead, 8 MkdirAt, 9 MknodAt,
//         10 SymlinkAt, 11 LinkAt, 12 FStatFS, 13 FAllocate, 14 ReadLinkAt,
//         15 Connect, 16 UnlinkAt, 17 RenameAt, 18 RenameAt2, 19 Getdents64,
//         20 FGetXattr, 21 FSetXattr, 22 FListXattr, 23 FRemoveXattr,
//         24 BindAt, 25 Listen, 26 Accept, 27 ConnectWithCreds, 28 SetStat,
//         29 FStat), 30 opens a new flipcall channel, 31 sends a raw frame
//         (u8 MID, u8 length, bytes) such as a recorded client session has.
//
// Oracles: as server_dispatch for every answer (MID, decodable, FDs only
// where donated); after the input: no change outside root/ (contents,
// metadata, xattrs, no new entries next to root/), no connection on the
// outside socket, connection torn down, descriptor table as before.
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/stat.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.h"
#include "fuzz/support/fd_table.h"
#include "fuzz/support/scratch_fs.h"
#include "gofer/fsgofer/fs_connection.h"
#include "gofer/server/server.h"
#include "gofer/transport/client_channel.h"
#include "gofer/transport/socket_communicator.h"
#include "gofer/wire/decode_any.h"
#include "gofer/wire/max_message_size.h"
#include "gofer/wire/messages.h"

namespace {

namespace wire = hg::wire;
using hg::UniqueFd;
using wire::FDID;
using wire::MID;

[[noreturn]] void Fail(const char* what, unsigned mid) {
  std::fprintf(stderr, "server_stateful: %s (MID %u)\n", what, mid);
  std::abort();
}

const std::string& LongName(size_t n) {
  static const std::string s255(255, 'x');
  static const std::string s256(256, 'y');
  return n == 255 ? s255 : s256;
}

// Names a client could send, legal and not.
std::string_view NameAt(uint8_t i) {
  static const std::string_view kNames[] = {
      "a", "b", "d", "f", "x", "y", "new", "empty", "fifo", "sock",
      "lnk_out", "lnk_abs", "lnk_dir", "lnk_sock", "lnk_fifo", "lnk_self", "lnk_loop", "up",
      "..", ".", "", "a/b", "../outside", "outside", "root", std::string_view("z\0z", 3),
      "secret", "top-canary"};
  if (i == 254) return LongName(255);
  if (i == 253) return LongName(256);
  return kNames[i % std::size(kNames)];
}

std::string_view TargetAt(uint8_t i) {
  static const std::string_view kTargets[] = {
      "a", "../outside/secret", "..", "/", "d/../../outside", "lnk_out", "../../../../../..",
      "../outside/sock", "outside/secret", std::string_view("a\0b", 3)};
  return kTargets[i % std::size(kTargets)];
}

class Input {
 public:
  explicit Input(std::span<const uint8_t> in) : in_(in) {}
  bool empty() const { return pos_ >= in_.size(); }
  uint8_t U8() { return pos_ < in_.size() ? in_[pos_++] : 0; }
  uint32_t U32() { return U8() | (U8() << 8) | (U8() << 16) | (static_cast<uint32_t>(U8()) << 24); }
  std::span<const uint8_t> Take(size_t n) {
    n = std::min(n, in_.size() - pos_);
    auto s = in_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view Str(size_t n) {
    auto s = Take(n);
    return std::string_view(reinterpret_cast<const char*>(s.data()), s.size());
  }

 private:
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

uint64_t Offset(uint8_t sel, Input& in) {
  static const uint64_t kOffsets[] = {0, 1, 5, 4095, 4096, 1 << 20, (1 << 20) - 1, 1ull << 40,
                                      INT64_MAX, UINT64_MAX};
  if (sel >= 0xF0) return in.U32();
  return kOffsets[sel % std::size(kOffsets)];
}

bool Donates(uint16_t mid) {
  switch (static_cast<MID>(mid)) {
    case MID::kMount:
    case MID::kChannel:
    case MID::kOpenAt:
    case MID::kOpenCreateAt:
    case MID::kConnect:
    case MID::kConnectWithCreds:
    case MID::kBindAt:
    case MID::kAccept:
      return true;
    default:
      return false;
  }
}

class Session {
 public:
  Session(uint8_t cfg, hg::server::Server& server) {
    hg::fsgofer::MountRules rules;
    rules.readonly = cfg & 1;
    if (cfg & 2) rules.host_uds = hg::fsgofer::HostUds::kAll;
    if (cfg & 4) rules.host_fifo = hg::fsgofer::HostFifo::kOpen;
    if (cfg & 8) rules.xattr_namespaces = {"user.", "trusted."};
    rules.donate_mount_fd = cfg & 16;
    // Bounds what a client can make the scratch tmpfs hold.
    rules.max_file_size = 1 << 20;
    hg::fsgofer::FsgoferConfig fc;
    fc.rules = rules;
    fc.host = Host();
    if (cfg & 32) fc.walk.resolver = hg::path_walk::Resolver::kFallback;
    fc.walk.no_xdev = cfg & 64;
    hg::server::ConnectionConfig cc;
    cc.mount_path = hg::fuzz::ScratchFs::Get().root();
    cc.opts = hg::fsgofer::ConnectionOptsFor(rules);
    if (cfg & 128) {
      cc.limits.max_open_fds = 16;
      cc.limits.max_walk_components = 4;
      cc.limits.max_channels = 2;
    }
    auto impl = hg::fsgofer::FsConnectionImpl::Create(std::move(fc));
    if (!impl.ok()) Fail("FsConnectionImpl::Create", 0);
    cc.impl = std::move(impl).value();
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) Fail("socketpair", 0);
    UniqueFd ours(sv[0]);
    auto conn = server.StartConnection(UniqueFd(sv[1]), std::move(cc));
    if (!conn.ok()) Fail("StartConnection", 0);
    conn_ = *conn;
    auto comm = hg::transport::SocketCommunicator::Create(
        std::move(ours), hg::transport::Side::kClient, wire::MaxMessageSize());
    if (!comm.ok()) Fail("SocketCommunicator::Create", 0);
    comm_ = std::move(comm).value();
  }

  // Host resources are opened once, after the namespace exists.
  static const hg::fsgofer::HostResources& Host() {
    static const hg::fsgofer::HostResources* h = [] {
      auto r = hg::fsgofer::HostResources::Open();
      if (!r.ok()) Fail("HostResources::Open", 0);
      return new hg::fsgofer::HostResources(std::move(r).value());
    }();
    return *h;
  }

  void Close() {
    channels_.clear();
    comm_.reset();
  }
  const hg::server::Connection& conn() const { return *conn_; }

  FDID Ref(uint8_t r) const {
    if (r == 0xF0) return 0;
    if (r == 0xF1) return UINT64_MAX;
    if (r == 0xF2) return max_fdid_ + 1;
    if (r > 0xF2 || fdids_.empty()) return fdids_.empty() ? 1 : fdids_.back();
    return fdids_[r % fdids_.size()];
  }

  template <typename Req>
  void Send(MID mid, const Req& req, uint8_t route) {
    auto bytes = wire::Encode(req);
    if (!bytes.ok()) return;  // a name longer than a u16 prefix: not sendable
    Raw(wire::ToRaw(mid), *bytes, route);
  }

  void Raw(uint16_t mid, std::span<const uint8_t> payload, uint8_t route) {
    hg::transport::ClientChannel* ch =
        route == 0 || channels_.empty() ? nullptr : channels_[(route - 1) % channels_.size()].get();
    auto f = ch != nullptr ? ch->Call(mid, payload, 2) : comm_->Call(mid, payload, 2);
    if (!f.ok()) {
      if (f.error().kind == hg::transport::ErrorKind::kTooLarge) return;
      std::fprintf(stderr, "transport: %s\n", f.error().ToString().c_str());
      Fail("the server did not answer", mid);
    }
    Check(mid, *f);
  }

 private:
  void Learn(FDID id) {
    if (id == 0) return;
    max_fdid_ = std::max(max_fdid_, id);
    if (fdids_.size() < 256) fdids_.push_back(id);
  }

  void Check(uint16_t req_mid, hg::transport::Frame& f) {
    if (f.mid == wire::ToRaw(MID::kError)) {
      auto e = wire::ErrorResp::Decode(f.payload);
      if (!e.ok() || f.payload.size() != 4 || e->errnum == 0 || e->errnum >= 4096) {
        Fail("malformed Error answer", req_mid);
      }
      for (const UniqueFd& fd : f.fds) {
        if (fd.valid()) Fail("FDs donated with an Error answer", req_mid);
      }
      return;
    }
    if (f.mid != req_mid) Fail("answer MID is neither the request's nor Error", req_mid);
    auto d = wire::DecodeAnyResponse(static_cast<MID>(f.mid), f.payload);
    if (!d.ok()) Fail("the server sent a response its own wire decoder refuses", req_mid);
    for (const UniqueFd& fd : f.fds) {
      if (!fd.valid()) continue;
      if (!Donates(req_mid)) Fail("FDs donated by a MID that never donates", req_mid);
      if (!hg::fuzz::IsCloexec(fd.get())) Fail("donated FD without FD_CLOEXEC", req_mid);
    }
    switch (static_cast<MID>(f.mid)) {
      case MID::kMount:
        Learn(std::get<wire::MountResp>(*d).root.control_fd);
        break;
      case MID::kWalk:
        for (const auto& i : std::get<wire::WalkResp>(*d).inodes) Learn(i.control_fd);
        break;
      case MID::kOpenAt:
        Learn(std::get<wire::OpenAtResp>(*d).open_fd);
        break;
      case MID::kOpenCreateAt: {
        const auto& r = std::get<wire::OpenCreateAtResp>(*d);
        Learn(r.child.control_fd);
        Learn(r.new_fd);
        break;
      }
      case MID::kMkdirAt:
        Learn(std::get<wire::MkdirAtResp>(*d).child_dir.control_fd);
        break;
      case MID::kMknodAt:
        Learn(std::get<wire::MknodAtResp>(*d).child.control_fd);
        break;
      case MID::kSymlinkAt:
        Learn(std::get<wire::SymlinkAtResp>(*d).symlink.control_fd);
        break;
      case MID::kLinkAt:
        Learn(std::get<wire::LinkAtResp>(*d).link.control_fd);
        break;
      case MID::kBindAt: {
        const auto& r = std::get<wire::BindAtResp>(*d);
        Learn(r.child.control_fd);
        Learn(r.bound_socket_fd);
        break;
      }
      case MID::kChannel:
        if (f.fds.size() == 2 && f.fds[0].valid() && f.fds[1].valid()) {
          const auto& r = std::get<wire::ChannelResp>(*d);
          auto c = hg::transport::ClientChannel::Create(std::move(f.fds[0]), r.data_offset,
                                                         r.data_length, std::move(f.fds[1]));
          if (!c.ok()) Fail("the server's channel does not map", req_mid);
          if (!(*c)->Connect().ok()) Fail("the server's channel refuses the handshake", req_mid);
          channels_.push_back(std::move(c).value());
        }
        break;
      default:
        break;
    }
  }

  std::shared_ptr<hg::server::Connection> conn_;
  std::unique_ptr<hg::transport::SocketCommunicator> comm_;
  std::vector<std::unique_ptr<hg::transport::ClientChannel>> channels_;
  std::vector<FDID> fdids_;
  FDID max_fdid_ = 0;
};

std::string_view Name(Input& in) {
  const uint8_t sel = in.U8();
  if (sel >= 0xF0 && sel < 0xFD) return in.Str(in.U8());
  return NameAt(sel);
}

std::string_view Target(Input& in) {
  const uint8_t sel = in.U8();
  if (sel >= 0xF0) return in.Str(in.U8());
  return TargetAt(sel);
}

std::string_view XattrName(Input& in) {
  static const std::string_view kNames[] = {"user.k", "user.new", "trusted.t", "security.s",
                                            "system.posix_acl_access", "user.", "", "k"};
  const uint8_t sel = in.U8();
  if (sel >= 0xF0) return in.Str(in.U8());
  return kNames[sel % std::size(kNames)];
}

uint32_t OpenFlags(Input& in) {
  static const uint32_t kFlags[] = {O_RDONLY, O_WRONLY, O_RDWR, O_RDWR | O_TRUNC,
                                    O_WRONLY | O_APPEND, O_RDONLY | O_DIRECTORY, O_PATH,
                                    O_RDWR | O_CREAT | O_EXCL};
  const uint8_t sel = in.U8();
  return sel >= 0xF0 ? in.U32() : kFlags[sel % std::size(kFlags)];
}

uint16_t Mode(Input& in) {
  static const uint16_t kModes[] = {0644, 0755, 0, 07777, S_IFREG | 0644, S_IFIFO | 0644,
                                    S_IFCHR, S_IFSOCK | 0644, S_IFBLK | 0644, S_IFDIR | 0755,
                                    S_IFLNK | 0777};
  const uint8_t sel = in.U8();
  return sel >= 0xF0 ? static_cast<uint16_t>(in.U32()) : kModes[sel % std::size(kModes)];
}

uint32_t Id(Input& in) {
  static const uint32_t kIds[] = {wire::kNoUID, 0, 1000, 65534};
  return kIds[in.U8() % std::size(kIds)];
}

uint32_t SockType(Input& in) {
  static const uint32_t kTypes[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, 0, 77};
  return kTypes[in.U8() % std::size(kTypes)];
}

void RunOp(Session& s, Input& in) {
  const uint8_t b = in.U8();
  const uint8_t route = b >> 5;
  switch (b & 31) {
    case 0:
    case 1: {
      wire::WalkReq r;
      r.dir_fd = s.Ref(in.U8());
      const size_t n = in.U8() % 6;
      for (size_t i = 0; i < n; ++i) r.path.push_back(Name(in));
      s.Send((b & 31) == 0 ? MID::kWalk : MID::kWalkStat, r, route);
      break;
    }
    case 2: {
      wire::OpenAtReq r;
      r.fd = s.Ref(in.U8());
      r.flags = OpenFlags(in);
      s.Send(MID::kOpenAt, r, route);
      break;
    }
    case 3: {
      wire::OpenCreateAtReq r;
      r.dir_fd = s.Ref(in.U8());
      r.name = Name(in);
      r.mode = Mode(in);
      r.uid = Id(in);
      r.gid = Id(in);
      r.flags = OpenFlags(in);
      s.Send(MID::kOpenCreateAt, r, route);
      break;
    }
    case 4:
    case 5: {
      wire::CloseReq r;
      const size_t n = 1 + in.U8() % 3;
      for (size_t i = 0; i < n; ++i) r.fds.push_back(s.Ref(in.U8()));
      if ((b & 31) == 4) {
        s.Send(MID::kClose, r, route);
      } else {
        s.Send(MID::kFSync, wire::FsyncReq{r.fds}, route);
      }
      break;
    }
    case 6: {
      wire::PWriteReq r;
      r.fd = s.Ref(in.U8());
      r.offset = Offset(in.U8(), in);
      r.data = in.Take(in.U8() % 65);
      s.Send(MID::kPWrite, r, route);
      break;
    }
    case 7: {
      wire::PReadReq r;
      r.fd = s.Ref(in.U8());
      r.offset = Offset(in.U8(), in);
      static const uint32_t kCounts[] = {0, 1, 100, 4096, 1 << 20, 1 << 21, UINT32_MAX};
      r.count = kCounts[in.U8() % std::size(kCounts)];
      s.Send(MID::kPRead, r, route);
      break;
    }
    case 8: {
      wire::MkdirAtReq r;
      r.dir_fd = s.Ref(in.U8());
      r.name = Name(in);
      r.mode = Mode(in);
      r.uid = Id(in);
      r.gid = Id(in);
      s.Send(MID::kMkdirAt, r, route);
      break;
    }
    case 9: {
      wire::MknodAtReq r;
      r.dir_fd = s.Ref(in.U8());
      r.name = Name(in);
      r.mode = Mode(in);
      r.uid = Id(in);
      r.gid = Id(in);
      r.minor = in.U8() & 1;
      r.major = in.U8() & 1;
      s.Send(MID::kMknodAt, r, route);
      break;
    }
    case 10: {
      wire::SymlinkAtReq r;
      r.dir_fd = s.Ref(in.U8());
      r.name = Name(in);
      r.target = Target(in);
      r.uid = Id(in);
      r.gid = Id(in);
      s.Send(MID::kSymlinkAt, r, route);
      break;
    }
    case 11: {
      wire::LinkAtReq r;
      r.dir_fd = s.Ref(in.U8());
      r.target = s.Ref(in.U8());
      r.name = Name(in);
      s.Send(MID::kLinkAt, r, route);
      break;
    }
    case 12:
      s.Send(MID::kFStatFS, wire::FStatFSReq{s.Ref(in.U8())}, route);
      break;
    case 13: {
      wire::FAllocateReq r;
      r.fd = s.Ref(in.U8());
      static const uint64_t kModes[] = {0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                        FALLOC_FL_ZERO_RANGE, FALLOC_FL_COLLAPSE_RANGE, 0xff};
      r.mode = kModes[in.U8() % std::size(kModes)];
      r.offset = Offset(in.U8(), in);
      r.length = Offset(in.U8(), in);
      s.Send(MID::kFAllocate, r, route);
      break;
    }
    case 14:
      s.Send(MID::kReadLinkAt, wire::ReadLinkAtReq{s.Ref(in.U8())}, route);
      break;
    case 15: {
      wire::ConnectReq r;
      r.fd = s.Ref(in.U8());
      r.sock_type = SockType(in);
      s.Send(MID::kConnect, r, route);
      break;
    }
    case 16: {
      wire::UnlinkAtReq r;
      r.dir_fd = s.Ref(in.U8());
      r.name = Name(in);
      static const uint32_t kFlags[] = {0, AT_REMOVEDIR, 0xffffffff};
      r.flags = kFlags[in.U8() % std::size(kFlags)];
      s.Send(MID::kUnlinkAt, r, route);
      break;
    }
    case 17:
    case 18: {
      wire::RenameAt2Req r;
      r.old_dir = s.Ref(in.U8());
      r.old_name = Name(in);
      r.new_dir = s.Ref(in.U8());
      r.new_name = Name(in);
      if ((b & 31) == 17) {
        s.Send(MID::kRenameAt, wire::RenameAtReq{r.old_dir, r.new_dir, r.old_name, r.new_name},
               route);
      } else {
        static const uint32_t kFlags[] = {0, 1 /* NOREPLACE */, 2 /* EXCHANGE */,
                                          4 /* WHITEOUT */, 3, 0xffffffff};
        r.flags = kFlags[in.U8() % std::size(kFlags)];
        s.Send(MID::kRenameAt2, r, route);
      }
      break;
    }
    case 19: {
      wire::Getdents64Req r;
      r.dir_fd = s.Ref(in.U8());
      static const int32_t kCounts[] = {0, 1, 64, 4096, -4096, INT32_MIN, INT32_MAX, -1};
      r.count = kCounts[in.U8() % std::size(kCounts)];
      s.Send(MID::kGetdents64, r, route);
      break;
    }
    case 20: {
      wire::FGetXattrReq r;
      r.fd = s.Ref(in.U8());
      r.name = XattrName(in);
      static const uint32_t kSizes[] = {0, 1, 65536, 100000};
      r.buf_size = kSizes[in.U8() % std::size(kSizes)];
      s.Send(MID::kFGetXattr, r, route);
      break;
    }
    case 21: {
      wire::FSetXattrReq r;
      r.fd = s.Ref(in.U8());
      r.name = XattrName(in);
      r.value = in.Str(in.U8() % 33);
      r.flags = in.U8() % 4;
      s.Send(MID::kFSetXattr, r, route);
      break;
    }
    case 22: {
      wire::FListXattrReq r;
      r.fd = s.Ref(in.U8());
      static const uint64_t kSizes[] = {0, 1, 65536, UINT64_MAX};
      r.size = kSizes[in.U8() % std::size(kSizes)];
      s.Send(MID::kFListXattr, r, route);
      break;
    }
    case 23: {
      wire::FRemoveXattrReq r;
      r.fd = s.Ref(in.U8());
      r.name = XattrName(in);
      s.Send(MID::kFRemoveXattr, r, route);
      break;
    }
    case 24: {
      wire::BindAtReq r;
      r.dir_fd = s.Ref(in.U8());
      r.name = Name(in);
      r.sock_type = SockType(in);
      r.mode = Mode(in);
      r.uid = Id(in);
      r.gid = Id(in);
      s.Send(MID::kBindAt, r, route);
      break;
    }
    case 25: {
      wire::ListenReq r;
      r.fd = s.Ref(in.U8());
      static const int32_t kBacklogs[] = {0, 1, 16, -1, INT32_MAX};
      r.backlog = kBacklogs[in.U8() % std::size(kBacklogs)];
      s.Send(MID::kListen, r, route);
      break;
    }
    case 26:
      s.Send(MID::kAccept, wire::AcceptReq{s.Ref(in.U8())}, route);
      break;
    case 27: {
      wire::ConnectWithCredsReq r;
      r.fd = s.Ref(in.U8());
      r.sock_type = SockType(in);
      r.uid = Id(in);
      r.gid = Id(in);
      s.Send(MID::kConnectWithCreds, r, route);
      break;
    }
    case 28: {
      wire::SetStatReq r;
      r.fd = s.Ref(in.U8());
      static const uint32_t kMasks[] = {STATX_MODE, STATX_UID | STATX_GID, STATX_SIZE,
                                        STATX_ATIME | STATX_MTIME, 0xffffffff, 0};
      r.mask = kMasks[in.U8() % std::size(kMasks)];
      r.mode = Mode(in);
      r.uid = Id(in);
      r.gid = Id(in);
      r.size = Offset(in.U8(), in);
      static const int64_t kNsecs[] = {0, 999999999, 1000000000, (1 << 30) - 1 /* UTIME_NOW */,
                                       (1 << 30) - 2 /* UTIME_OMIT */, -1};
      r.atime = {static_cast<int64_t>(in.U8()), kNsecs[in.U8() % std::size(kNsecs)]};
      r.mtime = {static_cast<int64_t>(in.U8()), kNsecs[in.U8() % std::size(kNsecs)]};
      s.Send(MID::kSetStat, r, route);
      break;
    }
    case 29:
      s.Send(MID::kFStat, wire::StatReq{s.Ref(in.U8())}, route);
      break;
    case 30:
      s.Raw(wire::ToRaw(MID::kChannel), {}, route);
      break;
    default: {
      const uint16_t mid = in.U8();
      s.Raw(mid, in.Take(in.U8()), route);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hg::fuzz::ScratchFs& fs = hg::fuzz::ScratchFs::Get();
  Session::Host();
  fs.ResetRoot();
  const size_t baseline = hg::fuzz::CountOpenFds();
  Input in(std::span<const uint8_t>(data, size));
  {
    hg::server::Server server;
    Session s(in.U8(), server);
    s.Raw(wire::ToRaw(MID::kMount), {}, 0);
    size_t ops = 0;
    while (!in.empty() && ops++ < 256) RunOp(s, in);
    s.Close();  // EOF: the connection tears down
    server.Wait();
    if (!s.conn().closed()) Fail("connection not torn down after the client left", 0);
  }
  fs.CheckOutsideUnchanged();
  fs.CheckNoConnectionOutside();
  hg::fuzz::ExpectFdCount(baseline, "after the input");
  return 0;
}
