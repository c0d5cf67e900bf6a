#include "tests/escape/world.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace hg::escape {
namespace {

using path_walk::testing::SetupCheck;

// A fixed time in the past: any write, create or unlink sets "now" instead.
constexpr struct timespec kPast = {1000000000, 123456789};

void SetPastTimes(const std::string& path) {
  const struct timespec times[2] = {kPast, kPast};
  SetupCheck(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0, path);
}

UniqueFd OpenDir(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  SetupCheck(fd.valid(), path);
  return fd;
}

std::int64_t Ns(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

std::string ReadContent(int dirfd, const char* name, mode_t mode) {
  if (S_ISLNK(mode)) {
    char buf[4096];
    ssize_t n = ::readlinkat(dirfd, name, buf, sizeof(buf));
    return n < 0 ? std::string("<readlink failed>") : std::string(buf, static_cast<size_t>(n));
  }
  if (!S_ISREG(mode)) return "";
  UniqueFd fd(::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME));
  if (!fd.valid()) fd.reset(::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return "<open failed>";
  return path_walk::testing::ReadAll(fd.get());
}

}  // namespace

World::World() {
  tree.MkDir("root");
  tree.MkDir("outside", 0755);
  tree.MkDir("away");
  tree.WriteFile("outside/canary.txt", kCanaryText, 0640);
  tree.WriteFile("outside/f", kOutsideF, 0600);
  tree.MkDir("outside/sub", 0750);
  tree.WriteFile("outside/sub/g", "OUTSIDE-G", 0644);
  tree.MkDir("outside/canary_dir", 0711);
  tree.WriteFile("outside/canary_dir/inner.txt", "INNER", 0400);
  tree.WriteFile("outside/hostlinked.txt", kHostLinked, 0644);
  // The "host" hard-links an outside file into the served tree: not
  // something path_walk can prevent (docs/threat-model.md, not protected).
  SetupCheck(::link(Path("outside/hostlinked.txt").c_str(), Path("root/hostlink").c_str()) == 0,
             "host hard link");

  listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  SetupCheck(listener_.valid(), "socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string sock = Path("outside/listen.sock");
  SetupCheck(sock.size() < sizeof(addr.sun_path), "socket path length");
  std::memcpy(addr.sun_path, sock.c_str(), sock.size() + 1);
  SetupCheck(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0,
             "bind listener");
  SetupCheck(::listen(listener_.get(), 8) == 0, "listen");

  for (const char* p : {"outside/canary.txt", "outside/f", "outside/sub/g", "outside/sub",
                        "outside/canary_dir/inner.txt", "outside/canary_dir",
                        "outside/hostlinked.txt", "outside/listen.sock", "outside"}) {
    SetPastTimes(Path(p));
  }
  base_fd_ = OpenDir(tree.base());
  root_fd_ = OpenDir(Path("root"));
  outside_fd_ = OpenDir(Path("outside"));
  away_fd_ = OpenDir(Path("away"));
}

World::Snapshot World::Take(const std::set<std::string>& skip_in_away) const {
  Snapshot snap;
  // Base directory: names and types only (the served root changes freely).
  {
    int fd = ::openat(base_fd_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* d = fd < 0 ? nullptr : ::fdopendir(fd);
    if (d == nullptr) {
      snap["<base unreadable>"] = Record{};
      if (fd >= 0) ::close(fd);
    } else {
      while (struct dirent* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
        struct stat st {};
        Record r;
        if (::fstatat(base_fd_.get(), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
          r.mode = st.st_mode & S_IFMT;
          r.ino = st.st_ino;
        }
        snap[std::string("base:") + e->d_name] = r;
      }
      ::closedir(d);
    }
  }
  // Recursive records below outside/ and away/.
  struct Pending {
    int parent;  // borrowed
    std::string name;
    std::string key;
    bool in_away;
  };
  std::vector<UniqueFd> open_dirs;
  std::vector<Pending> todo{{base_fd_.get(), "outside", "outside", false},
                            {base_fd_.get(), "away", "away", true}};
  while (!todo.empty()) {
    Pending p = todo.back();
    todo.pop_back();
    struct stat st {};
    if (::fstatat(p.parent, p.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      snap[p.key] = Record{0, 0, 0, 0, 0, 0, "<missing>"};
      continue;
    }
    Record r;
    r.mode = st.st_mode;
    r.ino = st.st_ino;
    r.nlink = st.st_nlink;
    if (!(p.in_away && p.key == "away")) {
      // away/ itself changes whenever the host parks something there.
      r.size = S_ISDIR(st.st_mode) ? 0 : static_cast<std::uint64_t>(st.st_size);
      r.mtime_ns = Ns(st.st_mtim);
      r.ctime_ns = Ns(st.st_ctim);
      r.content = ReadContent(p.parent, p.name.c_str(), st.st_mode);
    } else {
      r.nlink = 0;
    }
    snap[p.key] = r;
    if (!S_ISDIR(st.st_mode)) continue;
    UniqueFd dfd(
        ::openat(p.parent, p.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dfd.valid()) {
      snap[p.key + "/<unreadable>"] = Record{};
      continue;
    }
    int listing_fd = ::dup(dfd.get());
    DIR* d = listing_fd < 0 ? nullptr : ::fdopendir(listing_fd);
    if (d == nullptr) {
      if (listing_fd >= 0) ::close(listing_fd);
      continue;
    }
    while (struct dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      if (p.key == "away" && skip_in_away.count(e->d_name) != 0) continue;
      todo.push_back({dfd.get(), e->d_name, p.key + "/" + e->d_name, p.in_away});
    }
    ::closedir(d);
    open_dirs.push_back(std::move(dfd));
  }
  return snap;
}

void World::Seal() {
  sealed_ = Take({});
  outside_ids_.clear();
  // Every object below outside/ and away/, the base and its parent, plus
  // host objects an escaped lookup would most likely reach.
  std::vector<std::string> paths{tree.base(),  "/tmp",          "/",
                                 "/etc",       "/etc/passwd",   "/proc",
                                 "/proc/self", Path("outside"), Path("away")};
  std::vector<std::string> dirs{Path("outside"), Path("away")};
  while (!dirs.empty()) {
    std::string dir = dirs.back();
    dirs.pop_back();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) continue;
    while (struct dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      std::string child = dir + "/" + e->d_name;
      paths.push_back(child);
      struct stat st {};
      if (::lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) dirs.push_back(child);
    }
    ::closedir(d);
  }
  for (const std::string& p : paths) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) == 0) outside_ids_.insert({st.st_dev, st.st_ino});
    if (::stat(p.c_str(), &st) == 0) outside_ids_.insert({st.st_dev, st.st_ino});
  }
}

std::string World::CanaryDiff(const std::set<std::string>& allowed_in_away) const {
  if (sealed_.empty()) return "world was never sealed\n";
  const Snapshot now = Take(allowed_in_away);
  std::string diff;
  for (const auto& [key, rec] : sealed_) {
    auto it = now.find(key);
    if (it == now.end()) {
      diff += "removed: " + key + "\n";
    } else if (!(it->second == rec)) {
      const Record& n = it->second;
      diff += "changed: " + key;
      if (n.mode != rec.mode) diff += " mode";
      if (n.ino != rec.ino) diff += " inode";
      if (n.size != rec.size) diff += " size";
      if (n.nlink != rec.nlink) diff += " nlink";
      if (n.mtime_ns != rec.mtime_ns) diff += " mtime";
      if (n.ctime_ns != rec.ctime_ns) diff += " ctime";
      if (n.content != rec.content) diff += " content";
      diff += "\n";
    }
  }
  for (const auto& [key, rec] : now) {
    if (sealed_.count(key) == 0) diff += "new entry: " + key + "\n";
  }
  if (!ListenerUntouched()) diff += "the outside listener received a connection\n";
  return diff;
}

bool World::IsOutside(std::uint64_t dev, std::uint64_t ino) const {
  return outside_ids_.count({dev, ino}) != 0;
}

bool World::IsOutside(const Statx& st) const {
  return IsOutside(path_walk::StatxDev(st), st.stx_ino);
}

bool World::ListenerUntouched() const {
  UniqueFd c(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  return !c.valid() && (errno == EAGAIN || errno == EWOULDBLOCK);
}

MountRoot World::OpenRoot(Resolver r, bool no_xdev) const {
  path_walk::Options o;
  o.resolver = r;
  o.no_xdev = no_xdev;
  auto root = path_walk::OpenMountRoot(Path("root"), o);
  SetupCheck(root.ok(), "OpenMountRoot");
  return std::move(root).value();
}

std::uint64_t World::Ino(const std::string& rel) const {
  struct stat st {};
  SetupCheck(::lstat(Path(rel).c_str(), &st) == 0, rel);
  return st.st_ino;
}

}  // namespace hg::escape
