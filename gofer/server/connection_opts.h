// Per-connection behaviour (gVisor's ConnectionOpts) and resource bounds.
//
//   ConnectionOpts opts{.readonly = true, .walk_stat_supported = true};
//   opts.allowed_mids = MidSet::All().Without(wire::MID::kBindAt);   // e.g. from seccomp
//   ConnectionLimits limits{.max_open_fds = 4096};
//
// allowed_mids is the hardened-process hook: an RPC whose MID is not in it is
// answered with EOPNOTSUPP by the dispatcher before any decoding or backend
// call, and it is left out of the list advertised at Mount (so gVisor's client
// never even tries it). The confinement code derives the set from the seccomp
// program it installs, so a request can never reach a syscall that would kill
// the gofer. What a connection serves is
//     backend SupportedMessages()  ∩  allowed_mids  ∩  MIDs the server handles.
#ifndef HARDGOFER_GOFER_SERVER_CONNECTION_OPTS_H_
#define HARDGOFER_GOFER_SERVER_CONNECTION_OPTS_H_

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "gofer/transport/channel_set.h"
#include "gofer/wire/mid.h"

namespace hg::server {

// A set of standard LisaFS MIDs (0..33). Values outside that range are never
// members: the server has no handler for them.
class MidSet {
 public:
  MidSet() = default;
  MidSet(std::initializer_list<wire::MID> mids) {
    for (wire::MID m : mids) Add(m);
  }
  // Every RPC (1..33); Error (0) is response-only and never a member.
  static MidSet All() {
    MidSet s;
    for (uint16_t m = 1; m < wire::kNumMids; ++m) s.bits_.set(m);
    return s;
  }
  static MidSet None() { return MidSet(); }

  MidSet& Add(wire::MID m) {
    if (wire::IsKnownMid(m) && m != wire::MID::kError) bits_.set(wire::ToRaw(m));
    return *this;
  }
  MidSet& Remove(wire::MID m) {
    if (wire::IsKnownMid(m)) bits_.reset(wire::ToRaw(m));
    return *this;
  }
  MidSet Without(wire::MID m) const {
    MidSet s = *this;
    s.Remove(m);
    return s;
  }
  bool Contains(wire::MID m) const { return wire::IsKnownMid(m) && bits_.test(wire::ToRaw(m)); }
  bool Contains(uint16_t raw) const { return wire::IsKnownMid(raw) && bits_.test(raw); }
  size_t size() const { return bits_.count(); }
  MidSet Intersect(const MidSet& o) const {
    MidSet s;
    s.bits_ = bits_ & o.bits_;
    return s;
  }
  friend bool operator==(const MidSet&, const MidSet&) = default;

 private:
  std::bitset<wire::kNumMids> bits_;
};

// gVisor's ConnectionOpts. Defaults are gVisor's zero values (everything off,
// everything allowed); the stock gofer turns the four *_supported/_on_deleted
// switches on.
struct ConnectionOpts {
  // Every mutating RPC fails with EROFS (checked before decoding, as gVisor),
  // and OpenAt asking for write access or O_TRUNC too.
  bool readonly = false;
  // The backend's ControlFdImpl::WalkStat may walk several components under a
  // read guarantee on the start directory only (it must use host FDs and
  // O_NOFOLLOW per component). Otherwise the server walks with temporary
  // control FDs through ControlFdImpl::Walk under the rename lock.
  bool walk_stat_supported = false;
  // SetStat / FAllocate / OpenAt are allowed on a deleted (unlinked or
  // replaced) node. The backend must then work on its FDs, never on paths.
  bool set_attr_on_deleted = false;
  bool allocate_on_deleted = false;
  bool open_on_deleted = false;
  // RPCs this process may serve at all (see the header comment).
  MidSet allowed_mids = MidSet::All();
};

// Bounds on what one client can make this connection hold. Each is answered
// with an errno, never a crash, and checked *before* the backend is called
// (so a refused MkdirAt does not leave a directory behind).
struct ConnectionLimits {
  // FDIDs (control + open + bound-socket FDs) live at once: EMFILE beyond.
  size_t max_open_fds = size_t{1} << 16;
  // Flipcall channels over the connection's lifetime: ENOMEM beyond (what
  // gVisor answers). Default clamp(CPUs, 2, 4), what gVisor's client asks for.
  size_t max_channels = transport::DefaultMaxChannels();
  // Walk/WalkStat path components: ENAMETOOLONG beyond. Independently, a
  // walk whose full response could not fit the max message size is EIO (gVisor).
  // 4096 is twice what a PATH_MAX-bounded path can hold ("a/a/a/...").
  size_t max_walk_components = 4096;
  // Server-side bounded adaptive spin for channel threads (see
  // gofer/transport/flipcall_endpoint.h); {.spin_ns = 0} never polls.
  transport::EndpointOptions channel_endpoint{.spin_ns = transport::kDefaultServerSpin,
                                              .wake_spin_ns = transport::kDefaultWakeSpinNs};
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_CONNECTION_OPTS_H_
