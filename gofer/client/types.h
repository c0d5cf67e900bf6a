// Owned results of the client's RPCs.
//
//   HG_ASSIGN_OR_RETURN(WalkResult w, client.Walk(root, {"a", "b"}));
//   for (const wire::Inode& in : w.inodes) ScopedFdId id(&client, in.control_fd);
//   HG_ASSIGN_OR_RETURN(OpenedFile f, client.OpenAt(w.inodes.back().control_fd, O_RDONLY));
//   if (f.host_fd.valid()) ::pread(f.host_fd.get(), ...);   // donated: no RPC needed
//
// The wire layer decodes into views of the response payload, which belongs
// to the communicator and is overwritten by the next call on it. Every value
// the client returns is therefore copied out here before the communicator is
// released: a caller can never hold a view into a buffer another thread is
// already reusing.
#ifndef HARDGOFER_GOFER_CLIENT_TYPES_H_
#define HARDGOFER_GOFER_CLIENT_TYPES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "gofer/wire/statx.h"
#include "gofer/wire/types.h"

namespace hg::client {

using wire::FDID;

// Walk (MID 5). `inodes` holds one control FD per component walked; the
// caller owns every one of them (close with Client::CloseFd or ScopedFdId).
struct WalkResult {
  wire::WalkStatus status = wire::WalkStatus::kSuccess;
  std::vector<wire::Inode> inodes;
};

// OpenAt (MID 7).
struct OpenedFile {
  FDID open_fd = wire::kInvalidFDID;
  // Host FD the server donated (regular files, FIFOs, ...); invalid if none.
  UniqueFd host_fd;
};

// OpenCreateAt (MID 8).
struct CreatedFile {
  wire::Inode child;  // new control FD + stat of the new file
  FDID open_fd = wire::kInvalidFDID;
  UniqueFd host_fd;  // donated host FD, invalid if none
};

// One Getdents64 record with its name copied out of the response.
struct Dirent {
  uint64_t ino = 0;
  uint32_t dev_minor = 0;
  uint32_t dev_major = 0;
  uint64_t off = 0;
  uint8_t type = 0;  // DT_*
  std::string name;
};

// BindAt (MID 29).
struct BoundSocket {
  wire::Inode child;                          // control FD of the socket file
  FDID bound_socket_fd = wire::kInvalidFDID;  // for Listen / Accept
  UniqueFd host_fd;                           // notification FD (the bound socket)
};

// Accept (MID 31).
struct AcceptedSocket {
  std::string peer_addr;
  UniqueFd fd;
};

// The Channel RPC (MID 2) result before the channel is connected.
struct ChannelGrant {
  int64_t data_offset = 0;
  uint64_t data_length = 0;
  UniqueFd data_fd;  // memfd holding the packet window
  UniqueFd fd_sock;  // FD socket of the channel
};

}  // namespace hg::client

#endif  // HARDGOFER_GOFER_CLIENT_TYPES_H_
