#include "path_walk/testing/temp_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/unique_fd.h"

namespace hg::path_walk::testing {

void SetupCheck(bool ok, std::string_view what) {
  if (ok) return;
  std::fprintf(stderr, "test setup failed: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               std::strerror(errno));
  std::abort();
}

TempTree::TempTree() {
  char tmpl[] = "/tmp/hg-pw-XXXXXX";
  SetupCheck(::mkdtemp(tmpl) != nullptr, "mkdtemp");
  base_ = tmpl;
}

TempTree::~TempTree() {
  UniqueFd tmp(::open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (tmp.valid()) (void)RemoveTreeAt(tmp.get(), base_.c_str() + std::strlen("/tmp/"));
}

std::string TempTree::Path(std::string_view rel) const {
  std::string p = base_;
  if (!rel.empty()) {
    p += '/';
    p += rel;
  }
  return p;
}

void TempTree::MkDir(std::string_view rel, mode_t mode) const {
  SetupCheck(::mkdir(Path(rel).c_str(), mode) == 0, rel);
  SetupCheck(::chmod(Path(rel).c_str(), mode) == 0, rel);  // umask-independent
}

void TempTree::WriteFile(std::string_view rel, std::string_view content, mode_t mode) const {
  UniqueFd fd(::open(Path(rel).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  SetupCheck(fd.valid(), rel);
  SetupCheck(
      ::write(fd.get(), content.data(), content.size()) == static_cast<ssize_t>(content.size()),
      rel);
  SetupCheck(::fchmod(fd.get(), mode) == 0, rel);
}

void TempTree::Symlink(std::string_view rel, std::string_view target) const {
  SetupCheck(::symlink(std::string(target).c_str(), Path(rel).c_str()) == 0, rel);
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string ReadFileOrDie(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  SetupCheck(fd.valid(), path);
  return ReadAll(fd.get());
}

int RemoveTreeAt(int dirfd, const char* name) {
  struct stat st {};
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return ::unlinkat(dirfd, name, 0) == 0 ? 0 : errno;
  int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    return errno;
  }
  std::vector<std::string> children;
  while (struct dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    children.emplace_back(e->d_name);
  }
  int err = 0;
  for (const std::string& c : children) {
    int r = RemoveTreeAt(::dirfd(d), c.c_str());
    if (r != 0 && err == 0) err = r;
  }
  ::closedir(d);
  if (::unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && err == 0) err = errno;
  return err;
}

std::vector<Name> Names(std::initializer_list<std::string_view> parts) {
  std::vector<Name> out;
  for (std::string_view p : parts) out.push_back(N(p));
  return out;
}

Name N(std::string_view part) {
  auto n = Name::Make(part);
  if (!n.ok()) {
    std::fprintf(stderr, "invalid test name '%.*s'\n", static_cast<int>(part.size()), part.data());
    std::abort();
  }
  return std::move(n).value();
}

int CountOpenFds() {
  int count = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++count;
  }
  ::closedir(d);
  return count - 1;  // the DIR's own descriptor
}

}  // namespace hg::path_walk::testing
