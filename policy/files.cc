#include "policy/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/unique_fd.h"
#include "oci/go_compat.h"

namespace hg::policy {

namespace {

Error FileError(Error::Kind kind, const std::string& path, const std::string& why) {
  Error e;
  e.kind = kind;
  e.file = path;
  e.key = path;
  e.message = why;
  return e;
}

}  // namespace

ErrorOr<std::string> ReadSmallFile(const std::string& path, size_t max_bytes, Error::Kind kind) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return FileError(kind, path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return FileError(kind, path, std::string("cannot stat: ") + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return FileError(kind, path, "not a regular file");
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return FileError(kind, path, std::string("read failed: ") + std::strerror(errno));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      return FileError(kind, path,
                       "larger than " + std::to_string(max_bytes) + " bytes; is this the right file?");
    }
  }
  return out;
}

ErrorOr<std::string> AbsolutePath(const std::string& path) {
  if (oci::GoPathIsAbs(path)) return oci::GoPathClean(path);
  char cwd[4096];
  if (::getcwd(cwd, sizeof(cwd)) == nullptr) {
    return FileError(Error::Kind::kSpec, path,
                     std::string("cannot make the path absolute: getcwd: ") + std::strerror(errno));
  }
  return oci::GoPathJoin(cwd, path);
}

}  // namespace hg::policy
