// Test-only: loads testdata/lisafs-messages.json (the golden vectors) once and
// offers small accessors.
//
//   for (const json::Value* v : OfKind("message")) { SCOPED_TRACE(Describe(*v)); ... }
#ifndef HARDGOFER_GOFER_WIRE_WIRE_TEST_VECTORS_H_
#define HARDGOFER_GOFER_WIRE_WIRE_TEST_VECTORS_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "gofer/wire/wire_test_fields.h"

namespace hg::wire::testing {

inline const json::Value* LoadVectors() {
  static const json::ParseResult doc = [] {
    std::ifstream in(HG_WIRE_TESTDATA_DIR "/lisafs-messages.json");
    std::stringstream ss;
    ss << in.rdbuf();
    return json::Parse(ss.str());
  }();
  if (!doc.ok() || !doc.value().is_array()) return nullptr;
  return &doc.value();
}

inline std::vector<const json::Value*> OfKind(std::string_view kind) {
  std::vector<const json::Value*> out;
  const json::Value* all = LoadVectors();
  if (!all) return out;
  for (const json::Value& v : all->items()) {
    const json::Value* k = v.Find("kind");
    if (k && k->string() == kind) out.push_back(&v);
  }
  return out;
}

inline std::string Str(const json::Value& v, std::string_view key) {
  const json::Value* f = v.Find(key);
  return f && (f->is_string() || f->is_number()) ? f->string() : std::string();
}

inline uint16_t MidOf(const json::Value& v) {
  const json::Value* f = v.Find("mid");
  std::optional<uint64_t> m = f ? f->AsUint64() : std::nullopt;
  return m && *m <= UINT16_MAX ? static_cast<uint16_t>(*m) : UINT16_MAX;
}

inline std::string Describe(const json::Value& v) {
  return Str(v, "kind") + " mid=" + Str(v, "mid") + " " + Str(v, "message") + " " +
         Str(v, "direction") + " " + Str(v, "go_type") + " len=" + Str(v, "len") + " hex=" +
         Str(v, "hex") + " " + Str(v, "reason");
}

inline std::vector<uint8_t> Bytes(const json::Value& v, std::string_view key = "hex") {
  std::optional<std::vector<uint8_t>> b = FromHex(Str(v, key));
  EXPECT_TRUE(b.has_value()) << key << " is not hex";
  return b.value_or(std::vector<uint8_t>{});
}

inline std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& e : v) s += "\n  " + e;
  return s;
}

}  // namespace hg::wire::testing

#endif  // HARDGOFER_GOFER_WIRE_WIRE_TEST_VECTORS_H_
