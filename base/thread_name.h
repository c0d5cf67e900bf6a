// Names for the threads hardgofer starts.
//
//   std::thread t([] { hg::SetThreadName("hg-conn"); ... });
//
// Every long-lived thread we start carries an "hg-" name so that operators
// see what each one is (ps -L, /proc/PID/task/*/comm) and so that tests can
// count only our threads: sanitizer runtimes and libraries start helper
// threads of their own (ASan starts one with the first pthread_create), and a
// test counting every task would fail on theirs.
#ifndef HARDGOFER_BASE_THREAD_NAME_H_
#define HARDGOFER_BASE_THREAD_NAME_H_

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>

namespace hg {

// The kernel keeps at most 15 bytes; longer names are cut, not refused.
inline void SetThreadName(const char* name) {
  char buf[16];
  std::strncpy(buf, name, sizeof(buf) - 1);
  buf[sizeof(buf) - 1] = '\0';
  ::pthread_setname_np(::pthread_self(), buf);
}

// Threads of this process whose name starts with `prefix` (default: ours).
inline size_t CountThreadsNamed(const char* prefix = "hg-") {
  size_t n = 0;
  DIR* d = ::opendir("/proc/self/task");
  if (d == nullptr) return 0;
  const size_t plen = std::strlen(prefix);
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string path = std::string("/proc/self/task/") + e->d_name + "/comm";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;  // the thread exited between readdir and open
    char comm[32] = {};
    ssize_t r = ::read(fd, comm, sizeof(comm) - 1);
    ::close(fd);
    if (r > 0 && std::strncmp(comm, prefix, plen) == 0) ++n;
  }
  ::closedir(d);
  return n;
}

}  // namespace hg

#endif  // HARDGOFER_BASE_THREAD_NAME_H_
