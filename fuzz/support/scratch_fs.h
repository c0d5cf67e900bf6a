// The stateful server target's world: a private tmpfs (nodev, nosuid,
// noexec, 64 MiB) in a private mount namespace, holding the served root and,
// beside it, canaries that nothing the server does may change.
//
//   ScratchFs& fs = ScratchFs::Get();      // once per process (unshare + mount)
//   fs.ResetRoot();                        // a fresh served tree for this input
//   ... serve fs.root() ...
//   fs.CheckOutsideUnchanged();            // aborts if anything outside changed
//
// Layout of the tmpfs (top):
//   root/          the served directory, recreated for every input; its
//                  symlinks point outside (relative, absolute, to the
//                  outside directory, to a listening socket) so that any
//                  escape lands on a canary
//   outside/       secret file, dir/file, a symlink, a FIFO and a listening
//                  unix socket `sock` (the harness holds the listener: a
//                  connection arriving on it is an escape)
//   top-canary     a file at the top
// The snapshot covers everything but root/: names, types, modes, owners,
// sizes, link counts, mtimes/ctimes, symlink targets, file contents and
// xattrs.
//
// Why a tmpfs in its own namespace: the server runs as root and may be
// asked to mknod, chown and fill files; nodev makes any device node it
// creates unusable, the size bounds what it can fill, and nothing of it is
// visible to the host. The namespace needs CAP_SYS_ADMIN (the fuzz stages run
// as root, like the tests); without it a plain temporary directory is used.
#ifndef HARDGOFER_FUZZ_SUPPORT_SCRATCH_FS_H_
#define HARDGOFER_FUZZ_SUPPORT_SCRATCH_FS_H_

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace hg::fuzz {

class ScratchFs {
 public:
  static ScratchFs& Get() {
    static ScratchFs* fs = new ScratchFs();
    return *fs;
  }

  const std::string& top() const { return top_; }
  const std::string& root() const { return root_; }

  // Removes root/ and builds the served tree again.
  void ResetRoot() {
    RemoveTree(root_);
    Must(::mkdir(root_.c_str(), 0755), "mkdir root");
    WriteFile(root_ + "/a", "hello");
    Must(::mkdir((root_ + "/d").c_str(), 0755), "mkdir d");
    WriteFile(root_ + "/d/f", "file in d");
    Must(::mkdir((root_ + "/empty").c_str(), 0755), "mkdir empty");
    Must(::symlink("../outside/secret", (root_ + "/lnk_out").c_str()), "symlink");
    Must(::symlink((top_ + "/outside/secret").c_str(), (root_ + "/lnk_abs").c_str()), "symlink");
    Must(::symlink("../outside", (root_ + "/lnk_dir").c_str()), "symlink");
    Must(::symlink("../outside/sock", (root_ + "/lnk_sock").c_str()), "symlink");
    Must(::symlink("../outside/fifo", (root_ + "/lnk_fifo").c_str()), "symlink");
    Must(::symlink(".", (root_ + "/lnk_self").c_str()), "symlink");
    Must(::symlink("lnk_loop", (root_ + "/lnk_loop").c_str()), "symlink");
    Must(::symlink("../..", (root_ + "/d/up").c_str()), "symlink");
    Must(::mkfifo((root_ + "/fifo").c_str(), 0644), "mkfifo");
    Must(::setxattr((root_ + "/a").c_str(), "user.k", "v", 1, 0), "setxattr");
  }

  // Aborts (a finding) when anything outside root/ differs from the start.
  void CheckOutsideUnchanged() const {
    const std::map<std::string, std::string> now = Snapshot();
    if (now == baseline_) return;
    for (const auto& [k, v] : baseline_) {
      auto it = now.find(k);
      if (it == now.end()) {
        std::fprintf(stderr, "escape: %s disappeared\n", k.c_str());
      } else if (it->second != v) {
        std::fprintf(stderr, "escape: %s changed:\n  was %s\n  now %s\n", k.c_str(), v.c_str(),
                     it->second.c_str());
      }
    }
    for (const auto& [k, v] : now) {
      if (!baseline_.count(k)) std::fprintf(stderr, "escape: %s appeared (%s)\n", k.c_str(), v.c_str());
    }
    std::abort();
  }

  // Aborts when a client connection reached the outside socket.
  void CheckNoConnectionOutside() const {
    UniqueFd c(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (c.valid()) {
      std::fprintf(stderr, "escape: a connection reached outside/sock\n");
      std::abort();
    }
  }

 private:
  ScratchFs() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/hgfuzz-stateful.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) Die("mkdtemp");
    top_ = buf.data();
    // Private mount namespace for this thread and the threads it starts,
    // with the tmpfs in it. Without CAP_SYS_ADMIN (an unprivileged fuzzing
    // service) the directory is used as is: the server then cannot create
    // usable device nodes anyway (no CAP_MKNOD), and every file it can grow
    // is bounded by the mount rules' size limit.
    if (::unshare(CLONE_NEWNS) == 0 &&
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
        ::mount("hgfuzz", top_.c_str(), "tmpfs", MS_NODEV | MS_NOSUID | MS_NOEXEC,
                "size=64m,mode=0755") == 0) {
      tmpfs_ = true;
    } else {
      std::fprintf(stderr, "scratch fs: no private tmpfs (%s); using %s directly\n",
                   std::strerror(errno), top_.c_str());
    }
    // The tmpfs lives only in this namespace; the directory on the host is
    // removed when the process exits normally.
    std::atexit([] {
      ScratchFs& fs = Get();
      if (fs.tmpfs_) {
        ::umount2(fs.top_.c_str(), MNT_DETACH);
      } else {
        RemoveTree(fs.top_ + "/root");
        RemoveTree(fs.top_ + "/outside");
        ::unlink((fs.top_ + "/top-canary").c_str());
      }
      ::rmdir(fs.top_.c_str());
    });
    root_ = top_ + "/root";
    const std::string out = top_ + "/outside";
    Must(::mkdir(out.c_str(), 0755), "mkdir outside");
    WriteFile(out + "/secret", "the secret");
    Must(::mkdir((out + "/dir").c_str(), 0700), "mkdir outside/dir");
    WriteFile(out + "/dir/file", "outside file");
    Must(::symlink("secret", (out + "/link").c_str()), "symlink outside/link");
    Must(::mkfifo((out + "/fifo").c_str(), 0666), "mkfifo outside/fifo");
    Must(::setxattr((out + "/secret").c_str(), "user.canary", "1", 1, 0), "setxattr");
    WriteFile(top_ + "/top-canary", "top");
    listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string sp = out + "/sock";
    if (!listener_.valid() || sp.size() >= sizeof(addr.sun_path)) Die("socket");
    std::memcpy(addr.sun_path, sp.c_str(), sp.size() + 1);
    Must(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), "bind");
    Must(::listen(listener_.get(), 16), "listen");
    ResetRoot();
    baseline_ = Snapshot();
  }

  [[noreturn]] static void Die(const char* what) {
    std::fprintf(stderr, "scratch fs: %s: %s\n", what, std::strerror(errno));
    std::abort();
  }
  static void Must(int ret, const char* what) {
    if (ret != 0) Die(what);
  }
  static void WriteFile(const std::string& path, const std::string& content) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid() || ::write(fd.get(), content.data(), content.size()) !=
                           static_cast<ssize_t>(content.size())) {
      Die("write canary");
    }
  }

  // rm -rf, not following symlinks; makes directories writable first (a
  // client may have chmod'ed them to 0).
  static void RemoveTree(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
      ::chmod(path.c_str(), 0700);
      if (DIR* d = ::opendir(path.c_str())) {
        std::vector<std::string> names;
        while (const dirent* e = ::readdir(d)) {
          const std::string n = e->d_name;
          if (n != "." && n != "..") names.push_back(n);
        }
        ::closedir(d);
        for (const std::string& n : names) RemoveTree(path + "/" + n);
      }
      if (::rmdir(path.c_str()) != 0) Die("rmdir");
    } else if (::unlink(path.c_str()) != 0) {
      Die("unlink");
    }
  }

  static std::string Describe(const std::string& path, const struct stat& st) {
    char buf[256];
    std::snprintf(buf, sizeof(buf), "mode=%o uid=%u gid=%u size=%lld nlink=%lu mtime=%lld.%09ld ctime=%lld.%09ld",
                  st.st_mode, st.st_uid, st.st_gid, static_cast<long long>(st.st_size),
                  static_cast<unsigned long>(st.st_nlink), static_cast<long long>(st.st_mtim.tv_sec),
                  st.st_mtim.tv_nsec, static_cast<long long>(st.st_ctim.tv_sec), st.st_ctim.tv_nsec);
    std::string s = buf;
    if (S_ISLNK(st.st_mode)) {
      char target[4096];
      const ssize_t n = ::readlink(path.c_str(), target, sizeof(target));
      s += " -> " + std::string(target, n > 0 ? static_cast<size_t>(n) : 0);
    } else if (S_ISREG(st.st_mode)) {
      UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOATIME));
      char data[4096];
      const ssize_t n = fd.valid() ? ::read(fd.get(), data, sizeof(data)) : -1;
      s += " data=" + std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
    }
    if (!S_ISLNK(st.st_mode)) {
      char names[1024];
      const ssize_t n = ::llistxattr(path.c_str(), names, sizeof(names));
      if (n > 0) s += " xattrs=" + std::string(names, static_cast<size_t>(n));
    }
    return s;
  }

  void Walk(const std::string& rel, std::map<std::string, std::string>* out) const {
    const std::string path = top_ + rel;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return;
    (*out)[rel.empty() ? "/" : rel] = Describe(path, st);
    if (!S_ISDIR(st.st_mode)) return;
    DIR* d = ::opendir(path.c_str());
    if (d == nullptr) return;
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    for (const std::string& n : names) {
      const std::string child = rel + "/" + n;
      if (child == "/root") {
        // The served tree changes freely; only its own inode is checked.
        struct stat rs {};
        (*out)["/root(entry)"] = ::lstat(root_.c_str(), &rs) == 0 && S_ISDIR(rs.st_mode)
                                     ? "directory"
                                     : "not a directory";
        continue;
      }
      Walk(child, out);
    }
  }

  std::map<std::string, std::string> Snapshot() const {
    std::map<std::string, std::string> out;
    Walk("", &out);
    // The top directory's own times change whenever root/ is recreated.
    out.erase("/");
    return out;
  }

  std::string top_;
  std::string root_;
  bool tmpfs_ = false;
  UniqueFd listener_;
  std::map<std::string, std::string> baseline_;
};

}  // namespace hg::fuzz

#endif  // HARDGOFER_FUZZ_SUPPORT_SCRATCH_FS_H_
