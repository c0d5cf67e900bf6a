// FD passing on a channel's FD socket: one FD per zero-length SOCK_SEQPACKET
// datagram, one SCM_RIGHTS int each (gVisor pkg/fdchannel).
//
//   SendFdDatagram(sock, fd);                 // server, before switching control
//   Outcome<UniqueFd> fd = RecvFdDatagram(sock);   // client, after the switch
//
// Why one FD per datagram: the receiver then knows exactly how many FDs each
// recvmsg can install, and a count mismatch cannot smuggle extra FDs in.
#ifndef HARDGOFER_GOFER_TRANSPORT_FD_DATAGRAM_H_
#define HARDGOFER_GOFER_TRANSPORT_FD_DATAGRAM_H_

#include "base/result.h"
#include "base/unique_fd.h"
#include "gofer/transport/transport_error.h"

namespace hg::transport {

// Sends `fd` (borrowed) without blocking: a client that never drains its FD
// socket must not be able to park a server thread in sendmsg, which no
// Shutdown could interrupt. MSG_DONTWAIT|MSG_NOSIGNAL (no SIGPIPE when the
// client end is gone; also the flags the stock gofer seccomp rules allow).
Status SendFdDatagram(int sock, int fd);

// Receives one FD without blocking, installed O_CLOEXEC. Requires exactly one
// SOL_SOCKET/SCM_RIGHTS message of CMSG_LEN(sizeof(int)) bytes, as gVisor's
// fdchannel does; anything else is kProtocol (and whatever came is closed).
// kSystem with EAGAIN when no FD is queued.
Outcome<UniqueFd> RecvFdDatagram(int sock);

}  // namespace hg::transport

#endif  // HARDGOFER_GOFER_TRANSPORT_FD_DATAGRAM_H_
