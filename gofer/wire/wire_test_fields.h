// Test-only: names every field of every message type the way the golden
// vectors do (gVisor's Go field names, nested structs flattened with dots),
// so one description drives three visitors:
//   FieldVisitor(kCheck) - compare a decoded message with a vector's "fields"
//   FieldVisitor(kLoad)  - build a message from "fields" (to test the encoder)
//   RandomVisitor        - fill a message with random values (round trips)
//
//   WithGoType("WalkReq", [&]<typename T>() { T m; VisitFields(m, v); });
//
// Not part of the library; compiled into wire_test only.
#ifndef HARDGOFER_GOFER_WIRE_WIRE_TEST_FIELDS_H_
#define HARDGOFER_GOFER_WIRE_WIRE_TEST_FIELDS_H_

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/json.h"
#include "gofer/wire/decode_any.h"
#include "gofer/wire/messages.h"

namespace hg::wire::testing {

// ---- field descriptions -----------------------------------------------------

template <typename V>
void VisitFields(Statx& s, V& v) {
  v.Field("Mask", s.mask);
  v.Field("Blksize", s.blksize);
  v.Field("Attributes", s.attributes);
  v.Field("Nlink", s.nlink);
  v.Field("UID", s.uid);
  v.Field("GID", s.gid);
  v.Field("Mode", s.mode);
  v.Field("Ino", s.ino);
  v.Field("Size", s.size);
  v.Field("Blocks", s.blocks);
  v.Field("AttributesMask", s.attributes_mask);
  v.Field("Atime.Sec", s.atime.sec);
  v.Field("Atime.Nsec", s.atime.nsec);
  v.Field("Btime.Sec", s.btime.sec);
  v.Field("Btime.Nsec", s.btime.nsec);
  v.Field("Ctime.Sec", s.ctime.sec);
  v.Field("Ctime.Nsec", s.ctime.nsec);
  v.Field("Mtime.Sec", s.mtime.sec);
  v.Field("Mtime.Nsec", s.mtime.nsec);
  v.Field("RdevMajor", s.rdev_major);
  v.Field("RdevMinor", s.rdev_minor);
  v.Field("DevMajor", s.dev_major);
  v.Field("DevMinor", s.dev_minor);
}
template <typename V>
void VisitFields(Inode& i, V& v) {
  v.Field("ControlFD", i.control_fd);
  v.Nested("Stat", i.stat);
}
template <typename V>
void VisitFields(Dirent64& d, V& v) {
  v.Field("Ino", d.ino);
  v.Field("DevMinor", d.dev_minor);
  v.Field("DevMajor", d.dev_major);
  v.Field("Off", d.off);
  v.Field("Type", d.type);
  v.Field("Name", d.name);
}

template <typename T, typename V>
  requires std::is_base_of_v<EmptyMessage<T>, T>
void VisitFields(T&, V&) {}

template <typename V>
void VisitFields(ErrorResp& m, V& v) { v.Field("errno", m.errnum); }
template <typename V>
void VisitFields(MountResp& m, V& v) {
  v.Nested("Root", m.root);
  v.Field("MaxMessageSize", m.max_message_size);
  v.Field("SupportedMs", m.supported_mids);
}
template <typename V>
void VisitFields(ChannelResp& m, V& v) {
  v.Field("dataOffset", m.data_offset);
  v.Field("dataLength", m.data_length);
}
template <typename V>
void VisitFields(StatReq& m, V& v) { v.Field("FD", m.fd); }
template <typename V>
void VisitFields(SetStatReq& m, V& v) {
  v.Field("FD", m.fd);
  v.Field("Mask", m.mask);
  v.Field("Mode", m.mode);
  v.Field("UID", m.uid);
  v.Field("GID", m.gid);
  v.Field("Size", m.size);
  v.Field("Atime.Sec", m.atime.sec);
  v.Field("Atime.Nsec", m.atime.nsec);
  v.Field("Mtime.Sec", m.mtime.sec);
  v.Field("Mtime.Nsec", m.mtime.nsec);
}
template <typename V>
void VisitFields(SetStatResp& m, V& v) {
  v.Field("FailureMask", m.failure_mask);
  v.Field("FailureErrNo", m.failure_errno);
}
template <typename V>
void VisitFields(WalkReq& m, V& v) {
  v.Field("DirFD", m.dir_fd);
  v.Field("Path", m.path);
}
template <typename V>
void VisitFields(WalkResp& m, V& v) {
  v.Field("Status", m.status);
  v.StructArray("Inodes", m.inodes);
}
template <typename V>
void VisitFields(WalkStatResp& m, V& v) { v.StructArray("Stats", m.stats); }
template <typename V>
void VisitFields(OpenAtReq& m, V& v) {
  v.Field("FD", m.fd);
  v.Field("Flags", m.flags);
}
template <typename V>
void VisitFields(OpenAtResp& m, V& v) { v.Field("OpenFD", m.open_fd); }
template <typename V>
void VisitFields(OpenCreateAtReq& m, V& v) {
  v.Field("DirFD", m.dir_fd);
  v.Field("UID", m.uid);
  v.Field("GID", m.gid);
  v.Field("Mode", m.mode);
  v.Field("Flags", m.flags);
  v.Field("Name", m.name);
}
template <typename V>
void VisitFields(OpenCreateAtResp& m, V& v) {
  v.Nested("Child", m.child);
  v.Field("NewFD", m.new_fd);
}
template <typename V>
void VisitFields(CloseReq& m, V& v) { v.Field("FDs", m.fds); }
template <typename V>
void VisitFields(FsyncReq& m, V& v) { v.Field("FDs", m.fds); }
template <typename V>
void VisitFields(PWriteReq& m, V& v) {
  v.Field("Offset", m.offset);
  v.Field("FD", m.fd);
  v.Field("Buf", m.data);
  v.Derived("NumBytes", m.data.size());  // NumBytes is data.size() on the wire
}
template <typename V>
void VisitFields(PWriteResp& m, V& v) { v.Field("Count", m.count); }
template <typename V>
void VisitFields(PReadReq& m, V& v) {
  v.Field("Offset", m.offset);
  v.Field("FD", m.fd);
  v.Field("Count", m.count);
}
template <typename V>
void VisitFields(PReadResp& m, V& v) {
  v.Field("Buf", m.data);
  v.Derived("NumBytes", m.data.size());
}
template <typename V>
void VisitFields(MkdirAtReq& m, V& v) {
  v.Field("DirFD", m.dir_fd);
  v.Field("UID", m.uid);
  v.Field("GID", m.gid);
  v.Field("Mode", m.mode);
  v.Field("Name", m.name);
}
template <typename V>
void VisitFields(MkdirAtResp& m, V& v) { v.Nested("ChildDir", m.child_dir); }
template <typename V>
void VisitFields(MknodAtReq& m, V& v) {
  v.Field("DirFD", m.dir_fd);
  v.Field("UID", m.uid);
  v.Field("GID", m.gid);
  v.Field("Mode", m.mode);
  v.Field("Minor", m.minor);
  v.Field("Major", m.major);
  v.Field("Name", m.name);
}
template <typename V>
void VisitFields(MknodAtResp& m, V& v) { v.Nested("Child", m.child); }
template <typename V>
void VisitFields(SymlinkAtReq& m, V& v) {
  v.Field("DirFD", m.dir_fd);
  v.Field("UID", m.uid);
  v.Field("GID", m.gid);
  v.Field("Name", m.name);
  v.Field("Target", m.target);
}
template <typename V>
void VisitFields(SymlinkAtResp& m, V& v) { v.Nested("Symlink", m.symlink); }
template <typename V>
void VisitFields(LinkAtReq& m, V& v) {
  v.Field("DirFD", m.dir_fd);
  v.Field("Target", m.target);
  v.Field("Name", m.name);
}
template <typename V>
void VisitFields(LinkAtResp& m, V& v) { v.Nested("Link", m.link); }
template <typename V>
void VisitFields(FStatFSReq& m, V& v) { v.Field("FD", m.fd); }
template <typename V>
void VisitFields(StatFS& m, V& v) {
  v.Field("Type", m.type);
  v.Field("BlockSize", m.block_size);
  v.Field("Blocks", m.blocks);
  v.Field("BlocksFree", m.blocks_free);
  v.Field("BlocksAvailable", m.blocks_available);
  v.Field("Files", m.files);
  v.Field("FilesFree", m.files_free);
  v.Field("NameLength", m.name_length);
}
template <typename V>
void VisitFields(FAllocateReq& m, V& v) {
  v.Field("FD", m.fd);
  v.Field("Mode", m.mode);
  v.Field("Offset", m.offset);
  v.Field("Length", m.length);
}
template <typename V>
void VisitFields(ReadLinkAtReq& m, V& v) { v.Field("FD", m.fd); }
template <typename V>
void VisitFields(ReadLinkAtResp& m, V& v) { v.Field("Target", m.target); }
template <typename V>
void VisitFields(FlushReq& m, V& v) { v.Field("FD", m.fd); }
template <typename V>
void VisitFields(ConnectReq& m, V& v) {
  v.Field("FD", m.fd);
  v.Field("SockType", m.sock_type);
}
template <typename V>
void VisitFields(ConnectWithCredsReq& m, V& v) {
  v.Field("FD", m.fd);
  v.Field("SockType", m.sock_type);
  v.Field("UID", m.uid);
  v.Field("GID", m.gid);
}
template <typename V>
void VisitFields(UnlinkAtReq& m, V& v) {
  v.Field("DirFD", m.dir_fd);
  v.Field("Flags", m.flags);
  v.Field("Name", m.name);
}
template <typename V>
void VisitFields(RenameAtReq& m, V& v) {
  v.Field("OldDir", m.old_dir);
  v.Field("NewDir", m.new_dir);
  v.Field("OldName", m.old_name);
  v.Field("NewName", m.new_name);
}
template <typename V>
void VisitFields(RenameAt2Req& m, V& v) {
  v.Field("OldDir", m.old_dir);
  v.Field("NewDir", m.new_dir);
  v.Field("OldName", m.old_name);
  v.Field("NewName", m.new_name);
  v.Field("Flags", m.flags);
}
template <typename V>
void VisitFields(Getdents64Req& m, V& v) {
  v.Field("DirFD", m.dir_fd);
  v.Field("Count", m.count);
}
template <typename V>
void VisitFields(Getdents64Resp& m, V& v) { v.StructArray("Dirents", m.dirents); }
template <typename V>
void VisitFields(FGetXattrReq& m, V& v) {
  v.Field("FD", m.fd);
  v.Field("BufSize", m.buf_size);
  v.Field("Name", m.name);
}
template <typename V>
void VisitFields(FGetXattrResp& m, V& v) { v.Field("Value", m.value); }
template <typename V>
void VisitFields(FSetXattrReq& m, V& v) {
  v.Field("FD", m.fd);
  v.Field("Flags", m.flags);
  v.Field("Name", m.name);
  v.Field("Value", m.value);
}
template <typename V>
void VisitFields(FListXattrReq& m, V& v) {
  v.Field("FD", m.fd);
  v.Field("Size", m.size);
}
template <typename V>
void VisitFields(FListXattrResp& m, V& v) { v.Field("Xattrs", m.xattrs); }
template <typename V>
void VisitFields(FRemoveXattrReq& m, V& v) {
  v.Field("FD", m.fd);
  v.Field("Name", m.name);
}
template <typename V>
void VisitFields(BindAtReq& m, V& v) {
  v.Field("DirFD", m.dir_fd);
  v.Field("UID", m.uid);
  v.Field("GID", m.gid);
  v.Field("Mode", m.mode);
  v.Field("SockType", m.sock_type);
  v.Field("Name", m.name);
}
template <typename V>
void VisitFields(BindAtResp& m, V& v) {
  v.Nested("Child", m.child);
  v.Field("BoundSocketFD", m.bound_socket_fd);
}
template <typename V>
void VisitFields(ListenReq& m, V& v) {
  v.Field("FD", m.fd);
  v.Field("Backlog", m.backlog);
}
template <typename V>
void VisitFields(AcceptReq& m, V& v) { v.Field("FD", m.fd); }
template <typename V>
void VisitFields(AcceptResp& m, V& v) { v.Field("PeerAddr", m.peer_addr); }

// ---- go_type -> C++ type ------------------------------------------------------

// Calls f.template operator()<T>() for the type named go_type; false if unknown.
template <typename F>
bool WithGoType(std::string_view go_type, F&& f) {
#define HG_GO_TYPE_(T)                 \
  if (go_type == #T) {                 \
    f.template operator()<T>();        \
    return true;                       \
  }
  HG_GO_TYPE_(ErrorResp) HG_GO_TYPE_(MountReq) HG_GO_TYPE_(MountResp) HG_GO_TYPE_(ChannelReq)
  HG_GO_TYPE_(ChannelResp) HG_GO_TYPE_(StatReq) HG_GO_TYPE_(Statx) HG_GO_TYPE_(SetStatReq)
  HG_GO_TYPE_(SetStatResp) HG_GO_TYPE_(WalkReq) HG_GO_TYPE_(WalkResp) HG_GO_TYPE_(WalkStatResp)
  HG_GO_TYPE_(OpenAtReq) HG_GO_TYPE_(OpenAtResp) HG_GO_TYPE_(OpenCreateAtReq)
  HG_GO_TYPE_(OpenCreateAtResp) HG_GO_TYPE_(CloseReq) HG_GO_TYPE_(CloseResp)
  HG_GO_TYPE_(FsyncReq) HG_GO_TYPE_(FsyncResp) HG_GO_TYPE_(PWriteReq) HG_GO_TYPE_(PWriteResp)
  HG_GO_TYPE_(PReadReq) HG_GO_TYPE_(PReadResp) HG_GO_TYPE_(MkdirAtReq) HG_GO_TYPE_(MkdirAtResp)
  HG_GO_TYPE_(MknodAtReq) HG_GO_TYPE_(MknodAtResp) HG_GO_TYPE_(SymlinkAtReq)
  HG_GO_TYPE_(SymlinkAtResp) HG_GO_TYPE_(LinkAtReq) HG_GO_TYPE_(LinkAtResp)
  HG_GO_TYPE_(FStatFSReq) HG_GO_TYPE_(StatFS) HG_GO_TYPE_(FAllocateReq)
  HG_GO_TYPE_(FAllocateResp) HG_GO_TYPE_(ReadLinkAtReq) HG_GO_TYPE_(ReadLinkAtResp)
  HG_GO_TYPE_(FlushReq) HG_GO_TYPE_(FlushResp) HG_GO_TYPE_(ConnectReq) HG_GO_TYPE_(ConnectResp)
  HG_GO_TYPE_(UnlinkAtReq) HG_GO_TYPE_(UnlinkAtResp) HG_GO_TYPE_(RenameAtReq)
  HG_GO_TYPE_(RenameAtResp) HG_GO_TYPE_(Getdents64Req) HG_GO_TYPE_(Getdents64Resp)
  HG_GO_TYPE_(FGetXattrReq) HG_GO_TYPE_(FGetXattrResp) HG_GO_TYPE_(FSetXattrReq)
  HG_GO_TYPE_(FSetXattrResp) HG_GO_TYPE_(FListXattrReq) HG_GO_TYPE_(FListXattrResp)
  HG_GO_TYPE_(FRemoveXattrReq) HG_GO_TYPE_(FRemoveXattrResp) HG_GO_TYPE_(BindAtReq)
  HG_GO_TYPE_(BindAtResp) HG_GO_TYPE_(ListenReq) HG_GO_TYPE_(ListenResp) HG_GO_TYPE_(AcceptReq)
  HG_GO_TYPE_(AcceptResp) HG_GO_TYPE_(ConnectWithCredsReq) HG_GO_TYPE_(RenameAt2Req)
#undef HG_GO_TYPE_
  return false;
}

// ---- helpers -------------------------------------------------------------------

inline std::optional<std::vector<uint8_t>> FromHex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // the vectors use lowercase only
  };
  std::vector<uint8_t> out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nib(hex[i]), lo = nib(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return out;
}

