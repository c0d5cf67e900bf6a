// Round-trip properties over random valid messages of every type:
//   decode(encode(m)) == m,  encode(decode(b)) == b,  |encode(m)| == EncodedSize(m)
// and the dispatcher decodes each MID's bytes to the same value. Plus encoder
// limits (u16 counts and lengths) and the three encode entry points.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "gofer/wire/decode_any.h"
#include "gofer/wire/messages.h"
#include "gofer/wire/wire_test_fields.h"

namespace hg::wire::testing {
namespace {

constexpr int kIterationsPerType = 150;

template <typename T, bool kRequest>
void RoundTrip(MID mid, std::mt19937_64* rng) {
  SCOPED_TRACE(std::string(MidName(mid)) + (kRequest ? " request" : " response"));
  for (int i = 0; i < kIterationsPerType; ++i) {
    Arena arena;
    T m{};
    RandomVisitor fill(rng, &arena);
    VisitFields(m, fill);

    auto bytes = Encode(m);
    ASSERT_TRUE(bytes.ok()) << EncodeErrorName(bytes.error());
    ASSERT_EQ(bytes->size(), m.EncodedSize());

    const std::vector<uint8_t> exact(bytes->begin(), bytes->end());  // exactly-sized for ASan
    Decoded<T> d = T::Decode(exact);
    ASSERT_TRUE(d.ok()) << DecodeErrorName(d.error());
    ASSERT_TRUE(*d == m) << "decode(encode(m)) != m";

    auto again = Encode(*d);
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(*again, exact) << "encode(decode(b)) != b";

    if constexpr (kRequest) {
      Decoded<Request> any = DecodeAny(mid, exact);
      ASSERT_TRUE(any.ok());
      ASSERT_TRUE(std::holds_alternative<T>(*any));
      ASSERT_TRUE(std::get<T>(*any) == m);
    } else {
      Decoded<Response> any = DecodeAnyResponse(mid, exact);
      ASSERT_TRUE(any.ok());
      ASSERT_TRUE(std::holds_alternative<T>(*any));
      ASSERT_TRUE(std::get<T>(*any) == m);
    }

    // Trailing bytes are ignored (gVisor semantics): same value.
    std::vector<uint8_t> longer = exact;
    longer.push_back(0x5a);
    Decoded<T> d2 = T::Decode(longer);
    ASSERT_TRUE(d2.ok());
    ASSERT_TRUE(*d2 == m);
  }
}

TEST(RoundTripTest, RandomMessagesOfEveryTypeRoundTrip) {
  std::mt19937_64 rng(20260822);
  RoundTrip<ErrorResp, false>(MID::kError, &rng);
#define HG_ROUND_TRIP_(Name, Req, Resp)      \
  RoundTrip<Req, true>(MID::k##Name, &rng);  \
  RoundTrip<Resp, false>(MID::k##Name, &rng);
  HG_WIRE_FOR_EACH_RPC(HG_ROUND_TRIP_)
#undef HG_ROUND_TRIP_
}

TEST(RoundTripTest, MaximalStringsAndArraysRoundTrip) {
  std::string big(UINT16_MAX, 'x');
  big[0] = '\0';  // bytes are opaque, NUL included
  std::vector<std::string_view> many(UINT16_MAX, std::string_view());
  WalkReq walk{.dir_fd = 7, .path = many};
  auto enc = Encode(walk);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(enc->size(), 8u + 2u + 2u * UINT16_MAX);
  Decoded<WalkReq> d = WalkReq::Decode(*enc);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->path.size(), size_t{UINT16_MAX});

  FSetXattrReq x{.fd = 1, .flags = 2, .name = big, .value = big};
  auto xe = Encode(x);
  ASSERT_TRUE(xe.ok());
  Decoded<FSetXattrReq> xd = FSetXattrReq::Decode(*xe);
  ASSERT_TRUE(xd.ok());
  EXPECT_TRUE(*xd == x);
}

TEST(RoundTripTest, EncoderRefusesLengthsItsPrefixCannotHold) {
  std::string too_long(size_t{UINT16_MAX} + 1, 'a');
  {
    UnlinkAtReq m{.dir_fd = 1, .flags = 0, .name = too_long};
    auto r = Encode(m);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), EncodeError::kTooLong);
  }
  {
    std::vector<std::string_view> too_many(size_t{UINT16_MAX} + 1);
    FListXattrResp m{.xattrs = too_many};
    auto r = Encode(m);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), EncodeError::kTooLong);
  }
  {
    CloseReq m{.fds = std::vector<FDID>(size_t{UINT16_MAX} + 1, 3)};
    auto r = Encode(m);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), EncodeError::kTooLong);
  }
  {
    MountResp m;
    m.supported_mids.assign(size_t{UINT16_MAX} + 1, MID::kFStat);
    auto r = Encode(m);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), EncodeError::kTooLong);
  }
}

TEST(RoundTripTest, EncodeAppendLeavesTheVectorUntouchedOnError) {
  std::vector<uint8_t> out = {1, 2, 3};
  std::string too_long(size_t{UINT16_MAX} + 1, 'a');
  Encoded r = EncodeAppend(ReadLinkAtResp{too_long}, &out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(out, (std::vector<uint8_t>{1, 2, 3}));

  Encoded ok = EncodeAppend(StatReq{.fd = 0x0102030405060708}, &out);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 8u);
  EXPECT_EQ(out, (std::vector<uint8_t>{1, 2, 3, 8, 7, 6, 5, 4, 3, 2, 1}));
}

TEST(RoundTripTest, EncodeIntoNeverWritesPastTheCapacity) {
  std::mt19937_64 rng(7);
  Arena arena;
  for (int i = 0; i < 200; ++i) {
    Getdents64Resp m;
    RandomVisitor fill(&rng, &arena);
    VisitFields(m, fill);
    const size_t size = m.EncodedSize();
    for (size_t cap : {size_t{0}, size / 2, size - 1, size}) {
      if (cap > size) continue;
      std::vector<uint8_t> buf(cap + 8, 0xEE);  // 8 canary bytes after the capacity
      Encoded r = EncodeInto(m, std::span<uint8_t>(buf).first(cap));
      EXPECT_EQ(r.ok(), cap == size);
      if (!r.ok()) {
        EXPECT_EQ(r.error(), EncodeError::kNoSpace);
      }
      for (size_t j = cap; j < buf.size(); ++j) ASSERT_EQ(buf[j], 0xEE) << "wrote past capacity";
    }
  }
}

}  // namespace
}  // namespace hg::wire::testing
