// Socket and channel frame headers (the captured frames are in
// golden_vectors_test.cc; the stricter-than-gVisor checks in strictness_test.cc).
#include "gofer/wire/frame.h"

#include <gtest/gtest.h>

#include <vector>

#include "gofer/wire/messages.h"

namespace hg::wire {
namespace {

TEST(FrameTest, SocketHeaderLayout) {
  auto enc = Encode(SocketHeader{.payload_len = 0x11, .mid = MID::kWalk});
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(*enc, (std::vector<uint8_t>{0x11, 0, 0, 0, 5, 0, 0, 0}));  // reference §10.2

  const std::vector<uint8_t> padded = {4, 0, 0, 0, 0, 0, 0xab, 0xcd};  // padding ignored
  Decoded<SocketHeader> h = SocketHeader::Decode(padded);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->payload_len, 4u);
  EXPECT_EQ(h->mid, MID::kError);

  for (size_t n = 0; n < SocketHeader::kSize; ++n) {
    const std::vector<uint8_t> prefix(padded.begin(), padded.begin() + n);
    EXPECT_EQ(SocketHeader::Decode(prefix).error(), DecodeError::kTruncated);
  }
}

TEST(FrameTest, SocketHeaderKeepsUnknownMidsForTheDispatcher) {
  const std::vector<uint8_t> b = {0, 0, 0, 0, 0x00, 0x01, 0, 0};  // MID 256: an extension's
  Decoded<SocketHeader> h = SocketHeader::Decode(b);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(ToRaw(h->mid), 256);
  EXPECT_FALSE(IsKnownMid(h->mid));
}

TEST(FrameTest, ParseSocketFrameNeedsTheWholePayload) {
  std::vector<uint8_t> f = {3, 0, 0, 0, 9, 0, 0, 0, 1, 2};
  EXPECT_EQ(ParseSocketFrame(f).error(), DecodeError::kLengthOverrun);
  f.push_back(3);
  f.push_back(0x77);  // the next frame's first byte: not part of this payload
  Decoded<SocketFrame> ok = ParseSocketFrame(f);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->header.mid, MID::kClose);
  EXPECT_EQ(std::vector<uint8_t>(ok->payload.begin(), ok->payload.end()),
            (std::vector<uint8_t>{1, 2, 3}));
}

TEST(FrameTest, ChannelHeaderLayout) {
  auto enc = Encode(ChannelHeader{.mid = MID::kFStat, .num_fds = 0});
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(*enc, (std::vector<uint8_t>{3, 0, 0, 0}));  // reference §10.1

  const std::vector<uint8_t> resp = {7, 0, 2, 0xff, 9, 9};  // padding ignored
  Decoded<ChannelFrame> f = ParseChannelResponse(resp);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->header.mid, MID::kOpenAt);
  EXPECT_EQ(f->header.num_fds, 2);
  EXPECT_EQ(f->payload.size(), 2u);

  for (size_t n = 0; n < ChannelHeader::kSize; ++n) {
    const std::vector<uint8_t> prefix(resp.begin(), resp.begin() + n);
    EXPECT_EQ(ParseChannelRequest(prefix).error(), DecodeError::kTruncated);
    EXPECT_EQ(ParseChannelResponse(prefix).error(), DecodeError::kTruncated);
  }
  const std::vector<uint8_t> empty_payload = {1, 0, 0, 0};
  Decoded<ChannelFrame> mount = ParseChannelRequest(empty_payload);
  ASSERT_TRUE(mount.ok());
  EXPECT_TRUE(mount->payload.empty());
}

}  // namespace
}  // namespace hg::wire
