// Every place the wire layer is deliberately stricter than gVisor, each named
// so in its test (and listed in README.md). Everything gVisor accepts that its
// own peers send is still accepted (see the golden edge vectors).
#include <gtest/gtest.h>

#include <vector>

#include "gofer/wire/decode_any.h"
#include "gofer/wire/frame.h"
#include "gofer/wire/max_message_size.h"
#include "gofer/wire/messages.h"

namespace hg::wire {
namespace {

// gVisor's client decodes an Error payload with UnmarshalUnsafe, which does not
// check the length (a short payload panics in Go). We reject it.
TEST(StrictnessTest, StricterThanGVisor_ShortErrorRespIsRejected) {
  const std::vector<uint8_t> full = {5, 0, 0, 0};
  ASSERT_EQ(ErrorResp::Decode(full)->errnum, 5u);
  for (size_t n = 0; n < 4; ++n) {
    std::span<const uint8_t> b = std::span(full).first(n);
    Decoded<ErrorResp> d = ErrorResp::Decode(b);
    ASSERT_FALSE(d.ok()) << n;
    EXPECT_EQ(d.error(), DecodeError::kTruncated);
    EXPECT_FALSE(DecodeAnyResponse(MID::kError, b).ok());
  }
}

// gVisor's PReadResp.CheckedUnmarshal compares uint32(NumBytes): a NumBytes of
// 2^32 + 5 with 5 data bytes passes its check and then panics slicing. We
// compare the full u64 and reject.
TEST(StrictnessTest, StricterThanGVisor_PReadRespNumBytesIsComparedAs64Bit) {
  std::vector<uint8_t> b = {5, 0, 0, 0, 1, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'};
  Decoded<PReadResp> d = PReadResp::Decode(b, 4096);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error(), DecodeError::kLengthOverrun);
  EXPECT_FALSE(DecodeAnyResponse(MID::kPRead, b).ok());
  b[4] = 0;  // NumBytes = 5: fine
  EXPECT_TRUE(PReadResp::Decode(b, 4096).ok());
}

// gVisor's server honours numFDs in a channel *request* and reads FDs from the
// channel's FD socket. Requests never carry FDs: we reject the header.
TEST(StrictnessTest, StricterThanGVisor_ChannelRequestWithFdsIsRejected) {
  for (uint8_t n : {uint8_t{1}, uint8_t{2}, uint8_t{255}}) {
    const std::vector<uint8_t> b = {3, 0, n, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    Decoded<ChannelFrame> f = ParseChannelRequest(b);
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error(), DecodeError::kFdsInRequest);
    EXPECT_EQ(ToErrno(f.error()), Errno(EIO));  // answered with an Error, not a hang
    EXPECT_TRUE(ParseChannelResponse(b).ok()) << "responses may carry FDs";
  }
}

// gVisor sizes its receive buffer by payloadLen before comparing it with the
// max message size. Our header decode can check first.
TEST(StrictnessTest, StricterThanGVisor_SocketPayloadLenIsCheckedBeforeAllocating) {
  const uint32_t max = MaxMessageSize();
  std::vector<uint8_t> b(8);
  SocketHeader{.payload_len = max, .mid = MID::kPWrite}.StoreTo(b.data());
  EXPECT_TRUE(SocketHeader::Decode(b, max).ok());
  SocketHeader{.payload_len = max + 1, .mid = MID::kPWrite}.StoreTo(b.data());
  Decoded<SocketHeader> h = SocketHeader::Decode(b, max);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error(), DecodeError::kPayloadTooLarge);
  SocketHeader{.payload_len = 0xFFFFFFFF, .mid = MID::kPWrite}.StoreTo(b.data());
  EXPECT_EQ(SocketHeader::Decode(b, max).error(), DecodeError::kPayloadTooLarge);
}

// gVisor's StringArray and Getdents64Resp decoders allocate `count` elements
// before checking that the payload holds them. Ours check count x minimal
// element size first, so the failure is kCountOverrun and nothing is allocated.
TEST(StrictnessTest, StricterThanGVisor_ArrayCountsAreCheckedBeforeAllocating) {
  const std::vector<uint8_t> walk = {1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0};
  EXPECT_EQ(WalkReq::Decode(walk).error(), DecodeError::kCountOverrun);
  const std::vector<uint8_t> xattrs = {0xff, 0xff, 0, 0, 0, 0};
  EXPECT_EQ(FListXattrResp::Decode(xattrs).error(), DecodeError::kCountOverrun);
  // 2 dirents need at least 54 bytes; 27 + 26 is one short.
  std::vector<uint8_t> dents = {2, 0};
  dents.resize(2 + 27 + 26);
  EXPECT_EQ(Getdents64Resp::Decode(dents).error(), DecodeError::kCountOverrun);
  const std::vector<uint8_t> fds = {0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(CloseReq::Decode(fds).error(), DecodeError::kCountOverrun);
}

// gVisor's SizedString/StringArray encoders cast the length to uint16 and copy
// every byte anyway, producing a frame whose prefix lies. We refuse to encode.
TEST(StrictnessTest, StricterThanGVisor_EncoderRefusesLengthsAboveUint16) {
  std::string name(size_t{UINT16_MAX} + 1, 'n');
  auto r = Encode(MkdirAtReq{.dir_fd = 1, .name = name});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), EncodeError::kTooLong);
  std::vector<uint8_t> buf(200000);
  Writer w(buf);
  AcceptResp{.peer_addr = name}.EncodeTo(w);
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.error(), EncodeError::kTooLong);
}

}  // namespace
}  // namespace hg::wire
