// RAII owner of a server-side FDID (control, open or bound-socket FD).
//
//   HG_ASSIGN_OR_RETURN(wire::Inode dir, client.MkdirAt(root, "d", 0755, kNoUID, kNoGID));
//   ScopedFdId d(&client, dir.control_fd);        // queued for Close at scope exit
//   ... client.FStat(d.get()) ...
//
// Every FDID a server hands out pins a host descriptor and a node of its tree
// until the client closes it; a client that forgets them runs the server into
// its per-connection FD limit. Closing goes through Client::CloseFd, i.e. the
// batched Close of gVisor's client (one RPC per 100 FDIDs), so scoping many
// short-lived FDIDs costs few round trips.
#ifndef HARDGOFER_GOFER_CLIENT_SCOPED_FD_ID_H_
#define HARDGOFER_GOFER_CLIENT_SCOPED_FD_ID_H_

#include <utility>

#include "gofer/wire/types.h"

namespace hg::client {

class Client;

class ScopedFdId {
 public:
  ScopedFdId() = default;
  // Owns `id` (kInvalidFDID owns nothing).
  ScopedFdId(Client* client, wire::FDID id) : client_(client), id_(id), owned_(true) {}
  // Refers to `id` without closing it (e.g. the mount root, owned by the Client).
  static ScopedFdId Unowned(Client* client, wire::FDID id) {
    ScopedFdId s(client, id);
    s.owned_ = false;
    return s;
  }
  ScopedFdId(ScopedFdId&& o) noexcept
      : client_(o.client_), id_(std::exchange(o.id_, wire::kInvalidFDID)), owned_(o.owned_) {}
  ScopedFdId& operator=(ScopedFdId&& o) noexcept {
    if (this != &o) {
      reset();
      client_ = o.client_;
      id_ = std::exchange(o.id_, wire::kInvalidFDID);
      owned_ = o.owned_;
    }
    return *this;
  }
  ScopedFdId(const ScopedFdId&) = delete;
  ScopedFdId& operator=(const ScopedFdId&) = delete;
  ~ScopedFdId() { reset(); }

  wire::FDID get() const { return id_; }
  bool valid() const { return id_ != wire::kInvalidFDID; }
  bool owned() const { return owned_; }
  // Gives up ownership without closing.
  [[nodiscard]] wire::FDID release() { return std::exchange(id_, wire::kInvalidFDID); }
  // Queues the owned FDID for Close (batched) and forgets it.
  void reset();

 private:
  Client* client_ = nullptr;
  wire::FDID id_ = wire::kInvalidFDID;
  bool owned_ = false;
};

}  // namespace hg::client

#endif  // HARDGOFER_GOFER_CLIENT_SCOPED_FD_ID_H_
