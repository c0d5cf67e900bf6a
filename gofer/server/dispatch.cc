// Dispatch of one request: gVisor's handleMsg order of checks, plus ours.
#include <fcntl.h>

#include <cerrno>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "base/log.h"
#include "gofer/server/connection.h"
#include "gofer/server/control_fd.h"
#include "gofer/server/handlers.h"
#include "gofer/server/server.h"
#include "gofer/wire/mid.h"

namespace hg::server {
namespace {

using wire::MID;

struct TableEntry {
  HandlerFn fn;
  bool mutating;  // EROFS on read-only connections, before decoding
};

constexpr TableEntry kTable[wire::kNumMids] = {
    /* 0 Error */ {nullptr, false},  // response-only: a request with it is EOPNOTSUPP
    /* 1 Mount */ {&Handlers::Mount, false},
    /* 2 Channel */ {&Handlers::Channel, false},
    /* 3 FStat */ {&Handlers::FStat, false},
    /* 4 SetStat */ {&Handlers::SetStat, true},
    /* 5 Walk */ {&Handlers::Walk, false},
    /* 6 WalkStat */ {&Handlers::WalkStat, false},
    /* 7 OpenAt */ {&Handlers::OpenAt, false},  // EROFS for write/trunc: needs the flags
    /* 8 OpenCreateAt */ {&Handlers::OpenCreateAt, true},
    /* 9 Close */ {&Handlers::Close, false},
    /* 10 FSync */ {&Handlers::FSync, false},
    /* 11 PWrite */ {&Handlers::PWrite, true},
    /* 12 PRead */ {&Handlers::PRead, false},
    /* 13 MkdirAt */ {&Handlers::MkdirAt, true},
    /* 14 MknodAt */ {&Handlers::MknodAt, true},
    /* 15 SymlinkAt */ {&Handlers::SymlinkAt, true},
    /* 16 LinkAt */ {&Handlers::LinkAt, true},
    /* 17 FStatFS */ {&Handlers::FStatFS, false},
    /* 18 FAllocate */ {&Handlers::FAllocate, true},
    /* 19 ReadLinkAt */ {&Handlers::ReadLinkAt, false},
    /* 20 Flush */ {&Handlers::Flush, false},
    /* 21 Connect */ {&Handlers::Connect, false},
    /* 22 UnlinkAt */ {&Handlers::UnlinkAt, true},
    /* 23 RenameAt */ {&Handlers::RenameAt, true},
    /* 24 Getdents64 */ {&Handlers::Getdents64, false},
    /* 25 FGetXattr */ {&Handlers::FGetXattr, false},
    /* 26 FSetXattr */ {&Handlers::FSetXattr, true},
    /* 27 FListXattr */ {&Handlers::FListXattr, false},
    /* 28 FRemoveXattr */ {&Handlers::FRemoveXattr, true},
    /* 29 BindAt */ {&Handlers::BindAt, true},
    /* 30 Listen */ {&Handlers::Listen, false},
    /* 31 Accept */ {&Handlers::Accept, false},
    /* 32 ConnectWithCreds */ {&Handlers::ConnectWithCreds, false},
    /* 33 RenameAt2 */ {&Handlers::RenameAt2, true},
};

}  // namespace

HandlerFn Handlers::For(uint16_t mid) { return mid < wire::kNumMids ? kTable[mid].fn : nullptr; }

bool Handlers::IsMutating(uint16_t mid) { return mid < wire::kNumMids && kTable[mid].mutating; }

MidSet Handlers::Handled() {
  MidSet s;
  for (uint16_t m = 0; m < wire::kNumMids; ++m) {
    if (kTable[m].fn != nullptr) s.Add(static_cast<MID>(m));
  }
  return s;
}

Connection::Reply Connection::Dispatch(uint16_t mid, std::span<const uint8_t> payload,
                                       ResponseSpace& out) {
  RpcObserver* obs = server_->opts_.observer;
  if (obs == nullptr) return DispatchRequest(mid, payload, out);
  // The path is read before the handler runs: an UnlinkAt or a Close may
  // make the FD's node unreachable afterwards.
  const std::string path = obs->WantsPaths() ? RequestPath(mid, payload) : std::string();
  Reply r = DispatchRequest(mid, payload, out);
  obs->OnRpc(RpcEvent{mount_path_, mid, r.err, path});
  return r;
}

std::string Connection::RequestPath(uint16_t mid, std::span<const uint8_t> payload) const {
  // Every request but these four starts with the FDID it acts on (LisaFS
  // layout: a little-endian u64).
  if (mid == wire::ToRaw(MID::kMount) || mid == wire::ToRaw(MID::kChannel) ||
      mid == wire::ToRaw(MID::kClose) || mid == wire::ToRaw(MID::kFSync) || mid >= wire::kNumMids ||
      payload.size() < sizeof(uint64_t)) {
    return {};
  }
  uint64_t id = 0;
  for (size_t i = 0; i < sizeof(id); ++i) id |= uint64_t{payload[i]} << (8 * i);
  Result<FdEntry> e = LookupFd(id);
  if (!e.ok()) return {};
  std::shared_ptr<ControlFd> control = e->control;
  if (!control && e->open) control = e->open->cfd_;
  if (!control) return {};
  // Node names and parents change only under the exclusive rename lock.
  std::shared_lock<std::shared_mutex> l(server_->rename_mu_);
  Result<std::string> p = control->PathInMount();
  return p.ok() ? std::move(p).value() : std::string();
}

Connection::Reply Connection::DispatchRequest(uint16_t mid, std::span<const uint8_t> payload,
                                              ResponseSpace& out) {
  // (The transport already answered payloads over the max message size: EIO.)
  if (closing_.load(std::memory_order_acquire)) return ErrorReply(Errno(ECONNRESET), out);
  // Unknown MID, or one this connection does not serve (backend list ∩
  // allowed_mids): EOPNOTSUPP, before anything else looks at the payload.
  HandlerFn fn = Handlers::For(mid);
  if (fn == nullptr || !served_.Contains(mid)) return ErrorReply(Errno(EOPNOTSUPP), out);

  // Mount first, and once (gVisor enforces neither; its client always mounts
  // exactly once, first). Before Mount: ENOTCONN. A second Mount: EBUSY.
  if (mid == wire::ToRaw(MID::kMount)) {
    int expected = 0;
    if (!mount_state_.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
      return ErrorReply(Errno(EBUSY), out);
    }
  } else if (mount_state_.load(std::memory_order_acquire) != 2) {
    return ErrorReply(Errno(ENOTCONN), out);
  }

  if (opts_.readonly && Handlers::IsMutating(mid)) {
    // The same "refused" event fsgofer writes for its rules; the request is
    // not decoded here (that is the point of refusing first), so the line
    // names the mount rather than a path.
    HG_LOG(kDebug, "refused",
           {{"op", wire::MidName(static_cast<MID>(mid))},
            {"mount", mount_path_},
            {"rule", "readonly"},
            {"errno", "EROFS"}});
    return ErrorReply(Errno(EROFS), out);
  }

  std::vector<UniqueFd> fds;
  Call call{*this, payload, out, fds};
  Result<uint32_t> len = fn(call);
  if (mid == wire::ToRaw(MID::kMount)) {
    mount_state_.store(len.ok() ? 2 : 0, std::memory_order_release);
  }
  if (!len.ok()) return ErrorReply(len.error(), out);  // `fds` closes what was collected
  if (*len > max_message_size_) return ErrorReply(Errno(EIO), out);

  // gVisor's DonateFD: donated FDs are made non-blocking (best effort; O_PATH
  // FDs refuse F_SETFL, which is fine).
  for (UniqueFd& fd : fds) {
    int fl = ::fcntl(fd.get(), F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK)) (void)::fcntl(fd.get(), F_SETFL, fl | O_NONBLOCK);
  }
  return Reply{mid, *len, std::move(fds), 0};
}

}  // namespace hg::server
