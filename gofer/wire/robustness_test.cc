// Robustness: every strict prefix and every single-byte corruption of every
// golden payload decodes without crashing, reading out of bounds or leaking.
// This binary runs under ASan+UBSan in `./dev test` (label asan), and every
// probe is decoded from its own exactly-sized heap buffer, so a one-byte
// over-read is an ASan report, not a silent pass.
//
// An accepted value must also be self-consistent: it re-encodes, the encoding
// is no longer than the input (trailing bytes are ignored, never invented), and
// decoding the re-encoding gives the same value.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "gofer/wire/decode_any.h"
#include "gofer/wire/messages.h"
#include "gofer/wire/wire_test_fields.h"
#include "gofer/wire/wire_test_vectors.h"

namespace hg::wire::testing {
namespace {

struct Stats {
  size_t accepted = 0;
  size_t rejected = 0;
};

// Decodes `input` (copied into an exactly-sized buffer) as a request or response
// for `mid` and checks the accepted-value properties.
void Probe(MID mid, bool request, std::span<const uint8_t> input, Stats* stats) {
  const std::vector<uint8_t> buf(input.begin(), input.end());
  if (request) {
    Decoded<Request> d = DecodeAny(mid, buf);
    if (!d.ok()) {
      ++stats->rejected;
      return;
    }
    ++stats->accepted;
    auto enc = EncodeAny(*d);
    ASSERT_TRUE(enc.ok()) << "a decoded request failed to re-encode";
    ASSERT_LE(enc->size(), buf.size());
    ASSERT_EQ(enc->size(), EncodedSize(*d));
    Decoded<Request> again = DecodeAny(mid, *enc);
    ASSERT_TRUE(again.ok());
    ASSERT_TRUE(*again == *d) << "re-encoded request decodes differently";
  } else {
    Decoded<Response> d = DecodeAnyResponse(mid, buf);
    if (!d.ok()) {
      ++stats->rejected;
      return;
    }
    ++stats->accepted;
    auto enc = EncodeAny(*d);
    ASSERT_TRUE(enc.ok()) << "a decoded response failed to re-encode";
    ASSERT_LE(enc->size(), buf.size());
    ASSERT_EQ(enc->size(), EncodedSize(*d));
    Decoded<Response> again = DecodeAnyResponse(mid, *enc);
    ASSERT_TRUE(again.ok());
    ASSERT_TRUE(*again == *d) << "re-encoded response decodes differently";
  }
}

// Every vector that carries a message payload: message, negative and edge
// vectors, plus the payloads of the captured frames.
struct Payload {
  std::string what;
  MID mid;
  bool request;
  std::string go_type;  // empty for frames
  std::vector<uint8_t> bytes;
  bool golden_message;  // a positive vector: its decoder consumes every byte
};

std::vector<Payload> AllPayloads() {
  std::vector<Payload> out;
  for (const char* kind : {"message", "negative", "edge"}) {
    for (const json::Value* v : OfKind(kind)) {
      out.push_back({Describe(*v), static_cast<MID>(MidOf(*v)), Str(*v, "direction") == "request",
                     Str(*v, "go_type"), Bytes(*v), std::string(kind) == "message"});
    }
  }
  for (const json::Value* v : OfKind("frame")) {
    out.push_back({Describe(*v), static_cast<MID>(MidOf(*v)), Str(*v, "direction") == "request",
                   "", Bytes(*v, "payload_hex"), false});
  }
  return out;
}

TEST(RobustnessTest, EveryStrictPrefixOfEveryGoldenPayloadIsHandled) {
  std::vector<Payload> payloads = AllPayloads();
  ASSERT_EQ(payloads.size(), 190u);
  Stats stats;
  size_t probes = 0;
  for (const Payload& p : payloads) {
    SCOPED_TRACE(p.what);
    for (size_t n = 0; n < p.bytes.size(); ++n) {
      std::span<const uint8_t> prefix(p.bytes.data(), n);
      Stats one;
      Probe(p.mid, p.request, prefix, &one);
      ++probes;
      stats.accepted += one.accepted;
      stats.rejected += one.rejected;
      // A positive vector's decoder consumes all of it, and decoding is a
      // deterministic walk over the same bytes, so any strict prefix must fail.
      if (p.golden_message) {
        EXPECT_EQ(one.accepted, 0u) << "strict prefix of length " << n << " accepted";
      }
      // The type-specific decoder agrees with the dispatcher.
      if (!p.go_type.empty()) {
        const std::vector<uint8_t> buf(prefix.begin(), prefix.end());
        WithGoType(p.go_type, [&]<typename T>() {
          EXPECT_EQ(T::Decode(buf).ok(), one.accepted == 1) << "prefix length " << n;
        });
      }
    }
  }
  EXPECT_GT(probes, 5000u);
  EXPECT_GT(stats.rejected, 0u);
}

TEST(RobustnessTest, EverySingleByteCorruptionOfEveryGoldenPayloadIsHandled) {
  std::vector<Payload> payloads = AllPayloads();
  ASSERT_EQ(payloads.size(), 190u);
  Stats stats;
  size_t probes = 0;
  for (const Payload& p : payloads) {
    SCOPED_TRACE(p.what);
    std::vector<uint8_t> mutated = p.bytes;
    for (size_t i = 0; i < mutated.size(); ++i) {
      const uint8_t orig = p.bytes[i];
      std::set<uint8_t> values = {0x00, 0xff, static_cast<uint8_t>(orig ^ 0x80),
                                  static_cast<uint8_t>(orig ^ 0x01),
                                  static_cast<uint8_t>(orig + 1)};
      values.erase(orig);
      for (uint8_t value : values) {
        mutated[i] = value;
        Probe(p.mid, p.request, mutated, &stats);
        if (!p.go_type.empty()) {
          WithGoType(p.go_type, [&]<typename T>() {
            const std::vector<uint8_t> buf = mutated;
            Decoded<T> d = T::Decode(buf);
            if (d.ok()) {
              auto enc = Encode(*d);
              EXPECT_TRUE(enc.ok());
              if (enc.ok()) {
                EXPECT_LE(enc->size(), buf.size());
              }
            }
          });
        }
        ++probes;
      }
      mutated[i] = orig;
    }
  }
  EXPECT_GT(probes, 20000u);
  // Corrupting a count or length is rejected; corrupting a plain field is not.
  EXPECT_GT(stats.accepted, 0u);
  EXPECT_GT(stats.rejected, 0u);
}

TEST(RobustnessTest, EveryGoldenPayloadUnderEveryMidInBothDirectionsIsHandled) {
  std::vector<Payload> payloads = AllPayloads();
  ASSERT_EQ(payloads.size(), 190u);
  Stats stats;
  for (const Payload& p : payloads) {
    SCOPED_TRACE(p.what);
    for (uint16_t raw = 0; raw <= kNumMids; ++raw) {  // kNumMids itself: unknown
      Probe(static_cast<MID>(raw), true, p.bytes, &stats);
      Probe(static_cast<MID>(raw), false, p.bytes, &stats);
    }
  }
  EXPECT_GT(stats.accepted, 0u);
  EXPECT_GT(stats.rejected, 0u);
}

TEST(RobustnessTest, RandomBytesUnderEveryMidAreHandled) {
  std::mt19937_64 rng(0x6c697361);  // fixed seed: failures reproduce
  Stats stats;
  for (uint16_t raw = 0; raw < kNumMids; ++raw) {
    for (int i = 0; i < 400; ++i) {
      std::vector<uint8_t> buf(rng() % 320);
      for (uint8_t& b : buf) b = static_cast<uint8_t>(rng());
      // Small counts/lengths make deeper parses likely: bias the first bytes.
      for (size_t j = 0; j < buf.size() && j < 40; ++j) {
        if (rng() % 3 == 0) buf[j] = static_cast<uint8_t>(rng() % 4);
      }
      Probe(static_cast<MID>(raw), true, buf, &stats);
      Probe(static_cast<MID>(raw), false, buf, &stats);
    }
  }
  EXPECT_GT(stats.accepted, 0u);
  EXPECT_GT(stats.rejected, 0u);
}

TEST(RobustnessTest, UnknownMidsAreRejectedWithEopnotsupp) {
  const std::vector<uint8_t> buf(16, 0);
  for (uint16_t raw : {uint16_t{34}, uint16_t{255}, uint16_t{256}, uint16_t{0xffff}}) {
    Decoded<Request> req = DecodeAny(static_cast<MID>(raw), buf);
    ASSERT_FALSE(req.ok());
    EXPECT_EQ(req.error(), DecodeError::kUnknownMid);
    EXPECT_EQ(ToErrno(req.error()), Errno(EOPNOTSUPP));
    Decoded<Response> resp = DecodeAnyResponse(static_cast<MID>(raw), buf);
    ASSERT_FALSE(resp.ok());
    EXPECT_EQ(resp.error(), DecodeError::kUnknownMid);
  }
  // MID 0 is response-only.
  Decoded<Request> err = DecodeAny(MID::kError, buf);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error(), DecodeError::kNoSuchMessage);
  EXPECT_EQ(ToErrno(err.error()), Errno(EOPNOTSUPP));
}

}  // namespace
}  // namespace hg::wire::testing
