#include "gofer/cmd/confine.h"

#include <cap-ng.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <thread>

#include "base/log.h"
#include "gofer/cmd/test_hooks.h"
#include "seccomp/install.h"
#include "seccomp/placeholder.h"

namespace hg::cmd {
namespace {

// The mount point the new root is built on before pivot_root. Any existing
// directory works (the tmpfs only hides it inside our private namespace);
// /proc exists wherever we can run, since we need procfs anyway.
constexpr char kScaffold[] = "/proc";

struct State {
  State(const ConfineInput& i, ConfineResult& o) : in(i), out(o) {}
  const ConfineInput& in;
  ConfineResult& out;
  UniqueFd task_dir;  // /proc/self/task, to count threads after /proc is gone
  // Detached copies (open_tree) of what the new root shows, taken while the
  // host view is reachable: a mount of the old namespace cannot be cloned
  // once we are in the new one, but a detached tree can be attached there.
  UniqueFd proc_fd_tree;
  UniqueFd mountinfo_tree;
  std::vector<UniqueFd> root_trees;
  std::string detail;  // extra words for a failure message
};

using StepFn = Status (*)(State&);

struct Step {
  const char* name;
  StepFn run;
};

Status Fail(State& s, Errno e, std::string detail) {
  s.detail = std::move(detail);
  return e;
}

long OpenTree(int dfd, const char* path, unsigned flags) {
  return ::syscall(SYS_open_tree, dfd, path, flags);
}
long MoveMount(int from_dfd, const char* from, int to_dfd, const char* to, unsigned flags) {
  return ::syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}
long MountSetattr(int dfd, const char* path, unsigned flags, mount_attr* attr) {
  return ::syscall(SYS_mount_setattr, dfd, path, flags, attr, sizeof(*attr));
}

// --- open_roots ------------------------------------------------------------

Status OpenRoots(State& s) {
  for (const ServedMount& m : *s.in.mounts) {
    // The host path is trusted configuration: symlinks in it are followed (an
    // operator's /var -> /data), magic links are not (as path_walk's
    // OpenMountRoot).
    open_how how{};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_NO_MAGICLINKS;
    UniqueFd fd(static_cast<int>(
        ::syscall(SYS_openat2, AT_FDCWD, m.host_source.c_str(), &how, sizeof(how))));
    if (!fd.valid())
      return Fail(s, Errno::Last(), "mount " + m.container_path + ": " + m.host_source);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return Fail(s, Errno::Last(), m.host_source);
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
      return Fail(s, Errno(EINVAL), m.host_source + " is neither a directory nor a regular file");
    }
    s.out.roots.push_back(std::move(fd));
  }
  s.task_dir.reset(::open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!s.task_dir.valid()) return Fail(s, Errno::Last(), "/proc/self/task");
  s.proc_fd_tree.reset(
      static_cast<int>(OpenTree(AT_FDCWD, "/proc/self/fd", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
  if (!s.proc_fd_tree.valid()) return Fail(s, Errno::Last(), "open_tree /proc/self/fd");
  s.mountinfo_tree.reset(static_cast<int>(
      OpenTree(AT_FDCWD, "/proc/self/mountinfo", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
  if (!s.mountinfo_tree.valid()) return Fail(s, Errno::Last(), "open_tree /proc/self/mountinfo");
  for (size_t i = 0; i < s.out.roots.size(); ++i) {
    const ServedMount& m = (*s.in.mounts)[i];
    UniqueFd t(static_cast<int>(
        OpenTree(s.out.roots[i].get(), "",
                 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE)));
    if (!t.valid()) return Fail(s, Errno::Last(), "open_tree " + m.host_source);
    // nosuid always (as runsc); read-only where the policy says so, so even a
    // bug in the server could not write there. Not noexec: the sentry maps
    // binaries from donated FDs.
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_NOSUID | (m.readonly ? MOUNT_ATTR_RDONLY : 0);
    if (MountSetattr(t.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) != 0) {
      return Fail(s, Errno::Last(), "mount_setattr " + m.host_source);
    }
    s.root_trees.push_back(std::move(t));
  }
  return Status::Ok();
}

// --- mount_namespace -------------------------------------------------------

Status MountNamespace(State& s) {
  if (testing::BreakStep("mount_namespace")) {
    // Without CAP_SYS_ADMIN in the effective set, unshare(CLONE_NEWNS) is EPERM.
    capng_get_caps_process();
    capng_update(CAPNG_DROP, CAPNG_EFFECTIVE, CAP_SYS_ADMIN);
    capng_apply(CAPNG_SELECT_CAPS);
  }
  if (::unshare(CLONE_NEWNS) != 0) return Fail(s, Errno::Last(), "unshare(CLONE_NEWNS)");
  // Slave, not private: a volume the host unmounts goes away here too, and
  // nothing we mount or unmount ever propagates back.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
    return Fail(s, Errno::Last(), "making / a recursive slave");
  }
  return Status::Ok();
}

// --- pivot_root ------------------------------------------------------------

Status MakeMountPoint(const std::string& path, bool dir) {
  if (dir) return StatusFromRet(::mkdir(path.c_str(), 0755));
  UniqueFd f(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  return f.valid() ? Status::Ok() : Status(Errno::Last());
}

Status PivotRoot(State& s) {
  std::string scaffold = kScaffold;
  if (testing::BreakStep("pivot_root")) scaffold = "/nonexistent-hardgofer-scaffold";

  if (::mount("hardgofer-root", scaffold.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "mode=0755,size=64k,nr_inodes=256") != 0) {
    return Fail(s, Errno::Last(), "tmpfs on " + scaffold);
  }
  for (const char* d : {"/proc", "/proc/self", "/proc/self/fd", "/mounts"}) {
    HG_RETURN_IF_ERROR(MakeMountPoint(scaffold + d, true));
  }
  HG_RETURN_IF_ERROR(MakeMountPoint(scaffold + "/proc/self/mountinfo", false));
  if (MoveMount(s.proc_fd_tree.get(), "", AT_FDCWD, (scaffold + "/proc/self/fd").c_str(),
                MOVE_MOUNT_F_EMPTY_PATH) != 0) {
    return Fail(s, Errno::Last(), "move_mount /proc/self/fd");
  }
  if (MoveMount(s.mountinfo_tree.get(), "", AT_FDCWD, (scaffold + "/proc/self/mountinfo").c_str(),
                MOVE_MOUNT_F_EMPTY_PATH) != 0) {
    return Fail(s, Errno::Last(), "move_mount /proc/self/mountinfo");
  }
  for (size_t i = 0; i < s.root_trees.size(); ++i) {
    struct stat st {};
    if (::fstat(s.out.roots[i].get(), &st) != 0) return Fail(s, Errno::Last(), "fstat root");
    const std::string target = scaffold + ConfinedMountPath(i);
    HG_RETURN_IF_ERROR(MakeMountPoint(target, S_ISDIR(st.st_mode)));
    if (MoveMount(s.root_trees[i].get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) !=
        0) {
      return Fail(s, Errno::Last(), "move_mount " + (*s.in.mounts)[i].host_source);
    }
  }

  // pivot_root(".", "."): the old root ends up stacked on the new one and is
  // detached right away (pivot_root(2), "NOTES").
  if (::chdir(scaffold.c_str()) != 0) return Fail(s, Errno::Last(), "chdir " + scaffold);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return Fail(s, Errno::Last(), "pivot_root");
  if (::umount2(".", MNT_DETACH) != 0) return Fail(s, Errno::Last(), "detaching the old root");
  if (::chdir("/") != 0) return Fail(s, Errno::Last(), "chdir /");
  // The scaffolding itself becomes read-only: nothing may be created next to
  // the served roots (a socket address under /proc/self/fd must keep naming ours).
  if (::mount(nullptr, "/", nullptr,
              MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return Fail(s, Errno::Last(), "remounting the new root read-only");
  }
  s.proc_fd_tree.reset();
  s.mountinfo_tree.reset();
  s.root_trees.clear();
  // Modes and ownership come from the sentry exactly as sent (runsc does the same).
  ::umask(0);
  return Status::Ok();
}

// --- close_fds -------------------------------------------------------------

Status CloseFds(State& s) {
  std::vector<unsigned> keep = {0, 1, 2};
  for (int fd : s.in.keep_fds) keep.push_back(static_cast<unsigned>(fd));
  for (const UniqueFd& r : s.out.roots) keep.push_back(static_cast<unsigned>(r.get()));
  keep.push_back(static_cast<unsigned>(s.task_dir.get()));
  std::sort(keep.begin(), keep.end());
  keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
  unsigned next = 0;
  auto close_range = [&s](unsigned first, unsigned last) -> Status {
    if (testing::BreakStep("close_fds")) {
      last = first;
      first = last + 1;  // an inverted range: EINVAL
    }
    if (::syscall(SYS_close_range, first, last, 0) != 0) {
      return Fail(s, Errno::Last(),
                  "close_range(" + std::to_string(first) + ", " + std::to_string(last) + ")");
    }
    return Status::Ok();
  };
  for (unsigned k : keep) {
    if (k > next) HG_RETURN_IF_ERROR(close_range(next, k - 1));
    next = k + 1;
  }
  HG_RETURN_IF_ERROR(close_range(next, ~0u));
  // The server's own handles, opened now so close_range cannot have taken
  // them: /proc/self/fd (the bind in the new root) and the mount table.
  auto host = fsgofer::HostResources::Open("/proc");
  if (!host.ok()) return Fail(s, host.error(), "opening /proc/self/fd in the new root");
  s.out.host = std::move(host).value();
  return Status::Ok();
}

// --- drop_caps -------------------------------------------------------------

Result<size_t> CountThreads(int task_dir) {
  UniqueFd dup(::fcntl(task_dir, F_DUPFD_CLOEXEC, 0));
  if (!dup.valid()) return Errno::Last();
  if (::lseek(dup.get(), 0, SEEK_SET) != 0) return Errno::Last();
  DIR* d = ::fdopendir(dup.release());
  if (d == nullptr) return Errno::Last();
  size_t n = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n;
}

Status DropCaps(State& s) {
  // Capabilities are per thread: another thread would keep the full set.
  HG_ASSIGN_OR_RETURN(size_t threads, CountThreads(s.task_dir.get()));
  s.task_dir.reset();
  if (threads != 1) {
    return Fail(s, Errno(EBUSY), std::to_string(threads) + " threads; capabilities are per thread");
  }
  if (testing::BreakStep("drop_caps")) {
    // Without CAP_SETPCAP the bounding set cannot be lowered: capng_apply fails.
    capng_get_caps_process();
    capng_update(CAPNG_DROP, CAPNG_EFFECTIVE, CAP_SETPCAP);
    capng_apply(CAPNG_SELECT_CAPS);
  }
  capng_clear(CAPNG_SELECT_ALL);
  uint64_t want[5] = {};  // effective, permitted, inheritable, bounding, ambient
  for (const policy::pb::Capability& c : s.in.caps) {
    std::string name = c.name();
    if (name.rfind("CAP_", 0) == 0) name = name.substr(4);
    const int nr = capng_name_to_capability(name.c_str());
    if (nr < 0 || nr > 63) return Fail(s, Errno(EINVAL), "unknown capability " + c.name());
    for (const std::string& set : c.set()) {
      capng_type_t t;
      int slot;
      if (set == "effective") {
        t = CAPNG_EFFECTIVE, slot = 0;
      } else if (set == "permitted") {
        t = CAPNG_PERMITTED, slot = 1;
      } else if (set == "inheritable") {
        t = CAPNG_INHERITABLE, slot = 2;
      } else if (set == "bounding") {
        t = CAPNG_BOUNDING_SET, slot = 3;
      } else if (set == "ambient") {
        t = CAPNG_AMBIENT, slot = 4;
      } else {
        return Fail(s, Errno(EINVAL), "unknown capability set " + set);
      }
      capng_update(CAPNG_ADD, t, static_cast<unsigned>(nr));
      want[slot] |= uint64_t{1} << nr;
    }
  }
  errno = 0;
  if (int rc = capng_apply(CAPNG_SELECT_ALL); rc != 0) {
    return Fail(s, Errno(errno != 0 ? errno : EPERM), "capng_apply returned " + std::to_string(rc));
  }
  // Check what the kernel now holds: libcap-ng skips nothing silently, but a
  // wrong set would be a confinement hole, so it is verified, not assumed.
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &hdr, data) != 0) return Fail(s, Errno::Last(), "capget");
  auto join = [&](uint32_t lo, uint32_t hi) { return uint64_t{lo} | (uint64_t{hi} << 32); };
  const uint64_t have[3] = {join(data[0].effective, data[1].effective),
                            join(data[0].permitted, data[1].permitted),
                            join(data[0].inheritable, data[1].inheritable)};
  uint64_t bounding = 0, ambient = 0;
  for (int c = 0; c <= 63; ++c) {
    int b = ::prctl(PR_CAPBSET_READ, c, 0, 0, 0);
    if (b < 0) break;  // past CAP_LAST_CAP
    if (b == 1) bounding |= uint64_t{1} << c;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1) ambient |= uint64_t{1} << c;
  }
  if (have[0] != want[0] || have[1] != want[1] || have[2] != want[2] || bounding != want[3] ||
      ambient != want[4]) {
    return Fail(s, Errno(EPERM), "the kernel's capability sets differ from the policy's");
  }
  return Status::Ok();
}

// --- no_new_privs ----------------------------------------------------------

Status NoNewPrivs(State& s) {
  if (testing::BreakStep("no_new_privs")) {
    // Unused arguments must be 0: EINVAL.
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0) != 0) return Fail(s, Errno::Last(), "prctl");
  }
  seccomp::ErrorOr<void> r = seccomp::SetNoNewPrivs();
  if (!r.ok()) return Fail(s, Errno(r.error().sys_errno()), r.error().ToString());
  if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) return Fail(s, Errno(EPERM), "not set");
  return Status::Ok();
}

// --- rlimits ---------------------------------------------------------------

Status Rlimits(State& s) {
  // No core dump: it would hold served file contents and key material.
  rlimit core{0, 0};
  if (::setrlimit(RLIMIT_CORE, &core) != 0) return Fail(s, Errno::Last(), "RLIMIT_CORE");
  rlimit cur{};
  if (::getrlimit(RLIMIT_NOFILE, &cur) != 0) return Fail(s, Errno::Last(), "RLIMIT_NOFILE");
  uint64_t n = s.in.fd_limit;
  // The default must work on hosts with a lower hard limit; an explicit value
  // must be honoured exactly or refused (raising needs CAP_SYS_RESOURCE,
  // which the gofer no longer has).
  if (!s.in.fd_limit_explicit && cur.rlim_max != RLIM_INFINITY && cur.rlim_max < n) {
    n = cur.rlim_max;
  }
  rlimit nofile{n, n};
  if (::setrlimit(RLIMIT_NOFILE, &nofile) != 0) {
    return Fail(s, Errno::Last(),
                "RLIMIT_NOFILE " + std::to_string(n) + " (hard limit " +
                    (cur.rlim_max == RLIM_INFINITY ? std::string("unlimited")
                                                   : std::to_string(cur.rlim_max)) +
                    ")");
  }
  s.out.fd_limit = n;
  return Status::Ok();
}

// --- seccomp ---------------------------------------------------------------

// Test hook: a thread with a filter of its own, which TSYNC cannot replace.
void StartDivergentThread() {
  std::atomic<bool> ready{false};
  std::thread([&ready] {
    sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    sock_fprog prog{1, &allow};
    ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
    ready = true;
    for (;;) ::pause();
  }).detach();
  while (!ready) std::this_thread::yield();
}

Status Seccomp(State& s) {
  seccomp::ErrorOr<seccomp::BpfProgram> filled =
      seccomp::FillHoles(*s.in.program, seccomp::Bindings::ForThisProcess());
  if (!filled.ok()) return Fail(s, Errno(EINVAL), filled.error().ToString());
  if (testing::BreakStep("seccomp")) StartDivergentThread();
  seccomp::ErrorOr<void> r = seccomp::InstallFilterOnAllThreads(*filled);
  if (!r.ok()) {
    // TSYNC reports the thread, not an errno.
    const int e = r.error().sys_errno() != 0 ? r.error().sys_errno() : EBUSY;
    return Fail(s, Errno(e), r.error().ToString());
  }
  return Status::Ok();
}

constexpr Step kSteps[] = {
    {"open_roots", &OpenRoots}, {"mount_namespace", &MountNamespace},
    {"pivot_root", &PivotRoot}, {"close_fds", &CloseFds},
    {"drop_caps", &DropCaps},   {"no_new_privs", &NoNewPrivs},
    {"rlimits", &Rlimits},      {"seccomp", &Seccomp},
};

}  // namespace

std::vector<std::string_view> ConfinementStepNames() {
  std::vector<std::string_view> names;
  for (const Step& s : kSteps) names.emplace_back(s.name);
  return names;
}

bool RunConfinement(const ConfineInput& in, ConfineResult* out) {
  State s(in, *out);
  for (const Step& step : kSteps) {
    Status st = step.run(s);
    if (!st.ok()) {
      (void)std::fprintf(stderr, "hardgofer run: confinement step '%s' failed: %s%s\n", step.name,
                         st.error().ToString().c_str(),
                         s.detail.empty() ? "" : (" (" + s.detail + ")").c_str());
      return false;
    }
    HG_LOG(kDebug, "confine_step", {{"step", step.name}, {"result", "ok"}});
  }
  return true;
}

}  // namespace hg::cmd
