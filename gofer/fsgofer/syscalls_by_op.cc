#include "gofer/fsgofer/syscalls_by_op.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <vector>

namespace hg::fsgofer {
namespace {

using A = SyscallArg;
constexpr A V = A::Varies();
constexpr A F = A::Fd();

// Building blocks, each mirroring one helper of fsgofer / path_walk / the
// transport (the file that makes the call is named in `why`).

// path_walk internal::StatxFd and fsgofer StatxOfFd: statx(fd, "",
// AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW).
constexpr SyscallUse kStatFd{
    "statx", {F, V, A::Fixed(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW), V, V, V}, "stat a handle"};
// path_walk internal::StatxAt (StatBeneath): statx(dirfd, name,
// AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT).
constexpr SyscallUse kStatAt{"statx",
                             {F, V, A::Fixed(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT), V, V, V},
                             "stat a name below a directory handle (path_walk StatBeneath)"};
// path_walk internal::OpenBeneath (openat2 resolver; kernels >= 5.6 — the
// fallback openat resolver is chosen at start-up, never after confinement).
constexpr SyscallUse kOpenBeneath{
    "openat2", {F, V, V, A::Fixed(sizeof(open_how)), V, V}, "open a name below a handle"};
// path_walk Reopen: openat(/proc/self/fd, "N", flags) then a stat.
constexpr SyscallUse kReopen{
    "openat", {F, V, V, V, V, V}, "re-open a handle through /proc/self/fd (path_walk Reopen)"};
// Handle::Dup, donated FDs: fcntl(fd, F_DUPFD_CLOEXEC, 0).
constexpr SyscallUse kDupCloexec{"fcntl",
                                 {F, A::Fixed(F_DUPFD_CLOEXEC), A::Fixed(0), V, V, V},
                                 "duplicate a handle or a donated FD (F_DUPFD_CLOEXEC)"};
// ChownHandle: fchownat(fd, "", uid, gid, AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW).
constexpr SyscallUse kChown{"fchownat",
                            {F, V, V, V, A::Fixed(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW), V},
                            "give a new file the caller's owner"};
// Removing a half-made file when chown fails.
constexpr SyscallUse kUnlinkCleanup{
    "unlinkat", {F, V, V, V, V, V}, "remove a new file whose chown failed"};
// The same for a new non-directory (a bound socket): flags 0, which the
// host_uds_create set's unlinkat rule requires.
constexpr SyscallUse kUnlinkFileCleanup{
    "unlinkat", {F, V, A::Fixed(0), V, V, V}, "remove a new socket whose chown failed"};
// ProcSelfFd::CheckPathStillNamesSelf: statx(AT_FDCWD, "/proc/self/fd", AT_NO_AUTOMOUNT).
constexpr SyscallUse kProcPathCheck{"statx",
                                    {A::FixedInt(AT_FDCWD), V, A::Fixed(AT_NO_AUTOMOUNT), V, V, V},
                                    "check /proc/self/fd still names ours before using it in a "
                                    "socket address"};
// control_file_socket.cc: socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK,
// 0), where the client picks the type among the three it accepts (any other
// is refused with EINVAL before the call). Listed as one entry per type, each
// fixed: the host-UDS sets allow exactly these three values, so an argument
// marked "varies" here would make every socket message look forbidden and
// host sockets could never be served under an enforcing program.
constexpr int kSockFlags = SOCK_CLOEXEC | SOCK_NONBLOCK;
constexpr SyscallUse kUnixSocketStream{
    "socket",
    {A::Fixed(AF_UNIX), A::Fixed(SOCK_STREAM | kSockFlags), A::Fixed(0), V, V, V},
    "a host unix socket (SOCK_STREAM, + CLOEXEC|NONBLOCK)"};
constexpr SyscallUse kUnixSocketDgram{
    "socket",
    {A::Fixed(AF_UNIX), A::Fixed(SOCK_DGRAM | kSockFlags), A::Fixed(0), V, V, V},
    "a host unix socket (SOCK_DGRAM, + CLOEXEC|NONBLOCK)"};
constexpr SyscallUse kUnixSocketSeqpacket{
    "socket",
    {A::Fixed(AF_UNIX), A::Fixed(SOCK_SEQPACKET | kSockFlags), A::Fixed(0), V, V, V},
    "a host unix socket (SOCK_SEQPACKET, + CLOEXEC|NONBLOCK)"};

struct Entry {
  wire::MID mid;
  std::vector<SyscallUse> uses;
};

std::vector<Entry> BuildTable() {
  std::vector<Entry> t;
  auto add = [&t](wire::MID mid, std::vector<SyscallUse> uses) {
    t.push_back({mid, std::move(uses)});
  };

  add(wire::MID::kMount, {{"openat2",
                           {A::FixedInt(AT_FDCWD), V, V, A::Fixed(sizeof(open_how)), V, V},
                           "open the mount root by its configured path (path_walk OpenMountRoot)"},
                          kStatFd,
                          kDupCloexec,
                          kReopen});
  // The server's flipcall channel (gofer/transport channel_set.cc, packet_window.cc).
  add(wire::MID::kChannel,
      {{"memfd_create",
        {V, A::Fixed(MFD_CLOEXEC | MFD_ALLOW_SEALING), V, V, V, V},
        "the packet-window file"},
       {"fcntl",
        {F, A::Fixed(F_ADD_SEALS), A::Fixed(F_SEAL_SHRINK | F_SEAL_SEAL), V, V, V},
        "seal the packet-window file"},
       {"ftruncate", {F, V, V, V, V, V}, "grow the packet-window file"},
       {"mmap",
        {V, V, A::Fixed(PROT_READ | PROT_WRITE), A::Fixed(MAP_SHARED), F, V},
        "map the channel's window"},
       kDupCloexec});
  add(wire::MID::kFStat, {kStatFd});
  add(wire::MID::kSetStat,
      {{"fchmodat", {F, V, V, A::Fixed(0), V, V}, "chmod through /proc/self/fd/N"},
       kReopen,
       kStatFd,
       {"ftruncate", {F, V, V, V, V, V}, "truncate (size)"},
       {"utimensat", {F, V, V, A::Fixed(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW), V, V}, "times"},
       kChown});
  add(wire::MID::kWalk, {kOpenBeneath, kStatFd});
  add(wire::MID::kWalkStat, {kStatAt, kOpenBeneath, kStatFd});
  add(wire::MID::kOpenAt, {kReopen, kStatFd, kDupCloexec});
  add(wire::MID::kOpenCreateAt, {kOpenBeneath, kStatFd, kChown, kUnlinkCleanup, kDupCloexec});
  add(wire::MID::kClose, {{"close", {F, V, V, V, V, V}, "release handles and open files"}});
  add(wire::MID::kFSync, {{"fsync", {F, V, V, V, V, V}, "FSync"}});
  add(wire::MID::kPWrite, {{"pwrite64", {F, V, V, V, V, V}, "PWrite"}});
  add(wire::MID::kPRead, {{"pread64", {F, V, V, V, V, V}, "PRead"}});
  add(wire::MID::kMkdirAt,
      {{"mkdirat", {F, V, V, V, V, V}, "MkdirAt"}, kOpenBeneath, kStatFd, kChown, kUnlinkCleanup});
  add(wire::MID::kMknodAt,
      {{"mknodat", {F, V, V, V, V, V}, "MknodAt"}, kOpenBeneath, kStatFd, kChown, kUnlinkCleanup});
  add(wire::MID::kSymlinkAt, {{"symlinkat", {V, F, V, V, V, V}, "SymlinkAt"},
                              kOpenBeneath,
                              kStatFd,
                              kChown,
                              kUnlinkCleanup});
  // path_walk LinkHandle: linkat(/proc/self/fd, "N", dirfd, name, AT_SYMLINK_FOLLOW).
  add(wire::MID::kLinkAt, {{"linkat",
                            {F, V, F, V, A::Fixed(AT_SYMLINK_FOLLOW), V},
                            "link the target's handle through /proc/self/fd"},
                           kOpenBeneath,
                           kStatFd});
  add(wire::MID::kFStatFS, {{"fstatfs", {F, V, V, V, V, V}, "FStatFS"}});
  add(wire::MID::kFAllocate, {{"fallocate",
                               {F, A::Fixed(0), V, V, V, V},
                               "FAllocate (mode 0 only; others refused first)"}});
  add(wire::MID::kReadLinkAt, {{"readlinkat", {F, V, V, V, V, V}, "readlinkat(fd, \"\")"}});
  add(wire::MID::kConnect,
      {kUnixSocketStream, kUnixSocketDgram, kUnixSocketSeqpacket, kProcPathCheck,
       {"connect", {F, V, V, V, V, V}, "Connect"}});
  add(wire::MID::kUnlinkAt, {{"unlinkat", {F, V, V, V, V, V}, "UnlinkAt"}});
  // path_walk::RenameAt makes the raw renameat2 syscall for every flags value.
  add(wire::MID::kRenameAt, {{"renameat2", {F, V, F, V, A::Fixed(0), V}, "RenameAt"}});
  add(wire::MID::kGetdents64,
      {{"lseek", {F, V, V, V, V, V}, "rewind / resume a directory"},
       {"getdents64", {F, V, V, V, V, V}, "read entries"},
       {"poll",
        {V, A::Fixed(1), A::Fixed(0), V, V, V},
        "has the mount table changed? (MountTable::Current, glibc poll)"},
       {"read", {F, V, V, V, V, V}, "re-read /proc/self/mountinfo"},
       {"readlinkat", {F, V, V, V, V, V}, "the directory's path, to match mount points"},
       kStatAt});
  add(wire::MID::kFGetXattr, {kReopen, kStatFd, {"fgetxattr", {F, V, V, V, V, V}, "FGetXattr"}});
  add(wire::MID::kFSetXattr, {kReopen, kStatFd, {"fsetxattr", {F, V, V, V, V, V}, "FSetXattr"}});
  add(wire::MID::kFListXattr, {kReopen, kStatFd, {"flistxattr", {F, V, V, V, V, V}, "FListXattr"}});
  add(wire::MID::kFRemoveXattr,
      {kReopen, kStatFd, {"fremovexattr", {F, V, V, V, V, V}, "FRemoveXattr"}});
  add(wire::MID::kBindAt, {kUnixSocketStream, kUnixSocketDgram, kUnixSocketSeqpacket,
                           {"fchmod", {F, V, V, V, V, V}, "the socket's mode"},
                           kProcPathCheck,
                           {"bind", {F, V, V, V, V, V}, "BindAt"},
                           kOpenBeneath,
                           kStatFd,
                           kChown,
                           kUnlinkFileCleanup,
                           kDupCloexec});
  add(wire::MID::kListen, {{"listen", {F, V, V, V, V, V}, "Listen"}});
  add(wire::MID::kAccept,
      {{"accept4",
        {F, A::Fixed(0), A::Fixed(0), A::Fixed(SOCK_NONBLOCK | SOCK_CLOEXEC), V, V},
        "Accept"}});
  add(wire::MID::kConnectWithCreds,
      {kUnixSocketStream,
       kUnixSocketDgram,
       kUnixSocketSeqpacket,
       kProcPathCheck,
       {"geteuid", {V, V, V, V, V, V}, "remember our ids"},
       {"getegid", {V, V, V, V, V, V}, "remember our ids"},
       {"setresgid", {A::FixedInt(-1), V, A::FixedInt(-1), V, V, V}, "assume the caller's gid"},
       {"setresuid", {A::FixedInt(-1), V, A::FixedInt(-1), V, V, V}, "assume the caller's uid"},
       {"connect", {F, V, V, V, V, V}, "ConnectWithCreds"}});
  add(wire::MID::kRenameAt2, {{"renameat2", {F, V, F, V, V, V}, "RenameAt2 (client flags)"}});
  return t;
}

}  // namespace

std::span<const SyscallUse> SyscallsForMid(wire::MID mid) {
  static const std::vector<Entry>* table = new std::vector<Entry>(BuildTable());
  for (const Entry& e : *table) {
    if (e.mid == mid) return e.uses;
  }
  return {};
}

}  // namespace hg::fsgofer
