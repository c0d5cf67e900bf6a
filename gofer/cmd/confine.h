// Confinement of `hardgofer run`: named steps, in runsc's order, each checked
// and fatal.
//
//   ConfineInput in{.mounts = &mounts, .keep_fds = {sock0, sock1, log_fd, sigfd},
//                   .caps = policy.capability(), .program = &program};
//   ConfineResult out;
//   if (!RunConfinement(in, &out)) return kExitRuntime;  // printed:
//   // hardgofer run: confinement step 'drop_caps' failed: Operation not permitted
//   out.host;   // fsgofer::HostResources opened inside the new root
//
// The steps (ConfinementStepNames() in order):
//   open_roots       open every served mount root (O_PATH) while the host view
//                    exists, and take detached copies (open_tree) of the roots
//                    (nosuid; read-only ones read-only) and of our own
//                    /proc/self/fd and /proc/self/mountinfo
//   mount_namespace  unshare(CLONE_NEWNS); make every mount a slave (nothing we
//                    do propagates to the host; host unmounts still reach us)
//   pivot_root       build a new root on a tmpfs: each served root's copy
//                    attached at /mounts/<i>, the /proc/self/fd and
//                    /proc/self/mountinfo copies at the same paths (path_walk's magic links, socket
//                    addresses and the mount table need them; nothing else of
//                    /proc is visible), pivot_root into it, detach the old
//                    root, make the tmpfs read-only; then umask(0), so modes
//                    sent by the sentry apply exactly (umask cannot fail, so
//                    it closes this step instead of being one)
//   close_fds        close_range every FD but stdio, the served sockets, the
//                    log and signal FDs and the roots; then open the server's
//                    own /proc handles (fsgofer::HostResources) in the new root
//   drop_caps        libcap-ng: effective, permitted, inheritable, bounding and
//                    ambient become exactly the policy's list (checked back
//                    with capget/PR_CAPBSET_READ); refuses if another thread
//                    exists (capabilities are per thread)
//   no_new_privs     PR_SET_NO_NEW_PRIVS
//   rlimits          RLIMIT_CORE 0 (no core dump can spill served data),
//                    RLIMIT_NOFILE soft = hard = the fd limit
//   seccomp          fill the placeholders (tgkill's pid) and install the
//                    program on every thread (TSYNC)
// Nothing is served before every step succeeded: the caller starts the
// connections afterwards. There is no way back; tests run this in a child.
#ifndef HARDGOFER_GOFER_CMD_CONFINE_H_
#define HARDGOFER_GOFER_CMD_CONFINE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "gofer/cmd/served_mounts.h"
#include "gofer/fsgofer/mount_state.h"
#include "policy/policy.pb.h"
#include "seccomp/bpf_program.h"

namespace hg::cmd {

struct ConfineInput {
  const std::vector<ServedMount>* mounts = nullptr;
  // FDs that survive close_fds besides stdio and what the steps open.
  std::vector<int> keep_fds;
  std::vector<policy::pb::Capability> caps;
  const seccomp::BpfProgram* program = nullptr;  // placeholders unfilled
  uint64_t fd_limit = 65536;
  bool fd_limit_explicit = false;  // else lowered to the current hard limit if that is smaller
};

struct ConfineResult {
  std::vector<UniqueFd> roots;  // O_PATH, one per served mount (kept open while serving)
  fsgofer::HostResources host;  // /proc/self/fd and mountinfo inside the new root
  uint64_t fd_limit = 0;        // the RLIMIT_NOFILE set
};

// The step names, in order (for docs, tests and logs).
std::vector<std::string_view> ConfinementStepNames();

// Runs every step in order. On the first failure prints
//   hardgofer run: confinement step '<name>' failed: <errno text>[ (<detail>)]
// to stderr and returns false; the process must then exit without serving.
// Each step that succeeds logs one debug line "confine_step".
bool RunConfinement(const ConfineInput& in, ConfineResult* out);

}  // namespace hg::cmd

#endif  // HARDGOFER_GOFER_CMD_CONFINE_H_
