// Every LisaFS message type, and the compile-time MID -> type table.
//
//   using Req = RequestOf<MID::kWalkStat>;          // WalkReq
//   using Resp = ResponseOf<MID::kWalkStat>;        // WalkStatResp
//   Decoded<Req> req = Req::Decode(payload);
//
//   #define X(Name, Request, Response) ...          // one line per MID 1..33
//   HG_WIRE_FOR_EACH_RPC(X)
//
// Type names follow gVisor's (pkg/lisafs/message.go) so the golden vectors'
// go_type maps one to one. Fields are snake_case versions of gVisor's names;
// gVisor's embedded structs (createCommon, ConnectReq in ConnectWithCredsReq,
// RenameAtReq in RenameAt2Req) are flattened, as Go code reaches them.
// Shared types: WalkStat uses WalkReq; ConnectWithCreds answers with
// ConnectResp; RenameAt2 answers with RenameAtResp; FStat answers with a bare
// Statx and FStatFS with StatFS; Error (MID 0) is response-only (ErrorResp).
//
// Variable-length fields (names, PWrite/PRead data, arrays of strings) are
// views into the decoded payload: keep the payload alive while using them.
#ifndef HARDGOFER_GOFER_WIRE_MESSAGES_H_
#define HARDGOFER_GOFER_WIRE_MESSAGES_H_

#include "gofer/wire/messages_dir.h"
#include "gofer/wire/messages_io.h"
#include "gofer/wire/messages_metadata.h"
#include "gofer/wire/messages_session.h"
#include "gofer/wire/messages_socket.h"
#include "gofer/wire/messages_walk.h"
#include "gofer/wire/messages_xattr.h"
#include "gofer/wire/mid.h"
#include "gofer/wire/statx.h"

// X(Name, RequestType, ResponseType) for MIDs 1..33 in MID order; MID::k##Name.
#define HG_WIRE_FOR_EACH_RPC(X)                          \
  X(Mount, MountReq, MountResp)                          \
  X(Channel, ChannelReq, ChannelResp)                    \
  X(FStat, StatReq, Statx)                               \
  X(SetStat, SetStatReq, SetStatResp)                    \
  X(Walk, WalkReq, WalkResp)                             \
  X(WalkStat, WalkReq, WalkStatResp)                     \
  X(OpenAt, OpenAtReq, OpenAtResp)                       \
  X(OpenCreateAt, OpenCreateAtReq, OpenCreateAtResp)     \
  X(Close, CloseReq, CloseResp)                          \
  X(FSync, FsyncReq, FsyncResp)                          \
  X(PWrite, PWriteReq, PWriteResp)                       \
  X(PRead, PReadReq, PReadResp)                          \
  X(MkdirAt, MkdirAtReq, MkdirAtResp)                    \
  X(MknodAt, MknodAtReq, MknodAtResp)                    \
  X(SymlinkAt, SymlinkAtReq, SymlinkAtResp)              \
  X(LinkAt, LinkAtReq, LinkAtResp)                       \
  X(FStatFS, FStatFSReq, StatFS)                         \
  X(FAllocate, FAllocateReq, FAllocateResp)              \
  X(ReadLinkAt, ReadLinkAtReq, ReadLinkAtResp)           \
  X(Flush, FlushReq, FlushResp)                          \
  X(Connect, ConnectReq, ConnectResp)                    \
  X(UnlinkAt, UnlinkAtReq, UnlinkAtResp)                 \
  X(RenameAt, RenameAtReq, RenameAtResp)                 \
  X(Getdents64, Getdents64Req, Getdents64Resp)           \
  X(FGetXattr, FGetXattrReq, FGetXattrResp)              \
  X(FSetXattr, FSetXattrReq, FSetXattrResp)              \
  X(FListXattr, FListXattrReq, FListXattrResp)           \
  X(FRemoveXattr, FRemoveXattrReq, FRemoveXattrResp)     \
  X(BindAt, BindAtReq, BindAtResp)                       \
  X(Listen, ListenReq, ListenResp)                       \
  X(Accept, AcceptReq, AcceptResp)                       \
  X(ConnectWithCreds, ConnectWithCredsReq, ConnectResp)  \
  X(RenameAt2, RenameAt2Req, RenameAtResp)

namespace hg::wire {

template <MID M>
struct MessageTypes;  // undefined for MIDs outside 0..33

template <>
struct MessageTypes<MID::kError> {
  using Response = ErrorResp;  // no Request: Error is response-only
};

#define HG_WIRE_TRAITS_(Name, Req, Resp) \
  template <>                            \
  struct MessageTypes<MID::k##Name> {    \
    using Request = Req;                 \
    using Response = Resp;               \
  };
HG_WIRE_FOR_EACH_RPC(HG_WIRE_TRAITS_)
#undef HG_WIRE_TRAITS_

template <MID M>
using RequestOf = typename MessageTypes<M>::Request;
template <MID M>
using ResponseOf = typename MessageTypes<M>::Response;

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_MESSAGES_H_
