#include "gofer/fsgofer/mount_table.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace hg::fsgofer {
namespace {

// Decodes the octal escapes the kernel uses for ' ', '\t', '\n' and '\\'.
bool Unescape(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 3 >= in.size()) return false;
    int v = 0;
    for (size_t k = 1; k <= 3; ++k) {
      const char c = in[i + k];
      if (c < '0' || c > '7') return false;
      v = v * 8 + (c - '0');
    }
    out->push_back(static_cast<char>(v));
    i += 3;
  }
  return true;
}

bool ParseU64(std::string_view s, uint64_t* v) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

const std::vector<std::string>* MountSnapshot::MountPointsIn(const std::string& dir) const {
  auto it = by_dir.find(dir);
  return it == by_dir.end() ? nullptr : &it->second;
}

Result<MountSnapshot> ParseMountInfo(std::string_view text) {
  MountSnapshot s;
  std::string point;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty()) continue;
    // Fields: ID PARENT MAJ:MIN ROOT MOUNTPOINT ...
    std::string_view f[5];
    size_t pos = 0;
    for (int k = 0; k < 5; ++k) {
      size_t sp = line.find(' ', pos);
      if (sp == std::string_view::npos) {
        if (k < 4) return Errno(EINVAL);
        sp = line.size();
      }
      f[k] = line.substr(pos, sp - pos);
      pos = sp + 1;
    }
    uint64_t id = 0, parent = 0;
    if (!ParseU64(f[0], &id) || !ParseU64(f[1], &parent)) return Errno(EINVAL);
    if (!Unescape(f[4], &point) || point.empty() || point[0] != '/') return Errno(EINVAL);
    if (point == "/" || id == parent) continue;  // a namespace root has no entry to mark
    s.parents.insert(parent);
    size_t slash = point.rfind('/');
    std::string dir = slash == 0 ? "/" : point.substr(0, slash);
    s.by_dir[dir].push_back(point.substr(slash + 1));
  }
  return s;
}

Result<std::shared_ptr<MountTable>> MountTable::Open(std::string_view proc_mount) {
  if (proc_mount.empty() || proc_mount[0] != '/') return Errno(EINVAL);
  std::string path(proc_mount);
  path += "/self/mountinfo";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return Errno::Last();
  std::shared_ptr<MountTable> t(new MountTable(std::move(fd)));
  {
    std::lock_guard<std::mutex> l(t->mu_);
    HG_RETURN_IF_ERROR(t->Reread());
  }
  return t;
}

Status MountTable::Reread() {
  if (::lseek(fd_.get(), 0, SEEK_SET) < 0) return Errno::Last();
  buf_.clear();
  char chunk[16384];
  for (;;) {
    ssize_t n = ::read(fd_.get(), chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno::Last();
    if (n == 0) break;
    buf_.append(chunk, static_cast<size_t>(n));
  }
  HG_ASSIGN_OR_RETURN(MountSnapshot s, ParseMountInfo(buf_));
  snap_ = std::make_shared<const MountSnapshot>(std::move(s));
  ++reads_;
  return Status::Ok();
}

Result<std::shared_ptr<const MountSnapshot>> MountTable::Current() {
  std::lock_guard<std::mutex> l(mu_);
  // The poll consumes the change notification; reading follows it.
  pollfd p{fd_.get(), POLLPRI, 0};
  int n = ::poll(&p, 1, 0);
  if (n < 0) return Errno::Last();
  if (n > 0 && (p.revents & (POLLPRI | POLLERR))) HG_RETURN_IF_ERROR(Reread());
  return snap_;
}

uint64_t MountTable::reads() const {
  std::lock_guard<std::mutex> l(mu_);
  return reads_;
}

}  // namespace hg::fsgofer
