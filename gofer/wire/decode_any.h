// Decode any message given its MID: the dispatcher's and fuzzers' entry point.
//
//   Decoded<Request> req = DecodeAny(hdr.mid, payload);
//   if (!req.ok()) return ErrorResp::For(ToErrno(req.error()));  // EIO / EOPNOTSUPP
//   std::visit([&](auto& m) { Handle(hdr.mid, m); }, *req);
//
// Request holds one alternative per request *type*: Walk and WalkStat both
// decode to WalkReq, so the caller keeps the MID alongside. Response likewise
// (ConnectWithCreds -> ConnectResp, RenameAt2 -> RenameAtResp, Error -> ErrorResp).
//
// DecodeAny fails with kUnknownMid for MIDs outside 0..33 and kNoSuchMessage for
// MID 0 (no request has that MID). A PRead response is decoded without a receiver
// limit; a client should call PReadResp::Decode(payload, requested_count) instead.
#ifndef HARDGOFER_GOFER_WIRE_DECODE_ANY_H_
#define HARDGOFER_GOFER_WIRE_DECODE_ANY_H_

#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "gofer/wire/errors.h"
#include "gofer/wire/messages.h"
#include "gofer/wire/mid.h"
#include "gofer/wire/writer.h"

namespace hg::wire {

using Request = std::variant<  //
    MountReq, ChannelReq, StatReq, SetStatReq, WalkReq, OpenAtReq, OpenCreateAtReq, CloseReq,
    FsyncReq, PWriteReq, PReadReq, MkdirAtReq, MknodAtReq, SymlinkAtReq, LinkAtReq, FStatFSReq,
    FAllocateReq, ReadLinkAtReq, FlushReq, ConnectReq, UnlinkAtReq, RenameAtReq, Getdents64Req,
    FGetXattrReq, FSetXattrReq, FListXattrReq, FRemoveXattrReq, BindAtReq, ListenReq, AcceptReq,
    ConnectWithCredsReq, RenameAt2Req>;

using Response = std::variant<  //
    ErrorResp, MountResp, ChannelResp, Statx, SetStatResp, WalkResp, WalkStatResp, OpenAtResp,
    OpenCreateAtResp, CloseResp, FsyncResp, PWriteResp, PReadResp, MkdirAtResp, MknodAtResp,
    SymlinkAtResp, LinkAtResp, StatFS, FAllocateResp, ReadLinkAtResp, FlushResp, ConnectResp,
    UnlinkAtResp, RenameAtResp, Getdents64Resp, FGetXattrResp, FSetXattrResp, FListXattrResp,
    FRemoveXattrResp, BindAtResp, ListenResp, AcceptResp>;

Decoded<Request> DecodeAny(MID mid, std::span<const uint8_t> payload);
Decoded<Response> DecodeAnyResponse(MID mid, std::span<const uint8_t> payload);

// Encodes whichever alternative is held (fuzzers' re-encode, tests).
size_t EncodedSize(const Request& m);
size_t EncodedSize(const Response& m);
void EncodeTo(const Request& m, Writer& w);
void EncodeTo(const Response& m, Writer& w);
Outcome<std::vector<uint8_t>, EncodeError> EncodeAny(const Request& m);
Outcome<std::vector<uint8_t>, EncodeError> EncodeAny(const Response& m);

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_DECODE_ANY_H_
