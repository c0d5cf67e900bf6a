// Golden vectors produced by gVisor's own marshalling code
// (testdata/lisafs-messages.json, schema in ../../../shared/vectors/README.md):
// every entry is tested. Message vectors: our encoder produces exactly the bytes
// from the listed fields, and our decoder yields exactly those fields. Negative
// vectors: rejected. Edge vectors: accepted. Frames: headers and payloads.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "base/json.h"
#include "gofer/wire/decode_any.h"
#include "gofer/wire/frame.h"
#include "gofer/wire/max_message_size.h"
#include "gofer/wire/messages.h"
#include "gofer/wire/wire_test_fields.h"
#include "gofer/wire/wire_test_vectors.h"

namespace hg::wire::testing {
namespace {

template <typename T, typename V>
struct IsAlternative;
template <typename T, typename... Ts>
struct IsAlternative<T, std::variant<Ts...>> : std::disjunction<std::is_same<T, Ts>...> {};

// The dispatcher decodes `bytes` for (mid, direction) to type T with the same
// value as the direct decode: this checks our MID table against gVisor's.
template <typename V, typename T>
void ExpectAlternative(const Decoded<V>& any, const T& direct) {
  ASSERT_TRUE(any.ok()) << DecodeErrorName(any.error());
  if constexpr (IsAlternative<T, V>::value) {
    ASSERT_TRUE(std::holds_alternative<T>(*any)) << "the dispatcher picked another type";
    EXPECT_TRUE(std::get<T>(*any) == direct);
  } else {
    ADD_FAILURE() << "this type is not a message of this direction";
  }
}

template <typename T>
void ExpectDispatchMatches(const json::Value& v, std::span<const uint8_t> bytes, const T& direct) {
  MID mid = static_cast<MID>(MidOf(v));
  EXPECT_EQ(MidName(mid), Str(v, "message"));
  if (Str(v, "direction") == "request") {
    ExpectAlternative(DecodeAny(mid, bytes), direct);
  } else {
    ASSERT_EQ(Str(v, "direction"), "response");
    ExpectAlternative(DecodeAnyResponse(mid, bytes), direct);
  }
}

TEST(GoldenVectorsTest, FileHasTheDocumentedShape) {
  const json::Value* all = LoadVectors();
  ASSERT_NE(all, nullptr) << "cannot read/parse " HG_WIRE_TESTDATA_DIR "/lisafs-messages.json";
  EXPECT_EQ(all->items().size(), 190u);
  EXPECT_EQ(OfKind("message").size(), 131u);
  EXPECT_EQ(OfKind("negative").size(), 50u);
  EXPECT_EQ(OfKind("edge").size(), 4u);
  EXPECT_EQ(OfKind("frame").size(), 5u);
  // Requests for MIDs 1..33, responses for 0..33.
  std::map<std::pair<uint16_t, std::string>, int> seen;
  for (const json::Value* v : OfKind("message")) seen[{MidOf(*v), Str(*v, "direction")}]++;
  for (uint16_t m = 0; m < kNumMids; ++m) {
    const int responses = seen[{m, "response"}];
    const int requests = seen[{m, "request"}];
    EXPECT_GT(responses, 0) << "no response vector for MID " << m;
    if (m != 0) {
      EXPECT_GT(requests, 0) << "no request vector for MID " << m;
    }
  }
}

TEST(GoldenVectorsTest, DecoderYieldsExactlyTheListedFields) {
  std::vector<const json::Value*> vs = OfKind("message");
  ASSERT_FALSE(vs.empty());
  for (const json::Value* v : vs) {
    SCOPED_TRACE(Describe(*v));
    std::vector<uint8_t> bytes = Bytes(*v);
    ASSERT_EQ(std::to_string(bytes.size()), Str(*v, "len"));
    const json::Value* fields = v->Find("fields");
    ASSERT_NE(fields, nullptr);
    bool known = WithGoType(Str(*v, "go_type"), [&]<typename T>() {
      Decoded<T> d = T::Decode(bytes);
      ASSERT_TRUE(d.ok()) << DecodeErrorName(d.error());
      Arena arena;
      FieldVisitor check(FieldVisitor::kCheck, *fields, &arena);
      VisitFields(*d, check);
      check.CheckAllKeysVisited();
      EXPECT_TRUE(check.errors().empty()) << Join(check.errors());
      EXPECT_EQ(d->EncodedSize(), bytes.size()) << "decoder did not consume the whole payload";
      ExpectDispatchMatches(*v, bytes, *d);
    });
    EXPECT_TRUE(known) << "no C++ type for go_type " << Str(*v, "go_type");
  }
}

TEST(GoldenVectorsTest, EncoderProducesExactlyTheVectorBytesFromTheFields) {
  std::vector<const json::Value*> vs = OfKind("message");
  ASSERT_FALSE(vs.empty());
  for (const json::Value* v : vs) {
    SCOPED_TRACE(Describe(*v));
    std::vector<uint8_t> want = Bytes(*v);
    const json::Value* fields = v->Find("fields");
    ASSERT_NE(fields, nullptr);
    bool known = WithGoType(Str(*v, "go_type"), [&]<typename T>() {
      Arena arena;
      T m{};
      FieldVisitor load(FieldVisitor::kLoad, *fields, &arena);
      VisitFields(m, load);
      load.CheckAllKeysVisited();
      ASSERT_TRUE(load.errors().empty()) << Join(load.errors());
      EXPECT_EQ(m.EncodedSize(), want.size());

      auto got = Encode(m);
      ASSERT_TRUE(got.ok()) << EncodeErrorName(got.error());
      EXPECT_EQ(ToHex(*got), ToHex(want));

      // In place, with an exact capacity bound: fits exactly, one byte less does not.
      std::vector<uint8_t> buf(want.size(), 0xAA);
      Encoded n = EncodeInto(m, buf);
      ASSERT_TRUE(n.ok());
      EXPECT_EQ(*n, want.size());
      EXPECT_EQ(buf, want);
      if (!want.empty()) {
        Encoded short_n = EncodeInto(m, std::span<uint8_t>(buf).first(want.size() - 1));
        ASSERT_FALSE(short_n.ok());
        EXPECT_EQ(short_n.error(), EncodeError::kNoSpace);
      }
    });
    EXPECT_TRUE(known) << "no C++ type for go_type " << Str(*v, "go_type");
  }
}

TEST(GoldenVectorsTest, ReencodingADecodedVectorGivesTheSameBytes) {
  for (const json::Value* v : OfKind("message")) {
    SCOPED_TRACE(Describe(*v));
    std::vector<uint8_t> bytes = Bytes(*v);
    WithGoType(Str(*v, "go_type"), [&]<typename T>() {
      Decoded<T> d = T::Decode(bytes);
      ASSERT_TRUE(d.ok());
      auto again = Encode(*d);
      ASSERT_TRUE(again.ok());
      EXPECT_EQ(ToHex(*again), ToHex(bytes));
    });
  }
}

// The receiver limit some PRead response vectors describe in their reason:
// "receiver buffer N" or "PReadReq.Count = N".
std::optional<uint64_t> NumberAfter(const std::string& text, std::string_view marker) {
  size_t at = text.find(marker);
  if (at == std::string::npos) return std::nullopt;
  at += marker.size();
  size_t end = at;
  while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
  if (end == at) return std::nullopt;
  return std::stoull(text.substr(at, end - at));
}
std::optional<uint64_t> PReadLimit(const std::string& reason, bool* from_request_count) {
  std::optional<uint64_t> count = NumberAfter(reason, "PReadReq.Count = ");
  *from_request_count = count.has_value();
  return count ? count : NumberAfter(reason, "receiver buffer ");
}

TEST(GoldenVectorsTest, EveryNegativeVectorIsRejected) {
  std::vector<const json::Value*> vs = OfKind("negative");
  ASSERT_EQ(vs.size(), 50u);
  for (const json::Value* v : vs) {
    SCOPED_TRACE(Describe(*v));
    EXPECT_EQ(Str(*v, "expect"), "reject");
    std::vector<uint8_t> bytes = Bytes(*v);
    MID mid = static_cast<MID>(MidOf(*v));
    bool is_request = Str(*v, "direction") == "request";
    bool known = WithGoType(Str(*v, "go_type"), [&]<typename T>() {
      bool limit_from_count = false;
      if constexpr (std::is_same_v<T, PReadResp>) {
        std::optional<uint64_t> limit = PReadLimit(Str(*v, "reason"), &limit_from_count);
        ASSERT_TRUE(limit.has_value()) << "PRead vector without a receiver limit";
        Decoded<T> d = PReadResp::Decode(bytes, *limit);
        EXPECT_FALSE(d.ok());
        if (!d.ok() && limit_from_count) {
          EXPECT_EQ(d.error(), DecodeError::kLimitExceeded);
        }
      } else {
        Decoded<T> d = T::Decode(bytes);
        EXPECT_FALSE(d.ok()) << "accepted a payload gVisor rejects";
        if (!d.ok()) {
          EXPECT_EQ(ToErrno(d.error()), Errno(EIO));  // gVisor's answer
        }
      }
      // The dispatcher rejects it too, except a well-formed PRead response that
      // only exceeds the receiver's buffer (DecodeAnyResponse has no limit).
      if (!limit_from_count) {
        if (is_request) {
          EXPECT_FALSE(DecodeAny(mid, bytes).ok());
        } else {
          EXPECT_FALSE(DecodeAnyResponse(mid, bytes).ok());
        }
      }
    });
    EXPECT_TRUE(known) << "no C++ type for go_type " << Str(*v, "go_type");
  }
}

TEST(GoldenVectorsTest, EveryEdgeVectorIsAcceptedWithTheListedFields) {
  std::vector<const json::Value*> vs = OfKind("edge");
  ASSERT_EQ(vs.size(), 4u);
  for (const json::Value* v : vs) {
    SCOPED_TRACE(Describe(*v));
    EXPECT_EQ(Str(*v, "expect"), "accept");
    std::vector<uint8_t> bytes = Bytes(*v);
    std::optional<uint64_t> unconsumed = v->Find("unconsumed")->AsUint64();
    ASSERT_TRUE(unconsumed.has_value());
    bool known = WithGoType(Str(*v, "go_type"), [&]<typename T>() {
      Decoded<T> d = T::Decode(bytes);
      ASSERT_TRUE(d.ok()) << DecodeErrorName(d.error());
      Arena arena;
      FieldVisitor check(FieldVisitor::kCheck, *v->Find("fields"), &arena);
      VisitFields(*d, check);
      check.CheckAllKeysVisited();
      EXPECT_TRUE(check.errors().empty()) << Join(check.errors());
      // We consume exactly what gVisor consumes.
      EXPECT_EQ(d->EncodedSize(), bytes.size() - *unconsumed);
      ExpectDispatchMatches(*v, bytes, *d);
      // Re-encoding gives the consumed bytes with padding normalised to zero.
      auto again = Encode(*d);
      ASSERT_TRUE(again.ok());
      ASSERT_EQ(again->size(), bytes.size() - *unconsumed);
      for (size_t i = 0; i < again->size(); ++i) {
        EXPECT_TRUE((*again)[i] == bytes[i] || (*again)[i] == 0) << "byte " << i;
      }
    });
    EXPECT_TRUE(known);
  }
}

TEST(GoldenVectorsTest, FrameHeadersDecodeToPayloadLengthMidAndPayload) {
  std::vector<const json::Value*> vs = OfKind("frame");
  ASSERT_EQ(vs.size(), 5u);
  for (const json::Value* v : vs) {
    SCOPED_TRACE(Describe(*v));
    std::vector<uint8_t> all = Bytes(*v);
    std::vector<uint8_t> header = Bytes(*v, "header_hex");
    std::vector<uint8_t> payload = Bytes(*v, "payload_hex");
    ASSERT_EQ(ToHex(all), ToHex(header) + ToHex(payload));
    uint16_t mid = MidOf(*v);
    bool is_request = Str(*v, "direction") == "request";
    std::span<const uint8_t> got_payload;

    if (Str(*v, "framing") == "socket") {
      Decoded<SocketHeader> h = SocketHeader::Decode(all);
      ASSERT_TRUE(h.ok());
      EXPECT_EQ(h->payload_len, payload.size());
      EXPECT_EQ(ToRaw(h->mid), mid);
      EXPECT_TRUE(SocketHeader::Decode(all, MaxMessageSize()).ok());
      Decoded<SocketFrame> f = ParseSocketFrame(all);
      ASSERT_TRUE(f.ok());
      EXPECT_EQ(ToHex(f->payload), ToHex(payload));
      got_payload = f->payload;
      auto enc = Encode(*h);
      ASSERT_TRUE(enc.ok());
      EXPECT_EQ(ToHex(*enc), ToHex(header));
    } else {
      ASSERT_EQ(Str(*v, "framing"), "channel");
      Decoded<ChannelHeader> h = ChannelHeader::Decode(all);
      ASSERT_TRUE(h.ok());
      EXPECT_EQ(ToRaw(h->mid), mid);
      EXPECT_EQ(h->num_fds, header[2]);
      Decoded<ChannelFrame> f = is_request ? ParseChannelRequest(all) : ParseChannelResponse(all);
      ASSERT_TRUE(f.ok());
      EXPECT_EQ(ToHex(f->payload), ToHex(payload));
      got_payload = f->payload;
      if (is_request) {
        EXPECT_EQ(h->num_fds, 0) << "requests never carry FDs";
      } else if (h->num_fds != 0) {
        // The captured OpenAt response donates one FD; as a request header the
        // same bytes are malformed (stricter than gVisor).
        EXPECT_EQ(ChannelHeader::DecodeRequest(all).error(), DecodeError::kFdsInRequest);
      }
      auto enc = Encode(*h);
      ASSERT_TRUE(enc.ok());
      EXPECT_EQ(ToHex(*enc), ToHex(header));
    }

    // The payload is a well-formed message for the frame's MID and direction.
    if (is_request) {
      Decoded<Request> m = DecodeAny(static_cast<MID>(mid), got_payload);
      ASSERT_TRUE(m.ok()) << DecodeErrorName(m.error());
      EXPECT_EQ(ToHex(*EncodeAny(*m)), ToHex(payload));
    } else {
      Decoded<Response> m = DecodeAnyResponse(static_cast<MID>(mid), got_payload);
      ASSERT_TRUE(m.ok()) << DecodeErrorName(m.error());
      EXPECT_EQ(ToHex(*EncodeAny(*m)), ToHex(payload));
    }
  }
}

}  // namespace
}  // namespace hg::wire::testing
