// The test backend (plain syscalls over a temp directory) and the raw client.
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/thread_name.h"
#include "gofer/server/server_test_util.h"
#include "gofer/transport/transport_test_util.h"
#include "gofer/wire/byte_order.h"

namespace hg::server::testing {
namespace {

using path_walk::Name;

Result<wire::Statx> StatxOf(int fd) {
  struct statx k {};
  if (::statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME, &k) !=
      0) {
    return Errno::Last();
  }
  wire::Statx s;
  s.mask = k.stx_mask;
  s.blksize = k.stx_blksize;
  s.nlink = k.stx_nlink;
  s.uid = k.stx_uid;
  s.gid = k.stx_gid;
  s.mode = k.stx_mode;
  s.ino = k.stx_ino;
  s.size = k.stx_size;
  s.blocks = k.stx_blocks;
  s.atime = {k.stx_atime.tv_sec, k.stx_atime.tv_nsec};
  s.btime = {k.stx_btime.tv_sec, k.stx_btime.tv_nsec};
  s.ctime = {k.stx_ctime.tv_sec, k.stx_ctime.tv_nsec};
  s.mtime = {k.stx_mtime.tv_sec, k.stx_mtime.tv_nsec};
  s.dev_major = k.stx_dev_major;
  s.dev_minor = k.stx_dev_minor;
  return s;
}

class Counted {
 public:
  explicit Counted(std::shared_ptr<BackendStats> s) : stats_(std::move(s)) { stats_->live_impls++; }
  ~Counted() {
    stats_->live_impls--;
    stats_->destroyed++;
  }
  BackendStats& stats() { return *stats_; }
  std::shared_ptr<BackendStats> shared() { return stats_; }

 private:
  std::shared_ptr<BackendStats> stats_;
};

class TestOpen final : public OpenFdImpl, Counted {
 public:
  TestOpen(UniqueFd fd, std::shared_ptr<BackendStats> s, std::string name)
      : Counted(std::move(s)), fd_(std::move(fd)), name_(std::move(name)) {}

  Result<wire::Statx> Stat() override {
    stats().calls++;
    return StatxOf(fd_.get());
  }
  Status Sync() override {
    stats().calls++;
    if (!stats().fail_sync_name.empty() && name_ == stats().fail_sync_name) return Errno(EIO);
    return StatusFromRet(::fsync(fd_.get()));
  }
  Result<uint64_t> Write(std::span<const uint8_t> data, uint64_t off) override {
    stats().calls++;
    ssize_t n = ::pwrite(fd_.get(), data.data(), data.size(), static_cast<off_t>(off));
    if (n < 0) return Errno::Last();
    return static_cast<uint64_t>(n);
  }
  Result<size_t> Read(std::span<uint8_t> buf, uint64_t off) override {
    stats().calls++;
    if (stats().block_reads.load()) {
      stats().reads_blocked++;
      while (stats().block_reads.load()) ::usleep(1000);
    }
    ssize_t n = ::pread(fd_.get(), buf.data(), buf.size(), static_cast<off_t>(off));
    if (n < 0) return Errno::Last();
    return static_cast<size_t>(n);
  }
  Status Getdents64(uint32_t count, bool seek0, DirentSink& out) override {
    stats().calls++;
    if (seek0 && ::lseek(fd_.get(), 0, SEEK_SET) < 0) return Errno::Last();
    off_t pos = ::lseek(fd_.get(), 0, SEEK_CUR);
    std::vector<uint8_t> buf(std::min<uint32_t>(std::max<uint32_t>(count, 512), 65536));
    long n = ::syscall(SYS_getdents64, fd_.get(), buf.data(), buf.size());
    if (n < 0) return Errno::Last();
    for (long i = 0; i < n;) {
      uint64_t ino, off;
      uint16_t reclen;
      std::memcpy(&ino, &buf[i], 8);
      std::memcpy(&off, &buf[i + 8], 8);
      std::memcpy(&reclen, &buf[i + 16], 2);
      wire::Dirent64 d;
      d.ino = ino;
      d.off = off;
      d.type = buf[i + 18];
      d.name = reinterpret_cast<const char*>(&buf[i + 19]);
      if (!out.Add(d)) {
        ::lseek(fd_.get(), pos, SEEK_SET);  // the refused entry comes again next time
        break;
      }
      pos = static_cast<off_t>(off);
      i += reclen;
    }
    return Status::Ok();
  }
  void Renamed() override { stats().renamed++; }

