// The runsc-derived sets. Source of truth: gVisor 3c5eee17dc45,
// runsc/fsgofer/filter/{config.go,config_amd64.go,config_arm64.go,filter.go}
// and pkg/seccomp/seccomp_rules.go (DenyNewExecMappings, NonNegativeFD).
// Each rule below mirrors one entry there; the reasons quote runsc's own
// comments where it has them. Several entries exist for the Go runtime that
// runsc's gofer is written in (epoll, eventfd, prctl PR_SET_VMA, ...); they are
// kept verbatim so the set is "runsc's", and the runtime set says what a C++
// gofer needs itself.
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <string>

#include "seccomp/sets.h"

namespace hg::seccomp {
namespace {

// linux/mman.h MAP_DROPPABLE (Linux 6.11); not in Debian 12's headers.
constexpr uint64_t kMapDroppable = 0x08;

constexpr uint64_t kGoCloneFlagsAarch64 =
    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_SYSVSEM | CLONE_THREAD;
constexpr uint64_t kGoCloneFlagsX86_64 = kGoCloneFlagsAarch64 | CLONE_SETTLS;

constexpr char kConfigGo[] = "runsc/fsgofer/filter/config.go";

// A reason for a rule of set `set`, citing `file`.
struct ReasonMaker {
  std::string_view set;
  std::string_view file;
  Reason operator()(std::string what, std::string why) const {
    return Reason{std::move(what), std::move(why) + " (" + std::string(file) + ")",
                  std::string(set)};
  }
};

}  // namespace

RuleSet FsgoferSet(Arch arch) {
  RuleSet s{std::string(kFsgoferSet)};
  const ReasonMaker r{kFsgoferSet, kConfigGo};
  s.AllowAny("accept", r("accept", "accept connections on a listening socket"));
  s.AllowAny("clock_gettime", r("clock_gettime", "read clocks when the vDSO cannot"));
  s.AllowAny("close", r("close", "close host fds when nodes and connections are released"));
  s.AllowAny("dup", r("dup", "duplicate host fds, e.g. the mount-point fd donated on Mount"));
  s.AllowAny("epoll_ctl", r("epoll_ctl", "runsc's Go netpoller registers fds"));
  s.Allow("epoll_pwait", {ArgCond::Eq(4, 0)},
          r("epoll_pwait without a signal mask", "runsc's Go netpoller waits for fds"));
  s.Allow("eventfd2", {ArgCond::Eq(0, 0), ArgCond::Eq(1, 0)},
          r("eventfd2(0, 0)", "runsc's Go netpoller wakeup fd"));
  s.AllowAny("exit", r("exit", "a thread exits"));
  s.AllowAny("exit_group", r("exit_group", "the process exits"));
  s.AllowAny("fchmod", r("fchmod", "SetStat: change the mode of an open file"));
  s.AllowAny("fchmodat", r("fchmodat", "SetStat: change the mode of a file by name"));
  s.AllowAny("fchownat", r("fchownat", "SetStat: change owner and group"));
  s.Allow("fcntl", {ArgCond::Eq(1, F_GETFL)}, r("fcntl(fd, F_GETFL)", "read file status flags"));
  s.Allow("fcntl", {ArgCond::Eq(1, F_SETFL)}, r("fcntl(fd, F_SETFL)", "set file status flags"));
  s.Allow("fcntl", {ArgCond::Eq(1, F_GETFD)}, r("fcntl(fd, F_GETFD)", "read fd flags"));
  s.Allow("fcntl", {ArgCond::Eq(1, F_ADD_SEALS)},
          r("fcntl(fd, F_ADD_SEALS)", "used by flipcall.PacketWindowAllocator.Init()"));
  s.Allow(
      "statx", {ArgCond::NonNegFd(0), ArgCond::FlagsSet(2, AT_EMPTY_PATH)},
      r("statx(fd, \"\", AT_EMPTY_PATH...)", "stat an open host fd; never relative to AT_FDCWD"));
  s.AllowAny("fsync", r("fsync", "FSync RPC"));
  s.Allow("futex", {ArgCond::Eq(1, FUTEX_WAIT | FUTEX_PRIVATE_FLAG), ArgCond::Eq(4, 0)},
          r("futex(FUTEX_WAIT_PRIVATE)", "runsc's Go runtime locks and notes"));
  s.Allow("futex", {ArgCond::Eq(1, FUTEX_WAKE | FUTEX_PRIVATE_FLAG), ArgCond::Eq(4, 0)},
          r("futex(FUTEX_WAKE_PRIVATE)", "runsc's Go runtime locks and notes"));
  s.Allow("futex", {ArgCond::Eq(1, FUTEX_WAIT)},
          r("futex(FUTEX_WAIT)", "non-private futex used for flipcall channels"));
  s.Allow("futex", {ArgCond::Eq(1, FUTEX_WAKE)},
          r("futex(FUTEX_WAKE)", "non-private futex used for flipcall channels"));
  s.Allow("getcpu", {ArgCond::Eq(1, 0), ArgCond::Eq(2, 0)},
          r("getcpu(cpu, NULL, NULL)",
            "used by some versions of the Go runtime and by the hostcpu package on arm64"));
  s.AllowAny("getpid", r("getpid", "own pid"));
  s.AllowAny("getrandom", r("getrandom", "random numbers"));
  s.AllowAny("gettid", r("gettid", "own thread id"));
  s.AllowAny("gettimeofday", r("gettimeofday", "read the time when the vDSO cannot"));
  s.AllowAny("lgetxattr", r("lgetxattr", "GetXattr RPC on a path"));
  s.AllowAny("llistxattr", r("llistxattr", "ListXattr RPC on a path"));
  s.AllowAny("lremovexattr", r("lremovexattr", "RemoveXattr RPC on a path"));
  s.AllowAny("lsetxattr", r("lsetxattr", "SetXattr RPC on a path"));
  s.AllowAny("lseek", r("lseek", "seek host files and directories"));
  s.AllowAny("madvise", r("madvise", "runsc's Go runtime returns memory to the host"));
  s.AllowAny("memfd_create", r("memfd_create", "used by flipcall.PacketWindowAllocator.Init()"));
  s.Allow("mmap", {ArgCond::Eq(3, MAP_SHARED)},
          r("mmap(MAP_SHARED)", "map flipcall packet windows (memfd)"));
  s.Allow("mmap", {ArgCond::Eq(3, MAP_PRIVATE | MAP_ANONYMOUS)},
          r("mmap(MAP_PRIVATE|MAP_ANONYMOUS)", "anonymous memory for the runtime heap"));
  s.Allow("mmap", {ArgCond::Eq(3, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)},
          r("mmap(MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED)",
            "runsc's Go runtime commits memory inside reserved ranges"));
  s.Allow("mmap",
          {ArgCond::Eq(2, PROT_WRITE | PROT_READ), ArgCond::Eq(3, kMapDroppable | MAP_ANONYMOUS)},
          r("mmap(PROT_READ|PROT_WRITE, MAP_DROPPABLE|MAP_ANONYMOUS)", "used by vdso getrandom()"));
  s.AllowAny("mprotect", r("mprotect",
                           "change protection of own memory (PROT_EXEC is denied "
                           "by deny_exec_mappings)"));
  s.AllowAny("munmap", r("munmap", "release mappings"));
  s.AllowAny("nanosleep", r("nanosleep", "runsc's Go runtime sleeps (usleep)"));
  s.AllowAny("openat", r("openat", "open host files below the mount roots"));
  s.AllowAny("openat2", r("openat2", "open host files below the mount roots"));
  s.AllowAny("ppoll", r("ppoll", "wait for fds"));
  s.Allow(
      "prctl", {ArgCond::Eq(0, PR_SET_VMA), ArgCond::Eq(1, PR_SET_VMA_ANON_NAME)},
      r("prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME)", "runsc's Go runtime names anonymous mappings"));
  s.AllowAny("pread64", r("pread64", "PRead RPC"));
  s.AllowAny("pwrite64", r("pwrite64", "PWrite RPC"));
  s.AllowAny("read", r("read", "read host files and sockets"));
  s.Allow("recvmsg", {ArgCond::Eq(2, MSG_DONTWAIT | MSG_TRUNC)},
          r("recvmsg(MSG_DONTWAIT|MSG_TRUNC)", "receive LisaFS messages and fds"));
  s.Allow("recvmsg", {ArgCond::Eq(2, MSG_DONTWAIT | MSG_TRUNC | MSG_PEEK)},
          r("recvmsg(MSG_DONTWAIT|MSG_TRUNC|MSG_PEEK)", "peek at LisaFS messages"));
  s.AllowAny("restart_syscall", r("restart_syscall", "resume a syscall interrupted by a signal"));
  s.AllowAny("rt_sigaction", r("rt_sigaction", "may be used by the runtime during panic()"));
  s.AllowAny("rt_sigprocmask", r("rt_sigprocmask", "block and unblock signals"));
  s.AllowAny("rt_sigreturn", r("rt_sigreturn", "return from a signal handler"));
  s.Allow("sched_getaffinity", {ArgCond::Eq(0, 0)},
          r("sched_getaffinity(0, ...)", "used by Go's automatic GOMAXPROCS updater"));
  s.AllowAny("sched_yield", r("sched_yield", "yield the CPU"));
  s.Allow("sendmsg", {ArgCond::Eq(2, 0)},
          r("sendmsg(flags 0)", "used by fdchannel.Endpoint.SendFD()"));
  s.Allow("sendmsg", {ArgCond::Eq(2, MSG_DONTWAIT | MSG_NOSIGNAL)},
          r("sendmsg(MSG_DONTWAIT|MSG_NOSIGNAL)", "used by unet.SocketWriter.WriteVec()"));
  s.Allow("shutdown", {ArgCond::Eq(1, SHUT_RDWR)},
          r("shutdown(fd, SHUT_RDWR)", "close LisaFS connections"));
  s.AllowAny("sigaltstack", r("sigaltstack", "runsc's Go runtime signal stacks"));
  s.Allow(
      "socketpair",
      {ArgCond::Eq(0, AF_UNIX), ArgCond::Eq(1, SOCK_SEQPACKET | SOCK_CLOEXEC), ArgCond::Eq(2, 0)},
      r("socketpair(AF_UNIX, SOCK_SEQPACKET|SOCK_CLOEXEC, 0)",
        "used by fdchannel.NewConnectedSockets()"));
  s.Allow("tgkill", {ArgCond::Eq(0, ArgValue::Of(Placeholder::kSelfPid))},
          r("tgkill(own pid, ...)",
            "signal own threads only; runsc fixes os.Getpid() when the rules are built"));
  s.AllowAny("write", r("write", "write host files and sockets"));

  const ReasonMaker ra{kFsgoferSet, arch == Arch::kX86_64 ? "runsc/fsgofer/filter/config_amd64.go"
                                                          : "runsc/fsgofer/filter/config_arm64.go"};
  if (arch == Arch::kX86_64) {
    // parent_tidptr and child_tidptr are 0: the Go runtime sets neither
    // CLONE_PARENT_SETTID nor CLONE_CHILD_SETTID.
    s.Allow("clone", {ArgCond::Eq(0, kGoCloneFlagsX86_64), ArgCond::Eq(2, 0), ArgCond::Eq(3, 0)},
            ra("clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SETTLS|CLONE_SIGHAND|CLONE_SYSVSEM|"
               "CLONE_THREAD, sp, 0, 0, tls)",
               "runsc's Go runtime creates threads"));
  } else {
    // The Go runtime leaves the other arguments uninitialised on arm64.
    s.Allow("clone", {ArgCond::Eq(0, kGoCloneFlagsAarch64)},
            ra("clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_SYSVSEM|CLONE_THREAD, ...)",
               "runsc's Go runtime creates threads"));
  }
  // unix.SYS_NEWFSTATAT on amd64, unix.SYS_FSTATAT (= newfstatat, 79) on arm64.
  s.AllowAny("newfstatat", ra("newfstatat", "stat by name relative to a directory fd"));
  return s;
}

RuleSet LisafsSet(Arch /*arch*/) {
  RuleSet s{std::string(kLisafsSet)};
  const ReasonMaker r{kLisafsSet, "runsc/fsgofer/filter/config.go lisafsFilters"};
  s.Allow("fallocate", {ArgCond::Eq(1, 0)},
          r("fallocate(fd, 0, ...)", "Allocate RPC, plain allocation only"));
  s.Allow("fgetxattr", {ArgCond::NonNegFd(0)},
          r("fgetxattr(fd >= 0)", "GetXattr RPC on an open fd"));
  s.Allow("flistxattr", {ArgCond::NonNegFd(0)},
          r("flistxattr(fd >= 0)", "ListXattr RPC on an open fd"));
  s.Allow("fremovexattr", {ArgCond::NonNegFd(0)},
          r("fremovexattr(fd >= 0)", "RemoveXattr RPC on an open fd"));
  s.Allow("fsetxattr", {ArgCond::NonNegFd(0)},
          r("fsetxattr(fd >= 0)", "SetXattr RPC on an open fd"));
  s.AllowAny("fstatfs", r("fstatfs", "StatFS RPC"));
  s.AllowAny("getdents64", r("getdents64", "Getdents64 RPC"));
  s.Allow(
      "linkat", {ArgCond::NonNegFd(0), ArgCond::NonNegFd(2), ArgCond::Eq(4, 0)},
      r("linkat(dirfd >= 0, name, dirfd >= 0, name, 0)", "LinkAt RPC; never AT_FDCWD, no flags"));
  s.Allow("linkat",
          {ArgCond::NonNegFd(0), ArgCond::NonNegFd(2), ArgCond::Eq(4, AT_SYMLINK_FOLLOW)},
          Reason{"linkat(/proc/self/fd, \"N\", dirfd >= 0, name, AT_SYMLINK_FOLLOW)",
                 "LinkAt RPC, hardgofer: links the inode the client's FD holds through its "
                 "/proc/self/fd entry, so a name swapped in the old directory cannot redirect "
                 "it; needs no CAP_DAC_READ_SEARCH (AT_EMPTY_PATH would)",
                 std::string(kLisafsSet)});
  s.AllowAny("mkdirat", r("mkdirat", "MkdirAt RPC"));
  s.AllowAny("mknodat", r("mknodat", "MknodAt RPC"));
  s.AllowAny("readlinkat", r("readlinkat", "ReadLinkAt RPC"));
  s.AllowAny("renameat2", r("renameat2", "RenameAt RPC"));
  s.AllowAny("symlinkat", r("symlinkat", "SymlinkAt RPC"));
  s.AllowAny("ftruncate", r("ftruncate", "SetStat RPC: size"));
  s.AllowAny("unlinkat", r("unlinkat", "UnlinkAt RPC"));
  s.AllowAny("utimensat", r("utimensat", "SetStat RPC: times"));
  return s;
}

RuleSet HostUdsCommonSet(Arch /*arch*/) {
  RuleSet s{std::string(kHostUdsCommonSet)};
  const ReasonMaker r{kHostUdsCommonSet, "runsc/fsgofer/filter/config.go udsCommonSyscalls"};
  // hardgofer creates every host socket close-on-exec and non-blocking (runsc
  // passes the plain types); the rule names exactly those flags.
  for (int type : {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET}) {
    const char* name = type == SOCK_STREAM  ? "SOCK_STREAM"
                       : type == SOCK_DGRAM ? "SOCK_DGRAM"
                                            : "SOCK_SEQPACKET";
    s.Allow("socket",
            {ArgCond::Eq(0, AF_UNIX), ArgCond::Eq(1, type | SOCK_CLOEXEC | SOCK_NONBLOCK),
             ArgCond::Eq(2, 0)},
            r(std::string("socket(AF_UNIX, ") + name + "|SOCK_CLOEXEC|SOCK_NONBLOCK, 0)",
              "create a host unix socket to connect or bind (host UDS enabled)"));
  }
  s.Allow("statx",
          {ArgCond::MaskedEq(0, 0xffffffffu, static_cast<uint32_t>(AT_FDCWD)),
           ArgCond::Eq(2, AT_NO_AUTOMOUNT)},
          Reason{"statx(AT_FDCWD, \"/proc/self/fd\", AT_NO_AUTOMOUNT)",
                 "hardgofer reaches a socket's path through /proc/self/fd/<dirfd>/<name> and "
                 "first checks that this path still names its own /proc/self/fd",
                 std::string(kHostUdsCommonSet)});
  return s;
}

RuleSet HostUdsOpenSet(Arch /*arch*/) {
  RuleSet s{std::string(kHostUdsOpenSet)};
  const ReasonMaker r{kHostUdsOpenSet, "runsc/fsgofer/filter/config.go udsOpenSyscalls"};
  s.AllowAny("connect", r("connect", "Connect RPC to a host unix socket (--host-uds=open|all)"));
  // runsc uses setreuid/setregid; hardgofer switches ids for the calling
  // thread only, with the raw setresuid/setresgid syscalls (glibc's wrappers
  // change every thread), and restores them from geteuid/getegid.
  const std::string creds_why =
      "ConnectWithCreds connects as the caller's ids, on this thread only (raw syscall; "
      "saved ids untouched), then restores ours";
  s.Allow("setresuid", {ArgCond::MaskedEq(0, 0xffffffffu, 0xffffffffu),
                        ArgCond::MaskedEq(2, 0xffffffffu, 0xffffffffu)},
          Reason{"setresuid(-1, euid, -1)", creds_why, std::string(kHostUdsOpenSet)});
  s.Allow("setresgid", {ArgCond::MaskedEq(0, 0xffffffffu, 0xffffffffu),
                        ArgCond::MaskedEq(2, 0xffffffffu, 0xffffffffu)},
          Reason{"setresgid(-1, egid, -1)", creds_why, std::string(kHostUdsOpenSet)});
  s.AllowAny("geteuid", Reason{"geteuid", creds_why, std::string(kHostUdsOpenSet)});
  s.AllowAny("getegid", Reason{"getegid", creds_why, std::string(kHostUdsOpenSet)});
  return s;
}

RuleSet HostUdsCreateSet(Arch /*arch*/) {
  RuleSet s{std::string(kHostUdsCreateSet)};
  const ReasonMaker r{kHostUdsCreateSet, "runsc/fsgofer/filter/config.go udsCreateSyscalls"};
  s.AllowAny("accept4",
             r("accept4", "accept on a host socket bound by BindAt (--host-uds=create|all)"));
  s.AllowAny("bind", r("bind", "BindAt RPC creates a host unix socket"));
  s.AllowAny("listen", r("listen", "BindAt RPC listens on the new socket"));
  // hardgofer deviation: BindAt gives the new socket the caller's uid/gid and,
  // if that fails, removes it again so no half-made socket is left behind
  // (gofer/fsgofer ChownNewOrRemove). runsc's set has no unlinkat; without it
  // an enforcing gofer with directfs on (no LisaFS set) could not serve BindAt.
  s.Allow("unlinkat", {ArgCond::Eq(2, 0)},
          Reason{"unlinkat(dirfd, name, 0)",
                 "BindAt removes the socket it just bound when giving it to the caller's "
                 "uid/gid fails (no half-made socket left behind)",
                 std::string(kHostUdsCreateSet)});
  return s;
}

RuleSet HostFifoSet(Arch /*arch*/) { return RuleSet{std::string(kHostFifoSet)}; }

DenyRules DenyExecMappings() {
  const std::string src(kDenyExecMappings);
  const std::string why =
      "no new executable memory: a compromised gofer cannot map or make code "
      "executable (pkg/seccomp/seccomp_rules.go DenyNewExecMappings)";
  return {
      DenyRule{"mmap", ArgCond::FlagsSet(2, PROT_EXEC), {"mmap with PROT_EXEC", why, src}},
      DenyRule{"mprotect", ArgCond::FlagsSet(2, PROT_EXEC), {"mprotect with PROT_EXEC", why, src}},
  };
}

}  // namespace hg::seccomp