inline std::string ToHex(std::span<const uint8_t> b) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 15]);
  }
  return s;
}
inline std::string ToHex(std::string_view s) {
  return ToHex(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

// Owns the bytes that loaded/random string_views and spans point into.
class Arena {
 public:
  std::string_view Keep(std::string s) {
    store_.push_back(std::move(s));
    return store_.back();
  }
  std::span<const uint8_t> KeepBytes(std::vector<uint8_t> b) {
    std::string_view s = Keep(std::string(b.begin(), b.end()));
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }

 private:
  std::deque<std::string> store_;  // deque: references stay valid as it grows
};

// ---- check / load visitor --------------------------------------------------

// Walks a message and a JSON "fields" object together. kCheck compares each
// member with the JSON value; kLoad assigns it. Either way every JSON key must
// be visited and every visited key must exist; problems go to errors().
class FieldVisitor {
 public:
  enum Mode { kCheck, kLoad };
  FieldVisitor(Mode mode, const json::Value& obj, Arena* arena, std::string prefix = "")
      : mode_(mode), obj_(obj), arena_(arena), prefix_(std::move(prefix)) {}

  const std::vector<std::string>& errors() const { return errors_; }

  // Call after visiting: reports JSON keys nothing visited.
  void CheckAllKeysVisited() {
    for (const auto& [k, v] : obj_.members()) {
      if (!visited_.count(k)) errors_.push_back("JSON field not visited: " + k);
    }
  }

  template <typename T>
    requires(std::is_integral_v<T> || std::is_enum_v<T>)
  void Field(std::string_view name, T& member) {
    const json::Value* v = Find(name);
    if (!v) return;
    using U = typename std::conditional_t<std::is_enum_v<T>, std::underlying_type<T>,
                                 std::type_identity<T>>::type;
    std::optional<U> got = ToInt<U>(*v);
    if (!got) return Error(name, "not a " + std::string(std::is_signed_v<U> ? "signed" : "unsigned") +
                                     " integer of this width: " + v->string());
    if (mode_ == kLoad) {
      member = static_cast<T>(*got);
    } else if (static_cast<U>(member) != *got) {
      Error(name, "decoded " + std::to_string(static_cast<U>(member)) + ", vector has " +
                      std::to_string(*got));
    }
  }

  void Field(std::string_view name, std::string_view& member) {
    const json::Value* v = Find(name);
    if (!v) return;
    std::optional<std::vector<uint8_t>> b = HexOf(name, *v);
    if (!b) return;
    if (mode_ == kLoad) {
      member = arena_->Keep(std::string(b->begin(), b->end()));
    } else if (ToHex(member) != v->string()) {
      Error(name, "decoded " + ToHex(member) + ", vector has " + v->string());
    }
  }

  void Field(std::string_view name, std::span<const uint8_t>& member) {
    const json::Value* v = Find(name);
    if (!v) return;
    std::optional<std::vector<uint8_t>> b = HexOf(name, *v);
    if (!b) return;
    if (mode_ == kLoad) {
      member = arena_->KeepBytes(std::move(*b));
    } else if (ToHex(member) != v->string()) {
      Error(name, "decoded " + ToHex(member) + ", vector has " + v->string());
    }
  }

  void Field(std::string_view name, std::vector<std::string_view>& member) {
    const json::Value* v = FindArray(name);
    if (!v) return;
    if (mode_ == kLoad) member.assign(v->items().size(), {});
    if (member.size() != v->items().size()) return SizeError(name, member.size(), *v);
    for (size_t i = 0; i < member.size(); ++i) {
      FieldVisitor elem(mode_, ElementHolder(v->items()[i]), arena_);
      elem.Field("", member[i]);
      Merge(name, i, elem);
    }
  }

  template <typename T>
    requires(std::is_integral_v<T> || std::is_enum_v<T>)
  void Field(std::string_view name, std::vector<T>& member) {
    const json::Value* v = FindArray(name);
    if (!v) return;
    if (mode_ == kLoad) member.assign(v->items().size(), T{});
    if (member.size() != v->items().size()) return SizeError(name, member.size(), *v);
    for (size_t i = 0; i < member.size(); ++i) {
      FieldVisitor elem(mode_, ElementHolder(v->items()[i]), arena_);
      elem.Field("", member[i]);
      Merge(name, i, elem);
    }
  }

  template <typename S>
  void StructArray(std::string_view name, std::vector<S>& member) {
    const json::Value* v = FindArray(name);
    if (!v) return;
    if (mode_ == kLoad) member.assign(v->items().size(), S{});
    if (member.size() != v->items().size()) return SizeError(name, member.size(), *v);
    for (size_t i = 0; i < member.size(); ++i) {
      if (!v->items()[i].is_object()) return Error(name, "array element is not an object");
      FieldVisitor elem(mode_, v->items()[i], arena_);
      VisitFields(member[i], elem);
      elem.CheckAllKeysVisited();
      Merge(name, i, elem);
    }
  }

  template <typename S>
  void Nested(std::string_view name, S& member) {
    std::string saved = prefix_;
    prefix_ += std::string(name) + ".";
    VisitFields(member, *this);
    prefix_ = saved;
  }

  // A wire field derived from another member (PWrite/PRead NumBytes).
  void Derived(std::string_view name, uint64_t actual) {
    const json::Value* v = Find(name);
    if (!v) return;
    std::optional<uint64_t> want = v->AsUint64();
    if (!want || *want != actual) {
      Error(name, "is " + std::to_string(actual) + ", vector has " + v->string());
    }
  }

 private:
  // An array element is checked through a one-member object keyed "".
  json::Value ElementHolder(const json::Value& item) {
    return json::Value::Object({{"", item}});
  }

  const json::Value* Find(std::string_view name) {
    std::string key = prefix_ + std::string(name);
    visited_.insert(key);
    const json::Value* v = obj_.Find(key);
    if (!v) errors_.push_back("vector lacks field " + key);
    return v;
  }
  const json::Value* FindArray(std::string_view name) {
    const json::Value* v = Find(name);
    if (v && !v->is_array()) {
      Error(name, "is not an array");
      return nullptr;
    }
    return v;
  }
  std::optional<std::vector<uint8_t>> HexOf(std::string_view name, const json::Value& v) {
    std::optional<std::vector<uint8_t>> b;
    if (v.is_string()) b = FromHex(v.string());
    if (!b) Error(name, "is not a hex string");
    return b;
  }
  template <typename U>
  static std::optional<U> ToInt(const json::Value& v) {
    if constexpr (std::is_signed_v<U>) {
      std::optional<int64_t> x = v.AsInt64();
      if (!x || *x < std::numeric_limits<U>::min() || *x > std::numeric_limits<U>::max()) {
        return std::nullopt;
      }
      return static_cast<U>(*x);
    } else {
      std::optional<uint64_t> x = v.AsUint64();
      if (!x || *x > std::numeric_limits<U>::max()) return std::nullopt;
      return static_cast<U>(*x);
    }
  }
  void Error(std::string_view name, const std::string& what) {
    errors_.push_back(prefix_ + std::string(name) + ": " + what);
  }
  void SizeError(std::string_view name, size_t have, const json::Value& v) {
    Error(name, "decoded " + std::to_string(have) + " elements, vector has " +
                    std::to_string(v.items().size()));
  }
  void Merge(std::string_view name, size_t i, const FieldVisitor& elem) {
    for (const std::string& e : elem.errors_) {
      errors_.push_back(prefix_ + std::string(name) + "[" + std::to_string(i) + "]." + e);
    }
  }

  Mode mode_;
  json::Value obj_;  // a copy: element holders are temporaries
  Arena* arena_;
  std::string prefix_;
  std::set<std::string> visited_;
  std::vector<std::string> errors_;
};

// ---- random visitor ------------------------------------------------------------

// Fills every field with random values; arrays get 0..max_elems elements and
// strings 0..max_len bytes (any byte value, including NUL and '/').
class RandomVisitor {
 public:
  RandomVisitor(std::mt19937_64* rng, Arena* arena, size_t max_elems = 4, size_t max_len = 24)
      : rng_(rng), arena_(arena), max_elems_(max_elems), max_len_(max_len) {}

  template <typename T>
    requires(std::is_integral_v<T> || std::is_enum_v<T>)
  void Field(std::string_view, T& member) {
    using U = typename std::conditional_t<std::is_enum_v<T>, std::underlying_type<T>,
                                 std::type_identity<T>>::type;
    // Mix extremes in: boundaries are where sign and width bugs live.
    uint64_t x;
    switch ((*rng_)() % 4) {
      case 0: x = 0; break;
      case 1: x = ~uint64_t{0}; break;
      default: x = (*rng_)(); break;
    }
    member = static_cast<T>(static_cast<U>(x));
  }
  void Field(std::string_view, std::string_view& member) { member = arena_->Keep(RandomString()); }
  void Field(std::string_view, std::span<const uint8_t>& member) {
    std::string s = RandomString();
    member = arena_->KeepBytes(std::vector<uint8_t>(s.begin(), s.end()));
  }
  template <typename T>
  void Field(std::string_view name, std::vector<T>& member) {
    member.assign(Len(max_elems_), T{});
    for (T& e : member) Field(name, e);
  }
  template <typename S>
  void StructArray(std::string_view, std::vector<S>& member) {
    member.assign(Len(max_elems_), S{});
    for (S& e : member) VisitFields(e, *this);
  }
  template <typename S>
  void Nested(std::string_view, S& member) {
    VisitFields(member, *this);
  }
  void Derived(std::string_view, uint64_t) {}

 private:
  size_t Len(size_t max) { return static_cast<size_t>((*rng_)() % (max + 1)); }
  std::string RandomString() {
    std::string s(Len(max_len_), '\0');
    for (char& c : s) c = static_cast<char>((*rng_)());
    return s;
  }
  std::mt19937_64* rng_;
  Arena* arena_;
  size_t max_elems_;
  size_t max_len_;
};

}  // namespace hg::wire::testing

#endif  // HARDGOFER_GOFER_WIRE_WIRE_TEST_FIELDS_H_