 private:
  UniqueFd fd_;
  std::string name_;
};

class TestControl final : public ControlFdImpl, Counted {
 public:
  TestControl(UniqueFd fd, std::shared_ptr<BackendStats> s)
      : Counted(std::move(s)), fd_(std::move(fd)) {}

  Result<wire::Statx> Stat() override {
    stats().calls++;
    {
      Result<std::string> p = control_fd().PathInMount();
      std::lock_guard<std::mutex> l(stats().mu);
      stats().last_stat_path = p.ok() ? *p : "error " + std::to_string(p.error().value());
      stats().last_host_path = control_fd().HostPath();
    }
    return StatxOf(fd_.get());
  }
  Result<wire::StatFS> StatFS() override {
    stats().calls++;
    struct statfs k {};
    if (::fstatfs(fd_.get(), &k) != 0) return Errno::Last();
    return wire::StatFS{static_cast<uint64_t>(k.f_type), k.f_bsize, k.f_blocks, k.f_bfree,
                        k.f_bavail, k.f_files, k.f_ffree, static_cast<uint64_t>(k.f_namelen)};
  }
  Result<std::string> ReadLink() override {
    stats().calls++;
    char buf[4096];
    ssize_t n = ::readlinkat(fd_.get(), "", buf, sizeof(buf));
    if (n < 0) return Errno::Last();
    return std::string(buf, static_cast<size_t>(n));
  }
  Result<NewFile> Walk(const Name& name) override {
    stats().calls++;
    {
      Result<std::string> p = control_fd().ChildPathInMount(name);
      std::lock_guard<std::mutex> l(stats().mu);
      stats().last_walk_path = p.ok() ? *p : "error " + std::to_string(p.error().value());
    }
    if (!stats().fail_walk_name.empty() && name.str() == stats().fail_walk_name) {
      return Errno(stats().walk_errno);
    }
    return Child(name);
  }
  Status WalkStat(bool stat_self, std::span<const Name> path, StatSink& out) override {
    stats().calls++;
    if (stat_self) {
      HG_ASSIGN_OR_RETURN(wire::Statx st, StatxOf(fd_.get()));
      out.Add(st);
    }
    if (control_fd().IsSymlink()) return Status::Ok();
    UniqueFd cur;
    for (const Name& n : path) {
      UniqueFd next(::openat(cur.valid() ? cur.get() : fd_.get(), n.c_str(),
                             O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!next.valid()) {
        if (errno == ENOENT) break;
        return Errno::Last();
      }
      cur = std::move(next);
      HG_ASSIGN_OR_RETURN(wire::Statx st, StatxOf(cur.get()));
      out.Add(st);
      if ((st.mode & S_IFMT) == S_IFLNK) break;
    }
    return Status::Ok();
  }
  Result<OpenResult> Open(uint32_t flags) override {
    stats().calls++;
    std::string proc = "/proc/self/fd/" + std::to_string(fd_.get());
    UniqueFd f(::open(proc.c_str(), static_cast<int>(flags) | O_CLOEXEC));
    if (!f.valid()) return Errno::Last();
    OpenResult r;
    if (control_fd().IsRegular()) r.donate = UniqueFd(::fcntl(f.get(), F_DUPFD_CLOEXEC, 0));
    r.impl = std::make_unique<TestOpen>(std::move(f), shared(), control_fd().node().name());
    return r;
  }
  Result<OpenCreateResult> OpenCreate(const Name& name, uint16_t mode, wire::UID, wire::GID,
                                      uint32_t flags) override {
    stats().calls++;
    UniqueFd f(::openat(fd_.get(), name.c_str(),
                        O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | static_cast<int>(flags),
                        mode & 07777));
    if (!f.valid()) return Errno::Last();
    HG_ASSIGN_OR_RETURN(NewFile child, Child(name));
    OpenCreateResult r;
    r.child = std::move(child);
    r.open = std::make_unique<TestOpen>(std::move(f), shared(), name.str());
    return r;
  }
  Result<NewFile> Mkdir(const Name& name, uint16_t mode, wire::UID, wire::GID) override {
    stats().calls++;
    if (::mkdirat(fd_.get(), name.c_str(), mode & 07777) != 0) return Errno::Last();
    return Child(name);
  }
  Result<NewFile> Symlink(const Name& name, const SymlinkTarget& target, wire::UID,
                          wire::GID) override {
    stats().calls++;
    if (::symlinkat(target.c_str(), fd_.get(), name.c_str()) != 0) return Errno::Last();
    return Child(name);
  }
  Status Unlink(const Name& name, uint32_t flags) override {
    stats().calls++;
    return StatusFromRet(::unlinkat(fd_.get(), name.c_str(), static_cast<int>(flags)));
  }
  Status RenameAt(const Name& old_name, ControlFdImpl& new_dir, const Name& new_name,
                  uint32_t flags) override {
    stats().calls++;
    auto& nd = static_cast<TestControl&>(new_dir);
    return StatusFromRet(::syscall(SYS_renameat2, fd_.get(), old_name.c_str(), nd.fd_.get(),
                                   new_name.c_str(), flags));
  }
  void Renamed() override { stats().renamed++; }

 private:
  Result<NewFile> Child(const Name& name) {
    UniqueFd c(::openat(fd_.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!c.valid()) return Errno::Last();
    HG_ASSIGN_OR_RETURN(wire::Statx st, StatxOf(c.get()));
    return NewFile{std::make_unique<TestControl>(std::move(c), shared()), st};
  }

  UniqueFd fd_;
};

class TestBackend final : public ConnectionImpl {
 public:
  TestBackend(std::shared_ptr<BackendStats> s, BackendOptions o)
      : stats_(std::move(s)), opts_(std::move(o)) {}
  Result<MountResult> Mount(const MountPoint& mp) override {
    stats_->calls++;
    UniqueFd root(::open(std::string(mp.host_path).c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!root.valid()) return Errno::Last();
    HG_ASSIGN_OR_RETURN(wire::Statx st, StatxOf(root.get()));
    return MountResult{std::make_unique<TestControl>(std::move(root), stats_), st, {}};
  }
  std::vector<wire::MID> SupportedMessages() const override {
    if (!opts_.supported.empty()) return opts_.supported;
    std::vector<wire::MID> all;
    for (uint16_t m = 1; m < wire::kNumMids; ++m) {
      if (m != wire::ToRaw(wire::MID::kFlush)) all.push_back(static_cast<wire::MID>(m));
    }
    return all;
  }
  uint32_t MaxMessageSize() const override {
    return opts_.max_message_size != 0 ? opts_.max_message_size : wire::MaxMessageSize();
  }

 private:
  std::shared_ptr<BackendStats> stats_;
  BackendOptions opts_;
};

int RemoveEntry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }

}  // namespace

std::unique_ptr<ConnectionImpl> MakeTestBackend(std::shared_ptr<BackendStats> stats,
                                                BackendOptions opts) {
  return std::make_unique<TestBackend>(std::move(stats), std::move(opts));
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/hg_server_test.XXXXXX";
  const char* p = ::mkdtemp(tmpl);
  path_ = p != nullptr ? p : "/nonexistent";
}

TempDir::~TempDir() { ::nftw(path_.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS); }

void TempDir::Mkdir(const std::string& rel) const { ::mkdir(Sub(rel).c_str(), 0755); }

void TempDir::WriteFile(const std::string& rel, const std::string& content) const {
  std::ofstream(Sub(rel), std::ios::binary | std::ios::trunc) << content;
}

std::string TempDir::ReadFile(const std::string& rel) const {
  std::ifstream in(Sub(rel), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool TempDir::Exists(const std::string& rel) const {
  struct stat st;
  return ::lstat(Sub(rel).c_str(), &st) == 0;
}

int Resp::err() const {
  if (!transport_ok) return -1;
  if (mid != 0) return 0;
  if (payload.size() < 4) return -1;
  return static_cast<int>(wire::LoadU32(payload.data()));
}

namespace {

Resp FromFrame(transport::Outcome<transport::Frame> f) {
  Resp r;
  if (!f.ok()) {
    r.transport_ok = false;
    r.mid = 0xFFFF;
    return r;
  }
  r.mid = f->mid;
  r.payload.assign(f->payload.begin(), f->payload.end());
  r.fds = std::move(f->fds);
  return r;
}

wire::WalkReq MakeWalk(wire::FDID dir, const std::vector<std::string>& names) {
  wire::WalkReq req{dir, {}};
  for (const std::string& n : names) req.path.push_back(n);
  return req;
}

}  // namespace

Resp ChannelCaller::CallRaw(uint16_t mid, std::span<const uint8_t> payload, uint8_t want_fds) {
  return FromFrame(ch_->Call(mid, payload, want_fds));
}

Resp RawClient::CallRaw(uint16_t mid, std::span<const uint8_t> payload, uint8_t want_fds) {
  if (comm == nullptr) {
    Resp r;
    r.transport_ok = false;
    return r;
  }
  return FromFrame(comm->Call(mid, payload, want_fds));
}

RawClient RawClient::Start(Server& server, const std::string& mount_path, ConnectionOpts opts,
                           std::shared_ptr<BackendStats> stats, BackendOptions backend,
                           ConnectionLimits limits) {
  if (stats == nullptr) stats = std::make_shared<BackendStats>();
  int sv[2] = {-1, -1};
  ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
  RawClient c;
  c.stats = stats;
  ConnectionConfig cfg;
  cfg.mount_path = mount_path;
  cfg.opts = opts;
  cfg.limits = limits;
  cfg.impl = MakeTestBackend(stats, std::move(backend));
  auto conn = server.StartConnection(UniqueFd(sv[0]), std::move(cfg));
  if (conn.ok()) c.conn = *conn;
  auto comm = transport::SocketCommunicator::Create(UniqueFd(sv[1]), transport::Side::kClient,
                                                    wire::MaxMessageSize());
  if (comm.ok()) c.comm = std::move(*comm);
  return c;
}

wire::MountResp RawClient::MountOk() {
  Resp r = CallRaw(wire::ToRaw(wire::MID::kMount), {}, 1);
  if (r.mid != wire::ToRaw(wire::MID::kMount)) return {};
  return r.As<wire::MountResp>();
}

int Caller::Walk(wire::FDID dir, std::vector<std::string> names, wire::WalkResp* out) {
  Resp r = Call(wire::MID::kWalk, MakeWalk(dir, names));
  if (r.err() == 0 && out != nullptr) *out = r.As<wire::WalkResp>();
  return r.err();
}

int Caller::WalkStat(wire::FDID dir, std::vector<std::string> names, wire::WalkStatResp* out) {
  Resp r = Call(wire::MID::kWalkStat, MakeWalk(dir, names));
  if (r.err() == 0 && out != nullptr) *out = r.As<wire::WalkStatResp>();
  return r.err();
}

int Caller::Stat(wire::FDID fd, wire::Statx* out) {
  Resp r = Call(wire::MID::kFStat, wire::StatReq{fd});
  if (r.err() == 0 && out != nullptr) *out = r.As<wire::Statx>();
  return r.err();
}

int Caller::OpenAt(wire::FDID fd, uint32_t flags, wire::FDID* out) {
  Resp r = Call(wire::MID::kOpenAt, wire::OpenAtReq{fd, flags}, 1);
  if (r.err() == 0 && out != nullptr) *out = r.As<wire::OpenAtResp>().open_fd;
  return r.err();
}

int Caller::OpenCreate(wire::FDID dir, const std::string& name, uint32_t flags, wire::FDID* cfd,
                       wire::FDID* ofd) {
  wire::OpenCreateAtReq req;
  req.dir_fd = dir;
  req.mode = 0644;
  req.flags = flags;
  req.name = name;
  Resp r = Call(wire::MID::kOpenCreateAt, req, 1);
  if (r.err() == 0) {
    auto resp = r.As<wire::OpenCreateAtResp>();
    if (cfd != nullptr) *cfd = resp.child.control_fd;
    if (ofd != nullptr) *ofd = resp.new_fd;
  }
  return r.err();
}

int Caller::Mkdir(wire::FDID dir, const std::string& name, wire::FDID* out) {
  wire::MkdirAtReq req;
  req.dir_fd = dir;
  req.mode = 0755;
  req.name = name;
  Resp r = Call(wire::MID::kMkdirAt, req);
  if (r.err() == 0 && out != nullptr) *out = r.As<wire::MkdirAtResp>().child_dir.control_fd;
  return r.err();
}

int Caller::Unlink(wire::FDID dir, const std::string& name, uint32_t flags) {
  return Call(wire::MID::kUnlinkAt, wire::UnlinkAtReq{dir, flags, name}).err();
}

int Caller::Rename(wire::FDID old_dir, const std::string& old_name, wire::FDID new_dir,
                   const std::string& new_name, uint32_t flags) {
  if (flags == 0) {
    return Call(wire::MID::kRenameAt, wire::RenameAtReq{old_dir, new_dir, old_name, new_name})
        .err();
  }
  return Call(wire::MID::kRenameAt2,
              wire::RenameAt2Req{old_dir, new_dir, old_name, new_name, flags})
      .err();
}

int Caller::PRead(wire::FDID fd, uint64_t off, uint32_t count, std::string* out) {
  Resp r = Call(wire::MID::kPRead, wire::PReadReq{off, fd, count});
  if (r.err() == 0 && out != nullptr) {
    auto d = wire::PReadResp::Decode(r.payload, count);
    if (!d.ok()) return -1;
    out->assign(reinterpret_cast<const char*>(d->data.data()), d->data.size());
  }
  return r.err();
}

int Caller::PWrite(wire::FDID fd, uint64_t off, const std::string& data, uint64_t* written) {
  wire::PWriteReq req;
  req.offset = off;
  req.fd = fd;
  req.data = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  Resp r = Call(wire::MID::kPWrite, req);
  if (r.err() == 0 && written != nullptr) *written = r.As<wire::PWriteResp>().count;
  return r.err();
}

int Caller::Getdents(wire::FDID fd, int32_t count, std::vector<std::string>* names) {
  Resp r = Call(wire::MID::kGetdents64, wire::Getdents64Req{fd, count});
  if (r.err() == 0 && names != nullptr) {
    auto d = wire::Getdents64Resp::Decode(r.payload);
    if (!d.ok()) return -1;
    for (const auto& e : d->dirents) names->emplace_back(e.name);
  }
  return r.err();
}

int Caller::Close(std::vector<wire::FDID> fds) {
  return Call(wire::MID::kClose, wire::CloseReq{std::move(fds)}).err();
}

int Caller::FSync(std::vector<wire::FDID> fds) {
  return Call(wire::MID::kFSync, wire::FsyncReq{std::move(fds)}).err();
}

int Caller::OpenChannel(std::unique_ptr<transport::ClientChannel>* out, UniqueFd* memfd_dup,
                        wire::ChannelResp* where) {
  Resp r = CallRaw(wire::ToRaw(wire::MID::kChannel), {}, 2);
  if (r.err() != 0) return r.err();
  auto cr = r.As<wire::ChannelResp>();
  if (where != nullptr) *where = cr;
  if (r.fds.size() != 2 || !r.fds[0].valid() || !r.fds[1].valid()) return -1;
  if (memfd_dup != nullptr) *memfd_dup = UniqueFd(::fcntl(r.fds[0].get(), F_DUPFD_CLOEXEC, 0));
  auto ch = transport::ClientChannel::Create(std::move(r.fds[0]), cr.data_offset, cr.data_length,
                                             std::move(r.fds[1]));
  if (!ch.ok()) return ch.error().value();
  if (!(*ch)->Connect().ok()) return -1;
  *out = std::move(*ch);
  return 0;
}

size_t CountOpenFds() { return transport::testing::CountOpenFds(); }
size_t CountThreads() { return CountThreadsNamed("hg-"); }

}  // namespace hg::server::testing
