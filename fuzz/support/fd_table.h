// The process's descriptor table, as the fuzz targets' leak oracle sees it.
//
//   const size_t before = hg::fuzz::CountOpenFds();
//   ... run one input: sockets, a server, donated FDs ...
//   hg::fuzz::ExpectFdCount(before, "after teardown");   // aborts on a leak
//
//   FileId id = FileId::Of(fd);            // which file an FD refers to
//   if (FileId::Of(received) != id) ...    // an FD we did not send
//
// Why count /proc/self/fd instead of tracking FDs: a leak in a server or
// transport is an FD *they* opened and forgot, which no wrapper in the target
// can see. The count is exact in a single-threaded moment (every thread the
// input started has been joined), which is when the targets call it.
#ifndef HARDGOFER_FUZZ_SUPPORT_FD_TABLE_H_
#define HARDGOFER_FUZZ_SUPPORT_FD_TABLE_H_

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>

namespace hg::fuzz {

// Open descriptors of this process (the one used to list them excluded).
inline size_t CountOpenFds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) {
    std::perror("opendir /proc/self/fd");
    std::abort();
  }
  size_t n = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;  // the DIR's own descriptor
}

// Aborts (a finding) when the table does not have exactly `expected` entries.
inline void ExpectFdCount(size_t expected, const char* when) {
  const size_t now = CountOpenFds();
  if (now != expected) {
    std::fprintf(stderr, "fd leak %s: %zu open, expected %zu\n", when, now, expected);
    std::abort();
  }
}

// Identity of the file behind a descriptor.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  static FileId Of(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return FileId{};
    return FileId{st.st_dev, st.st_ino};
  }
  bool valid() const { return ino != 0; }
  friend bool operator==(const FileId&, const FileId&) = default;
};

// True if `fd` has FD_CLOEXEC: every FD hardgofer installs must.
inline bool IsCloexec(int fd) {
  const int f = ::fcntl(fd, F_GETFD);
  return f >= 0 && (f & FD_CLOEXEC) != 0;
}

}  // namespace hg::fuzz

#endif  // HARDGOFER_FUZZ_SUPPORT_FD_TABLE_H_
