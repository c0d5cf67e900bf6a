// A small, strict, bounded JSON reader for the documents hardgofer consumes:
// OCI runtime specs (tenant-influenced) and test vectors.
//
//   auto doc = json::Parse(text);
//   if (!doc.ok()) { print doc.error().message; }
//   const json::Value* v = doc->Find("ociVersion");
//   if (v && v->is_string()) use(v->string());
//
// Strictness is deliberate: a spec that two parsers read differently is a
// policy bypass. So duplicate object keys, trailing garbage, control characters
// in strings, invalid UTF-16 escapes, leading zeros and nesting deeper than
// kMaxDepth are all rejected. Numbers keep their source text so 64-bit integers
// are exact (no round trip through double).
#ifndef HARDGOFER_BASE_JSON_H_
#define HARDGOFER_BASE_JSON_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hg::json {

inline constexpr int kMaxDepth = 64;

class Value {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, Value>;

  Value() = default;
  static Value Null() { return Value(); }
  static Value Bool(bool b);
  static Value Number(std::string text);  // already validated JSON number text
  static Value String(std::string s);
  static Value Array(std::vector<Value> items);
  static Value Object(std::vector<Member> members);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  bool boolean() const { return bool_; }
  // For strings, the decoded UTF-8 bytes; for numbers, the source text.
  const std::string& string() const { return text_; }
  const std::vector<Value>& items() const { return items_; }
  const std::vector<Member>& members() const { return members_; }

  // Exact integer conversions; nullopt if not a number, not integral, or out of range.
  std::optional<uint64_t> AsUint64() const;
  std::optional<int64_t> AsInt64() const;
  std::optional<double> AsDouble() const;

  // Object member lookup (nullptr if absent or not an object).
  const Value* Find(std::string_view key) const;

  static const char* KindName(Kind k);

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<Value> items_;
  std::vector<Member> members_;
};

struct ParseError {
  size_t offset = 0;      // byte offset of the problem
  std::string message;    // e.g. "duplicate key \"root\""
};

// Parses a whole document. Never throws; never recurses deeper than kMaxDepth.
class ParseResult {
 public:
  ParseResult(Value v) : ok_(true), value_(std::move(v)) {}  // NOLINT
  ParseResult(ParseError e) : ok_(false), error_(std::move(e)) {}  // NOLINT
  bool ok() const { return ok_; }
  const Value& value() const { return value_; }
  const Value* operator->() const { return &value_; }
  const ParseError& error() const { return error_; }

 private:
  bool ok_;
  Value value_;
  ParseError error_;
};

ParseResult Parse(std::string_view text);

// Encodes a string as a JSON string literal (with quotes).
std::string Quote(std::string_view s);

}  // namespace hg::json

#endif  // HARDGOFER_BASE_JSON_H_
