#include "base/json.h"

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <unordered_set>

namespace hg::json {

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.bool_ = b;
  return v;
}
Value Value::Number(std::string text) {
  Value v;
  v.kind_ = Kind::kNumber;
  v.text_ = std::move(text);
  return v;
}
Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.text_ = std::move(s);
  return v;
}
Value Value::Array(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::kArray;
  v.items_ = std::move(items);
  return v;
}
Value Value::Object(std::vector<Member> members) {
  Value v;
  v.kind_ = Kind::kObject;
  v.members_ = std::move(members);
  return v;
}

const Value* Value::Find(std::string_view key) const {
  if (kind_ != Kind::kObject) return nullptr;
  for (const auto& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

const char* Value::KindName(Kind k) {
  switch (k) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "boolean";
    case Kind::kNumber: return "number";
    case Kind::kString: return "string";
    case Kind::kArray: return "array";
    case Kind::kObject: return "object";
  }
  return "?";
}

std::optional<uint64_t> Value::AsUint64() const {
  if (kind_ != Kind::kNumber || text_.empty() || text_[0] == '-') return std::nullopt;
  uint64_t v = 0;
  for (char c : text_) {
    if (c < '0' || c > '9') return std::nullopt;  // fraction or exponent
    unsigned d = static_cast<unsigned>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::optional<int64_t> Value::AsInt64() const {
  if (kind_ != Kind::kNumber || text_.empty()) return std::nullopt;
  bool neg = text_[0] == '-';
  Value mag = Value::Number(neg ? text_.substr(1) : text_);
  auto u = mag.AsUint64();
  if (!u) return std::nullopt;
  if (neg) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - *u);
  }
  if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(*u);
}

std::optional<double> Value::AsDouble() const {
  if (kind_ != Kind::kNumber) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  double d = std::strtod(text_.c_str(), &end);
  if (errno != 0 || end != text_.c_str() + text_.size()) return std::nullopt;
  return d;
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  ParseResult Run() {
    Value v;
    if (!ParseValue(0, &v)) return err_;
    SkipWs();
    if (pos_ != s_.size()) return Fail("trailing characters after the document");
    return v;
  }

 private:
  ParseError Fail(std::string msg) {
    if (!failed_) {
      failed_ = true;
      err_ = ParseError{pos_, std::move(msg)};
    }
    return err_;
  }

  void SkipWs() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Literal(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) {
      Fail("invalid literal");
      return false;
    }
    pos_ += lit.size();
    return true;
  }

  bool ParseValue(int depth, Value* out) {
    if (depth > kMaxDepth) {
      Fail("nesting deeper than " + std::to_string(kMaxDepth));
      return false;
    }
    SkipWs();
    if (pos_ >= s_.size()) {
      Fail("unexpected end of input");
      return false;
    }
    char c = s_[pos_];
    switch (c) {
      case 'n':
        if (!Literal("null")) return false;
        *out = Value::Null();
        return true;
      case 't':
        if (!Literal("true")) return false;
        *out = Value::Bool(true);
        return true;
      case 'f':
        if (!Literal("false")) return false;
        *out = Value::Bool(false);
        return true;
      case '"': {
        std::string str;
        if (!ParseString(&str)) return false;
        *out = Value::String(std::move(str));
        return true;
      }
      case '[': return ParseArray(depth, out);
      case '{': return ParseObject(depth, out);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(out);
        Fail(std::string("unexpected character '") + c + "'");
        return false;
    }
  }

  bool Digits() {
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool ParseNumber(Value* out) {
    size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
      if (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        Fail("leading zero in number");
        return false;
      }
    } else if (!Digits()) {
      Fail("invalid number");
      return false;
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!Digits()) {
        Fail("invalid number fraction");
        return false;
      }
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!Digits()) {
        Fail("invalid number exponent");
        return false;
      }
    }
    *out = Value::Number(std::string(s_.substr(start, pos_ - start)));
    return true;
  }

  bool Hex4(uint32_t* cp) {
    if (s_.size() - pos_ < 4) {
      Fail("truncated \\u escape");
      return false;
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char h = s_[pos_++];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') v |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') v |= static_cast<uint32_t>(h - 'A' + 10);
      else {
        Fail("invalid hex digit in \\u escape");
        return false;
      }
    }
    *cp = v;
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool ParseString(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= s_.size()) {
        Fail("unterminated string");
        return false;
      }
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) {
        Fail("control character in string");
        return false;
      }
      if (c != '\\') {
        out->push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) {
        Fail("unterminated escape");
        return false;
      }
      char e = s_[pos_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) {
            Fail("unpaired low surrogate");
            return false;
          }
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (s_.substr(pos_, 2) != "\\u") {
              Fail("unpaired high surrogate");
              return false;
            }
            pos_ += 2;
            if (!Hex4(&lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) {
              Fail("invalid surrogate pair");
              return false;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          Fail(std::string("invalid escape '\\") + e + "'");
          return false;
      }
    }
  }

  bool ParseArray(int depth, Value* out) {
    ++pos_;
    std::vector<Value> items;
    SkipWs();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      *out = Value::Array(std::move(items));
      return true;
    }
    while (true) {
      Value item;
      if (!ParseValue(depth + 1, &item)) return false;
      items.push_back(std::move(item));
      SkipWs();
      if (pos_ >= s_.size()) {
        Fail("unterminated array");
        return false;
      }
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        *out = Value::Array(std::move(items));
        return true;
      }
      Fail("expected ',' or ']' in array");
      return false;
    }
  }

  bool ParseObject(int depth, Value* out) {
    ++pos_;
    std::vector<Value::Member> members;
    // A set, not a scan of `members`: a hostile spec with many keys must not
    // make the parser quadratic.
    std::unordered_set<std::string> seen;
    SkipWs();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      *out = Value::Object(std::move(members));
      return true;
    }
    while (true) {
      SkipWs();
      if (pos_ >= s_.size() || s_[pos_] != '"') {
        Fail("expected a string key in object");
        return false;
      }
      size_t key_pos = pos_;
      std::string key;
      if (!ParseString(&key)) return false;
      if (!seen.insert(key).second) {
        pos_ = key_pos;
        Fail("duplicate key " + Quote(key));
        return false;
      }
      SkipWs();
      if (pos_ >= s_.size() || s_[pos_] != ':') {
        Fail("expected ':' after object key");
        return false;
      }
      ++pos_;
      Value v;
      if (!ParseValue(depth + 1, &v)) return false;
      members.emplace_back(std::move(key), std::move(v));
      SkipWs();
      if (pos_ >= s_.size()) {
        Fail("unterminated object");
        return false;
      }
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        *out = Value::Object(std::move(members));
        return true;
      }
      Fail("expected ',' or '}' in object");
      return false;
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  bool failed_ = false;
  ParseError err_;
};

}  // namespace

ParseResult Parse(std::string_view text) { return Parser(text).Run(); }

std::string Quote(std::string_view s) {
  std::string out = "\"";
  static const char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

}  // namespace hg::json
