#include "tests/e2e/workload.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "gofer/client/scoped_fd_id.h"

namespace hg::e2e {
namespace {

using client::Client;
using client::ScopedFdId;
using wire::MID;

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

std::string HostRead(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool HostExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// True if the gofer serves every message of a step. Otherwise the first one
// it does not serve is sent anyway (the client alone would refuse it
// locally): the gofer must answer EOPNOTSUPP and stay up.
bool Served(Client& c, WorkloadResult& res, std::initializer_list<MID> mids) {
  for (MID m : mids) {
    if (c.IsSupported(m)) continue;
    auto r = c.RawCall(wire::ToRaw(m), {}, 0);
    EXPECT_TRUE(r.ok()) << wire::MidName(m) << ": the gofer did not answer";
    if (r.ok()) {
      EXPECT_EQ(r->mid, wire::ToRaw(MID::kError)) << wire::MidName(m);
      uint32_t err = 0;
      if (r->payload.size() >= 4) std::memcpy(&err, r->payload.data(), 4);
      EXPECT_EQ(err, static_cast<uint32_t>(EOPNOTSUPP)) << wire::MidName(m);
    }
    res.refused.insert(std::string(wire::MidName(m)));
    return false;
  }
  ++res.steps_run;
  return true;
}

std::vector<std::string> List(Client& c, wire::FDID dir) {
  std::vector<std::string> names;
  auto o = c.OpenAt(dir, O_RDONLY);
  if (!o.ok()) {
    ADD_FAILURE() << "OpenAt(dir): " << o.error().ToString();
    return names;
  }
  for (int round = 0; round < 100; ++round) {
    auto d = c.Getdents64(o->open_fd, 65536);
    if (!d.ok()) {
      ADD_FAILURE() << "Getdents64: " << d.error().ToString();
      break;
    }
    if (d->empty()) break;
    for (const auto& e : *d) names.push_back(e.name);
  }
  c.CloseFd(o->open_fd, true);
  std::sort(names.begin(), names.end());
  return names;
}

// A control FD for `name` in the mount root (Walk is served by every policy
// that serves Mount: it needs only openat2 and statx on an FD).
ScopedFdId WalkTo(Client& c, const std::string& name) {
  auto w = c.Walk(c.root_fd(), {name});
  EXPECT_TRUE(w.ok() && w->inodes.size() == 1)
      << "Walk " << name << ": "
      << (w.ok() ? std::to_string(w->inodes.size()) + " inodes" : w.error().ToString());
  if (!w.ok() || w->inodes.size() != 1) return ScopedFdId();
  return ScopedFdId(&c, w->inodes[0].control_fd);
}

// The file's contents read through the gofer (a fresh open, so nothing
// cached in the open FD of the writer can hide a wrong answer).
std::string ClientRead(Client& c, wire::FDID file) {
  auto o = c.OpenAt(file, O_RDONLY);
  EXPECT_TRUE(o.ok()) << "OpenAt(O_RDONLY): " << (o.ok() ? "" : o.error().ToString());
  if (!o.ok()) return "";
  std::vector<uint8_t> buf(65536);
  auto r = c.PRead(o->open_fd, 0, buf);
  EXPECT_TRUE(r.ok()) << "PRead";
  c.CloseFd(o->open_fd, true);
  return r.ok() ? std::string(buf.begin(), buf.begin() + static_cast<long>(*r)) : "";
}

}  // namespace

WorkloadResult WritableWorkload(Client& c, const std::string& host_dir, WorkloadOptions opts) {
  WorkloadResult res;
  const wire::FDID root = c.root_fd();
  const uint32_t uid = ::getuid(), gid = ::getgid();
  EXPECT_TRUE(c.IsSupported(MID::kWalk));
  const std::string text = "hello through the confined gofer\n";
  struct stat st {};

  // Create, write, read back, sync; the host sees the bytes.
  if (Served(c, res, {MID::kOpenCreateAt, MID::kPWrite, MID::kPRead, MID::kFSync})) {
    auto f = c.OpenCreateAt(root, "file", O_RDWR, 0644, uid, gid);
    EXPECT_TRUE(f.ok()) << "OpenCreateAt: " << f.error().ToString();
    if (f.ok()) {
      c.CloseFd(f->child.control_fd);
      auto w = c.PWrite(f->open_fd, 0, Bytes(text));
      EXPECT_TRUE(w.ok() && *w == text.size()) << "PWrite";
      std::vector<uint8_t> buf(256);
      auto r = c.PRead(f->open_fd, 0, buf);
      EXPECT_TRUE(r.ok()) << "PRead";
      if (r.ok()) {
        EXPECT_EQ(std::string(buf.begin(), buf.begin() + static_cast<long>(*r)), text);
      }
      const wire::FDID ofd = f->open_fd;
      EXPECT_TRUE(c.FSync(std::span<const wire::FDID>(&ofd, 1)).ok());
      c.CloseFd(f->open_fd, true);
    }
  }
  if (!HostExists(host_dir + "/file")) {
    // The later steps need it. A plaintext file written behind a
    // transforming backend's back would not be one it can read: that
    // backend's own format, or nothing.
    if (opts.host_contents) {
      std::ofstream(host_dir + "/file") << text;
    } else if (!opts.seed_file) {
      ADD_FAILURE() << "OpenCreateAt is not served and no seed_file: no file to work on";
      return res;
    } else {
      EXPECT_TRUE(opts.seed_file(host_dir + "/file", text)) << "seed_file";
    }
  }
  if (opts.host_contents) {
    EXPECT_EQ(HostRead(host_dir + "/file"), text);
  } else {
    EXPECT_EQ(HostRead(host_dir + "/file").find(text), std::string::npos)
        << "the plaintext is on the host";
  }
  ScopedFdId file = WalkTo(c, "file");
  if (!opts.host_contents) {
    EXPECT_EQ(ClientRead(c, file.get()), text);
  }

  // Appending through a fresh open (also where OpenCreateAt is refused), read
  // back whole; then the file is `text` again.
  if (Served(c, res, {MID::kOpenAt, MID::kPWrite, MID::kPRead, MID::kFSync})) {
    const std::string tail = "appended\n";
    auto o = c.OpenAt(file.get(), O_RDWR);
    EXPECT_TRUE(o.ok()) << "OpenAt(O_RDWR): " << (o.ok() ? "" : o.error().ToString());
    if (o.ok()) {
      auto w = c.PWrite(o->open_fd, text.size(), Bytes(tail));
      EXPECT_TRUE(w.ok() && *w == tail.size()) << "PWrite at the end";
      const wire::FDID ofd = o->open_fd;
      EXPECT_TRUE(c.FSync(std::span<const wire::FDID>(&ofd, 1)).ok());
      std::vector<uint8_t> buf(256);
      auto r = c.PRead(o->open_fd, 0, buf);
      EXPECT_TRUE(r.ok()) << "PRead";
      if (r.ok()) {
        EXPECT_EQ(std::string(buf.begin(), buf.begin() + static_cast<long>(*r)), text + tail);
      }
      c.CloseFd(o->open_fd, true);
    }
    const std::string host = HostRead(host_dir + "/file");
    if (opts.host_contents) {
      EXPECT_EQ(host, text + tail);
    } else {
      EXPECT_EQ(host.find(tail), std::string::npos) << "the plaintext is on the host";
    }
    // Back to `text` for the steps below (they only read its first bytes
    // when SetStat is not served).
    if (c.IsSupported(MID::kSetStat)) {
      wire::SetStatReq trunc;
      trunc.fd = file.get();
      trunc.mask = STATX_SIZE;
      trunc.size = text.size();
      auto ts = c.SetStat(trunc);
      EXPECT_TRUE(ts.ok() && ts->failure_mask == 0) << "SetStat(size)";
    }
  }

  // FAllocate (mode 0) grows the file as fallocate(2) does.
  if (Served(c, res, {MID::kOpenAt, MID::kFAllocate})) {
    auto o = c.OpenAt(file.get(), O_RDWR);
    EXPECT_TRUE(o.ok()) << "OpenAt: " << o.error().ToString();
    if (o.ok()) {
      Status fa = c.FAllocate(o->open_fd, 0, 0, 8192);
      EXPECT_TRUE(fa.ok()) << "FAllocate: " << (fa.ok() ? "" : fa.error().ToString());
      if (opts.host_contents) {
        EXPECT_EQ(::stat((host_dir + "/file").c_str(), &st), 0);
        EXPECT_EQ(st.st_size, 8192);
      } else {
        auto fs = c.FStat(file.get());
        EXPECT_TRUE(fs.ok() && fs->size == 8192u) << "FStat after FAllocate";
        EXPECT_EQ(ClientRead(c, file.get()).substr(0, text.size()), text);
      }
      c.CloseFd(o->open_fd, true);
    }
  }

  // SetStat: mode, size and mtime; FStat and the host agree.
  if (Served(c, res, {MID::kSetStat, MID::kFStat})) {
    wire::SetStatReq req;
    req.fd = file.get();
    req.mask = STATX_MODE | STATX_SIZE | STATX_MTIME;
    req.mode = 0600;
    req.size = 5;
    req.mtime = {1000000000, 0};
    auto ss = c.SetStat(req);
    EXPECT_TRUE(ss.ok() && ss->failure_mask == 0) << "SetStat";
    EXPECT_EQ(::stat((host_dir + "/file").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    if (opts.host_contents) {
      EXPECT_EQ(st.st_size, 5);
      EXPECT_EQ(st.st_mtim.tv_sec, 1000000000);
    }
    auto fs = c.FStat(file.get());
    EXPECT_TRUE(fs.ok()) << "FStat";
    if (fs.ok()) {
      EXPECT_EQ(fs->size, 5u);
      EXPECT_EQ(fs->ino, st.st_ino);
      EXPECT_EQ(fs->mode & 07777, 0600u);
      EXPECT_EQ(fs->mtime.sec, 1000000000);
    }
    if (!opts.host_contents) {
      EXPECT_EQ(ClientRead(c, file.get()), text.substr(0, 5));
    }
  }

  // Xattrs (user namespace), compared with what the host filesystem does.
  if (Served(c, res, {MID::kFSetXattr, MID::kFGetXattr, MID::kFListXattr, MID::kFRemoveXattr})) {
    const bool host_xattrs =
        ::setxattr((host_dir + "/file").c_str(), "user.probe", "1", 1, 0) == 0 &&
        ::removexattr((host_dir + "/file").c_str(), "user.probe") == 0;
    Status sx = c.FSetXattr(file.get(), "user.color", "blue", 0);
    EXPECT_EQ(sx.ok(), host_xattrs);
    if (host_xattrs && sx.ok()) {
      auto gx = c.FGetXattr(file.get(), "user.color", 64);
      EXPECT_TRUE(gx.ok() && *gx == "blue") << "FGetXattr";
      auto lx = c.FListXattr(file.get(), 4096);
      EXPECT_TRUE(lx.ok() && std::find(lx->begin(), lx->end(), "user.color") != lx->end());
      char v[16] = {};
      EXPECT_EQ(::getxattr((host_dir + "/file").c_str(), "user.color", v, 15), 4);
      EXPECT_TRUE(c.FRemoveXattr(file.get(), "user.color").ok());
      auto gone = c.FGetXattr(file.get(), "user.color", 64);
      EXPECT_TRUE(!gone.ok() && gone.error() == Errno(ENODATA));
    }
    // A namespace the mount does not serve: refused before any syscall.
    Status tx = c.FSetXattr(file.get(), "trusted.x", "1", 0);
    EXPECT_TRUE(!tx.ok() && tx.error() == Errno(EOPNOTSUPP));
  }

  // Directories, symlinks, hard links, renames.
  if (Served(c, res, {MID::kMkdirAt})) {
    auto d = c.MkdirAt(root, "dir", 0755, uid, gid);
    EXPECT_TRUE(d.ok()) << "MkdirAt";
    if (d.ok()) c.CloseFd(d->control_fd);
    EXPECT_TRUE(HostExists(host_dir + "/dir"));
  }
  if (!HostExists(host_dir + "/dir")) ::mkdir((host_dir + "/dir").c_str(), 0755);
  if (Served(c, res, {MID::kSymlinkAt, MID::kReadLinkAt})) {
    auto sl = c.SymlinkAt(root, "link", "file", uid, gid);
    EXPECT_TRUE(sl.ok()) << "SymlinkAt";
    if (sl.ok()) {
      auto target = c.ReadLinkAt(sl->control_fd);
      EXPECT_TRUE(target.ok() && *target == "file") << "ReadLinkAt";
      c.CloseFd(sl->control_fd);
    }
    char buf[16] = {};
    EXPECT_EQ(::readlink((host_dir + "/link").c_str(), buf, sizeof(buf) - 1), 4);
  }
  if (Served(c, res, {MID::kLinkAt})) {
    auto hl = c.LinkAt(root, file.get(), "hard");
    EXPECT_TRUE(hl.ok()) << "LinkAt";
    if (hl.ok()) c.CloseFd(hl->control_fd);
    EXPECT_EQ(::stat((host_dir + "/hard").c_str(), &st), 0);
    EXPECT_EQ(st.st_nlink, 2u);
  }
  if (Served(c, res, {MID::kRenameAt, MID::kRenameAt2})) {
    ScopedFdId dir = WalkTo(c, "dir");
    Status rn = c.RenameAt(root, "file", dir.get(), "moved");
    EXPECT_TRUE(rn.ok()) << "RenameAt";
    EXPECT_FALSE(HostExists(host_dir + "/file"));
    EXPECT_TRUE(HostExists(host_dir + "/dir/moved"));
    Status rn2 = c.RenameAt2(dir.get(), "moved", root, "file", RENAME_NOREPLACE);
    EXPECT_TRUE(rn2.ok()) << "RenameAt2";
    EXPECT_TRUE(HostExists(host_dir + "/file"));
  }

  // Walking and stat'ing by name.
  if (Served(c, res, {MID::kWalkStat})) {
    auto ws = c.WalkStat(root, {"dir"});
    EXPECT_TRUE(ws.ok() && ws->size() == 1 && S_ISDIR((*ws)[0].mode)) << "WalkStat";
  }

  // Listing matches the host.
  if (Served(c, res, {MID::kOpenAt, MID::kGetdents64})) {
    std::vector<std::string> want = {".", "..", "dir", "file"};
    if (HostExists(host_dir + "/hard")) want.push_back("hard");
    if (HostExists(host_dir + "/link")) want.push_back("link");
    std::sort(want.begin(), want.end());
    EXPECT_EQ(List(c, root), want);
  }

  if (Served(c, res, {MID::kFStatFS})) {
    auto sfs = c.FStatFS(root);
    EXPECT_TRUE(sfs.ok() && sfs->block_size > 0) << "FStatFS";
  }

  // Device nodes are never created (fsgofer's rule, before any syscall).
  if (Served(c, res, {MID::kMknodAt})) {
    auto dev = c.MknodAt(root, "dev", S_IFCHR | 0600, uid, gid, 3, 1);
    EXPECT_TRUE(!dev.ok() && dev.error() == Errno(EPERM));
  }

  // Clean up through the gofer when it may; the host directory ends empty.
  file = ScopedFdId();
  if (Served(c, res, {MID::kUnlinkAt})) {
    for (const char* n : {"hard", "link", "file"}) {
      if (HostExists(host_dir + "/" + n)) {
        EXPECT_TRUE(c.UnlinkAt(root, n, 0).ok()) << n;
      }
    }
    EXPECT_TRUE(c.UnlinkAt(root, "dir", AT_REMOVEDIR).ok());
  } else {
    for (const char* n : {"hard", "link", "file"}) ::unlink((host_dir + "/" + n).c_str());
    ::rmdir((host_dir + "/dir").c_str());
  }
  EXPECT_FALSE(HostExists(host_dir + "/file"));
  EXPECT_FALSE(HostExists(host_dir + "/dir"));
  EXPECT_TRUE(c.FlushCloses().ok());
  // Whatever was refused, the gofer is still serving.
  EXPECT_TRUE(c.Walk(root, {"nothing-here"}).ok());
  return res;
}

WorkloadResult ReadonlyWorkload(Client& c, const std::string& file, const std::string& contents) {
  WorkloadResult res;
  const wire::FDID root = c.root_fd();
  std::vector<std::string> parts;
  std::stringstream ss(file);
  for (std::string p; std::getline(ss, p, '/');) parts.push_back(p);
  if (Served(c, res, {MID::kWalkStat})) {
    auto ws = c.WalkStat(root, std::span<const std::string>(parts));
    EXPECT_TRUE(ws.ok() && ws->size() == parts.size()) << "WalkStat";
  }
  auto w = c.Walk(root, std::span<const std::string>(parts));
  EXPECT_TRUE(w.ok() && w->inodes.size() == parts.size()) << "Walk";
  if (!w.ok() || w->inodes.size() != parts.size()) return res;
  for (size_t i = 0; i + 1 < w->inodes.size(); ++i) c.CloseFd(w->inodes[i].control_fd);
  ScopedFdId f(&c, w->inodes.back().control_fd);
  if (Served(c, res, {MID::kOpenAt, MID::kPRead})) {
    auto o = c.OpenAt(f.get(), O_RDONLY);
    EXPECT_TRUE(o.ok()) << "OpenAt";
    if (o.ok()) {
      std::vector<uint8_t> buf(4096);
      auto r = c.PRead(o->open_fd, 0, buf);
      EXPECT_TRUE(r.ok()) << "PRead";
      if (r.ok()) {
        EXPECT_EQ(std::string(buf.begin(), buf.begin() + static_cast<long>(*r)), contents);
      }
      c.CloseFd(o->open_fd, true);
    }
    // Writing is EROFS.
    auto open_w = c.OpenAt(f.get(), O_WRONLY);
    EXPECT_TRUE(!open_w.ok() && open_w.error() == Errno(EROFS));
  }
  if (Served(c, res, {MID::kOpenAt, MID::kGetdents64})) {
    EXPECT_FALSE(List(c, root).empty());
  }
  if (Served(c, res, {MID::kFStatFS})) {
    EXPECT_TRUE(c.FStatFS(root).ok());
  }
  if (Served(c, res, {MID::kFListXattr})) {
    EXPECT_TRUE(c.FListXattr(f.get(), 4096).ok());
  }

  // Every mutation the gofer serves at all is EROFS here.
  if (Served(c, res, {MID::kMkdirAt})) {
    auto mk = c.MkdirAt(root, "nope", 0755, 0, 0);
    EXPECT_TRUE(!mk.ok() && mk.error() == Errno(EROFS));
  }
  if (Served(c, res, {MID::kOpenCreateAt})) {
    auto cr = c.OpenCreateAt(root, "nope", O_RDWR, 0644, 0, 0);
    EXPECT_TRUE(!cr.ok() && cr.error() == Errno(EROFS));
  }
  if (Served(c, res, {MID::kUnlinkAt})) {
    Status ul = c.UnlinkAt(root, parts[0], 0);
    EXPECT_TRUE(!ul.ok() && ul.error() == Errno(EROFS));
  }
  if (Served(c, res, {MID::kFSetXattr})) {
    Status sx = c.FSetXattr(f.get(), "user.x", "1", 0);
    EXPECT_TRUE(!sx.ok() && sx.error() == Errno(EROFS));
  }
  EXPECT_TRUE(c.FlushCloses().ok());
  return res;
}

namespace {

UniqueFd HostUnixSocket() { return UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)); }

bool HostAddress(const std::string& path, sockaddr_un* sa) {
  *sa = {};
  sa->sun_family = AF_UNIX;
  if (path.size() >= sizeof(sa->sun_path)) return false;
  std::memcpy(sa->sun_path, path.data(), path.size());
  return true;
}

// "ping" one way, "pong" the other.
void ExpectBytesCross(int a, int b, const char* what) {
  char buf[8] = {};
  EXPECT_EQ(::send(a, "ping", 4, MSG_NOSIGNAL), 4) << what;
  EXPECT_EQ(::recv(b, buf, 4, MSG_WAITALL), 4) << what;
  EXPECT_EQ(std::string(buf, 4), "ping") << what;
  EXPECT_EQ(::send(b, "pong", 4, MSG_NOSIGNAL), 4) << what;
  EXPECT_EQ(::recv(a, buf, 4, MSG_WAITALL), 4) << what;
  EXPECT_EQ(std::string(buf, 4), "pong") << what;
}

void BindListenAccept(Client& c, WorkloadResult& res, const std::string& host_dir, bool readonly) {
  const wire::FDID root = c.root_fd();
  if (!Served(c, res, {MID::kBindAt, MID::kListen, MID::kAccept})) return;
  auto b = c.BindAt(root, "uds", SOCK_STREAM, 0600, ::getuid(), ::getgid());
  if (readonly) {
    EXPECT_TRUE(!b.ok() && b.error() == Errno(EROFS)) << "BindAt on a read-only mount";
    return;
  }
  ASSERT_TRUE(b.ok()) << "BindAt: " << b.error().ToString();
  ScopedFdId child(&c, b->child.control_fd);
  EXPECT_TRUE(HostExists(host_dir + "/uds"));
  Status l = c.Listen(b->bound_socket_fd, 8);
  EXPECT_TRUE(l.ok()) << "Listen: " << (l.ok() ? "" : l.error().ToString());
  UniqueFd peer = HostUnixSocket();
  sockaddr_un sa;
  ASSERT_TRUE(HostAddress(host_dir + "/uds", &sa));
  ASSERT_EQ(::connect(peer.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0)
      << "host connect: " << std::strerror(errno);
  auto a = c.Accept(b->bound_socket_fd);
  EXPECT_TRUE(a.ok()) << "Accept: " << (a.ok() ? "" : a.error().ToString());
  if (a.ok()) ExpectBytesCross(peer.get(), a->fd.get(), "BindAt/Accept");
  c.CloseFd(b->bound_socket_fd);
  child = ScopedFdId();
  if (c.IsSupported(MID::kUnlinkAt)) {
    EXPECT_TRUE(c.UnlinkAt(root, "uds", 0).ok());
  } else {
    ::unlink((host_dir + "/uds").c_str());
  }
}

void ConnectToHost(Client& c, WorkloadResult& res, const std::string& host_dir) {
  if (!Served(c, res, {MID::kConnect, MID::kConnectWithCreds})) return;
  const std::string path = host_dir + "/hostsock";
  UniqueFd listener = HostUnixSocket();
  sockaddr_un sa;
  ASSERT_TRUE(HostAddress(path, &sa));
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0)
      << std::strerror(errno);
  ASSERT_EQ(::listen(listener.get(), 8), 0);
  {
    ScopedFdId sock = WalkTo(c, "hostsock");
    auto plain = c.Connect(sock.get(), SOCK_STREAM);
    EXPECT_TRUE(plain.ok()) << "Connect: " << (plain.ok() ? "" : plain.error().ToString());
    if (plain.ok()) {
      UniqueFd server(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
      ASSERT_TRUE(server.valid());
      ExpectBytesCross(plain->get(), server.get(), "Connect");
    }
    auto creds = c.ConnectWithCreds(sock.get(), SOCK_STREAM, ::getuid(), ::getgid());
    EXPECT_TRUE(creds.ok()) << "ConnectWithCreds: " << (creds.ok() ? "" : creds.error().ToString());
    if (creds.ok()) {
      UniqueFd server(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
      ASSERT_TRUE(server.valid());
      ucred cr{};
      socklen_t len = sizeof(cr);
      EXPECT_EQ(::getsockopt(server.get(), SOL_SOCKET, SO_PEERCRED, &cr, &len), 0);
      EXPECT_EQ(cr.uid, ::getuid());
      ExpectBytesCross(creds->get(), server.get(), "ConnectWithCreds");
    }
  }
  ::unlink(path.c_str());
}

}  // namespace

WorkloadResult HostUdsWorkload(Client& c, const std::string& host_dir, const std::string& host_uds,
                               bool readonly) {
  WorkloadResult res;
  if (host_uds == "create" || host_uds == "all") BindListenAccept(c, res, host_dir, readonly);
  if (host_uds == "open" || host_uds == "all") ConnectToHost(c, res, host_dir);
  EXPECT_TRUE(c.FlushCloses().ok());
  // Whatever was refused, the gofer is still serving.
  EXPECT_TRUE(c.Walk(c.root_fd(), {"nothing-here"}).ok());
  return res;
}

}  // namespace hg::e2e
