#include "oci/spec.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <utility>

#include "base/json.h"
#include "base/unique_fd.h"
#include "oci/go_compat.h"

namespace hg::oci {

const Namespace* Spec::FindNamespace(std::string_view type) const {
  if (!linux_spec) return nullptr;
  for (const Namespace& ns : linux_spec->namespaces) {
    if (ns.type == type) return &ns;
  }
  return nullptr;
}

namespace {

using json::Value;

std::string Field(const std::string& path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return path + "." + std::string(key);
}

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// Walks the modelled part of the document, remembering the first error. Every getter
// treats an absent member and a JSON null alike (Go leaves the field at its zero).
class Walker {
 public:
  const std::optional<Error>& error() const { return err_; }

  bool Fail(const std::string& path, std::string what) {
    if (!err_) {
      Error e;
      e.kind = Error::Kind::kSpec;
      e.subject = path.empty() ? "(document)" : path;
      e.message = e.subject + ": " + std::move(what);
      err_ = std::move(e);
    }
    return false;
  }

  bool WrongType(const std::string& path, const char* want, const Value& got) {
    return Fail(path, std::string("expected ") + want + ", got " + Value::KindName(got.kind()));
  }

  // `v` must be an object; none of its keys may alias a modelled field by Go's case
  // folding without being spelled exactly like it.
  bool Object(const Value& v, const std::string& path, std::initializer_list<std::string_view> fields) {
    if (!v.is_object()) return WrongType(path, "object", v);
    for (const auto& [key, unused] : v.members()) {
      const std::string folded = GoJsonFoldKey(key);
      for (std::string_view f : fields) {
        if (key != f && folded == GoJsonFoldKey(f)) {
          return Fail(Field(path, key),
                      "key " + json::Quote(key) + " differs from the field " + json::Quote(f) +
                          " only by letter case; runsc (Go encoding/json) would read it as " +
                          json::Quote(f) + ", so it is rejected rather than read differently");
        }
      }
    }
    return true;
  }

  static const Value* Member(const Value& obj, std::string_view key) {
    const Value* v = obj.Find(key);
    return (v == nullptr || v->is_null()) ? nullptr : v;
  }

  bool String(const Value& obj, const std::string& path, std::string_view key, std::string* out) {
    const Value* v = Member(obj, key);
    if (!v) return true;
    if (!v->is_string()) return WrongType(Field(path, key), "string", *v);
    *out = v->string();
    return true;
  }

  bool Bool(const Value& obj, const std::string& path, std::string_view key, bool* out) {
    const Value* v = Member(obj, key);
    if (!v) return true;
    if (!v->is_bool()) return WrongType(Field(path, key), "boolean", *v);
    *out = v->boolean();
    return true;
  }

  bool U32At(const Value& v, const std::string& path, uint32_t* out) {
    if (!v.is_number()) return WrongType(path, "unsigned 32-bit integer", v);
    auto u = v.AsUint64();
    if (!u || *u > std::numeric_limits<uint32_t>::max()) {
      return Fail(path, "expected unsigned 32-bit integer, got " + v.string());
    }
    *out = static_cast<uint32_t>(*u);
    return true;
  }

  bool U32(const Value& obj, const std::string& path, std::string_view key, uint32_t* out) {
    const Value* v = Member(obj, key);
    if (!v) return true;
    return U32At(*v, Field(path, key), out);
  }

  bool OptU32(const Value& obj, const std::string& path, std::string_view key,
              std::optional<uint32_t>* out) {
    const Value* v = Member(obj, key);
    if (!v) return true;
    uint32_t x = 0;
    if (!U32At(*v, Field(path, key), &x)) return false;
    *out = x;
    return true;
  }

  bool U64(const Value& obj, const std::string& path, std::string_view key, uint64_t* out) {
    const Value* v = Member(obj, key);
    if (!v) return true;
    if (!v->is_number()) return WrongType(Field(path, key), "unsigned 64-bit integer", *v);
    auto u = v->AsUint64();
    if (!u) return Fail(Field(path, key), "expected unsigned 64-bit integer, got " + v->string());
    *out = *u;
    return true;
  }

  bool OptI64(const Value& obj, const std::string& path, std::string_view key,
              std::optional<int64_t>* out) {
    const Value* v = Member(obj, key);
    if (!v) return true;
    if (!v->is_number()) return WrongType(Field(path, key), "integer", *v);
    auto i = v->AsInt64();
    if (!i) return Fail(Field(path, key), "expected 64-bit integer, got " + v->string());
    *out = *i;
    return true;
  }

  bool StringList(const Value& obj, const std::string& path, std::string_view key,
                  std::vector<std::string>* out) {
    const Value* v = Member(obj, key);
    if (!v) return true;
    const std::string p = Field(path, key);
    if (!v->is_array()) return WrongType(p, "array", *v);
    out->clear();
    out->reserve(v->items().size());
    for (size_t i = 0; i < v->items().size(); ++i) {
      const Value& item = v->items()[i];
      if (!item.is_string()) return WrongType(Index(p, i), "string", item);
      out->push_back(item.string());
    }
    return true;
  }

  bool U32List(const Value& obj, const std::string& path, std::string_view key,
               std::vector<uint32_t>* out) {
    const Value* v = Member(obj, key);
    if (!v) return true;
    const std::string p = Field(path, key);
    if (!v->is_array()) return WrongType(p, "array", *v);
    out->clear();
    for (size_t i = 0; i < v->items().size(); ++i) {
      uint32_t x = 0;
      if (!U32At(v->items()[i], Index(p, i), &x)) return false;
      out->push_back(x);
    }
    return true;
  }

  // Calls fn(item, item_path) for each element of the array member `key`.
  template <typename Fn>
  bool Array(const Value& obj, const std::string& path, std::string_view key, Fn fn) {
    const Value* v = Member(obj, key);
    if (!v) return true;
    const std::string p = Field(path, key);
    if (!v->is_array()) return WrongType(p, "array", *v);
    for (size_t i = 0; i < v->items().size(); ++i) {
      if (!fn(v->items()[i], Index(p, i))) return false;
    }
    return true;
  }

  bool IdMappings(const Value& obj, const std::string& path, std::string_view key,
                  std::vector<IdMapping>* out) {
    return Array(obj, path, key, [&](const Value& item, const std::string& p) {
      if (!Object(item, p, {"containerID", "hostID", "size"})) return false;
      IdMapping m;
      if (!U32(item, p, "containerID", &m.container_id) || !U32(item, p, "hostID", &m.host_id) ||
          !U32(item, p, "size", &m.size)) {
        return false;
      }
      out->push_back(m);
      return true;
    });
  }

 private:
  std::optional<Error> err_;
};

bool ParseMount(Walker& w, const Value& v, const std::string& p, Mount* m) {
  return w.Object(v, p, {"destination", "type", "source", "options", "uidMappings", "gidMappings"}) &&
         w.String(v, p, "destination", &m->destination) && w.String(v, p, "type", &m->type) &&
         w.String(v, p, "source", &m->source) && w.StringList(v, p, "options", &m->options) &&
         w.IdMappings(v, p, "uidMappings", &m->uid_mappings) &&
         w.IdMappings(v, p, "gidMappings", &m->gid_mappings);
}

bool ParseProcess(Walker& w, const Value& v, const std::string& p, Process* proc) {
  if (!w.Object(v, p,
                {"terminal", "user", "args", "env", "cwd", "capabilities", "rlimits",
                 "noNewPrivileges", "apparmorProfile", "selinuxLabel", "oomScoreAdj"})) {
    return false;
  }
  if (!w.Bool(v, p, "terminal", &proc->terminal)) return false;
  if (const Value* u = Walker::Member(v, "user")) {
    const std::string up = Field(p, "user");
    if (!w.Object(*u, up, {"uid", "gid", "umask", "additionalGids", "username"}) ||
        !w.U32(*u, up, "uid", &proc->user.uid) || !w.U32(*u, up, "gid", &proc->user.gid) ||
        !w.OptU32(*u, up, "umask", &proc->user.umask) ||
        !w.U32List(*u, up, "additionalGids", &proc->user.additional_gids) ||
        !w.String(*u, up, "username", &proc->user.username)) {
      return false;
    }
  }
  if (!w.StringList(v, p, "args", &proc->args) || !w.StringList(v, p, "env", &proc->env) ||
      !w.String(v, p, "cwd", &proc->cwd)) {
    return false;
  }
  if (const Value* c = Walker::Member(v, "capabilities")) {
    const std::string cp = Field(p, "capabilities");
    Capabilities caps;
    if (!w.Object(*c, cp, {"bounding", "effective", "inheritable", "permitted", "ambient"}) ||
        !w.StringList(*c, cp, "bounding", &caps.bounding) ||
        !w.StringList(*c, cp, "effective", &caps.effective) ||
        !w.StringList(*c, cp, "inheritable", &caps.inheritable) ||
        !w.StringList(*c, cp, "permitted", &caps.permitted) ||
        !w.StringList(*c, cp, "ambient", &caps.ambient)) {
      return false;
    }
    proc->capabilities = std::move(caps);
  }
  bool ok = w.Array(v, p, "rlimits", [&](const Value& item, const std::string& ip) {
    Rlimit r;
    if (!w.Object(item, ip, {"type", "hard", "soft"}) || !w.String(item, ip, "type", &r.type) ||
        !w.U64(item, ip, "hard", &r.hard) || !w.U64(item, ip, "soft", &r.soft)) {
      return false;
    }
    proc->rlimits.push_back(std::move(r));
    return true;
  });
  return ok && w.Bool(v, p, "noNewPrivileges", &proc->no_new_privileges) &&
         w.String(v, p, "apparmorProfile", &proc->apparmor_profile) &&
         w.String(v, p, "selinuxLabel", &proc->selinux_label) &&
         w.OptI64(v, p, "oomScoreAdj", &proc->oom_score_adj);
}

bool ParseLinux(Walker& w, const Value& v, const std::string& p, Linux* lx) {
  if (!w.Object(v, p,
                {"uidMappings", "gidMappings", "namespaces", "rootfsPropagation", "cgroupsPath",
                 "maskedPaths", "readonlyPaths", "mountLabel", "seccomp"})) {
    return false;
  }
  if (!w.IdMappings(v, p, "uidMappings", &lx->uid_mappings) ||
      !w.IdMappings(v, p, "gidMappings", &lx->gid_mappings)) {
    return false;
  }
  bool ok = w.Array(v, p, "namespaces", [&](const Value& item, const std::string& ip) {
    Namespace ns;
    if (!w.Object(item, ip, {"type", "path"}) || !w.String(item, ip, "type", &ns.type) ||
        !w.String(item, ip, "path", &ns.path)) {
      return false;
    }
    lx->namespaces.push_back(std::move(ns));
    return true;
  });
  if (!ok) return false;
  if (const Value* s = Walker::Member(v, "seccomp")) {
    if (!s->is_object()) return w.WrongType(Field(p, "seccomp"), "object", *s);
    lx->has_seccomp = true;
  }
  return w.String(v, p, "rootfsPropagation", &lx->rootfs_propagation) &&
         w.String(v, p, "cgroupsPath", &lx->cgroups_path) &&
         w.StringList(v, p, "maskedPaths", &lx->masked_paths) &&
         w.StringList(v, p, "readonlyPaths", &lx->readonly_paths) &&
         w.String(v, p, "mountLabel", &lx->mount_label);
}

bool ParseDocument(Walker& w, const Value& doc, Spec* spec) {
  const std::string p;
  if (!w.Object(doc, p,
                {"ociVersion", "process", "root", "hostname", "mounts", "annotations", "linux",
                 "solaris", "windows"})) {
    return false;
  }
  if (!w.String(doc, p, "ociVersion", &spec->oci_version)) return false;
  if (const Value* v = Walker::Member(doc, "process")) {
    Process proc;
    if (!ParseProcess(w, *v, "process", &proc)) return false;
    spec->process = std::move(proc);
  }
  if (const Value* v = Walker::Member(doc, "root")) {
    Root root;
    if (!w.Object(*v, "root", {"path", "readonly"}) || !w.String(*v, "root", "path", &root.path) ||
        !w.Bool(*v, "root", "readonly", &root.readonly)) {
      return false;
    }
    spec->root = std::move(root);
  }
  if (!w.String(doc, p, "hostname", &spec->hostname)) return false;
  bool ok = w.Array(doc, p, "mounts", [&](const Value& item, const std::string& ip) {
    Mount m;
    if (!ParseMount(w, item, ip, &m)) return false;
    spec->mounts.push_back(std::move(m));
    return true;
  });
  if (!ok) return false;
  if (const Value* a = Walker::Member(doc, "annotations")) {
    if (!a->is_object()) return w.WrongType("annotations", "object", *a);
    for (const auto& [key, val] : a->members()) {
      if (!val.is_string()) return w.WrongType("annotations[" + json::Quote(key) + "]", "string", val);
      spec->annotations.emplace(key, val.string());  // base/json already rejected duplicates
    }
  }
  if (const Value* v = Walker::Member(doc, "linux")) {
    Linux lx;
    if (!ParseLinux(w, *v, "linux", &lx)) return false;
    spec->linux_spec = std::move(lx);
  }
  spec->has_solaris = Walker::Member(doc, "solaris") != nullptr;
  spec->has_windows = Walker::Member(doc, "windows") != nullptr;
  return true;
}

Error JsonError(std::string message) {
  Error e;
  e.kind = Error::Kind::kJson;
  e.subject = "config.json";
  e.message = std::move(message);
  return e;
}

Error IoError(const std::string& what, int err) {
  Error e;
  e.kind = Error::Kind::kIo;
  e.subject = what;
  e.message = what + ": " + std::strerror(err);
  return e;
}

}  // namespace

ErrorOr<Spec> ParseSpec(std::string_view text) {
  if (text.size() > kMaxSpecBytes) {
    return JsonError("spec is larger than " + std::to_string(kMaxSpecBytes) + " bytes (" +
                     std::to_string(text.size()) + ")");
  }
  if (auto bad = FindInvalidUtf8(text)) {
    return JsonError("spec is not valid UTF-8 (byte offset " + std::to_string(*bad) + ")");
  }
  json::ParseResult doc = json::Parse(text);
  if (!doc.ok()) {
    return JsonError("invalid JSON at byte offset " + std::to_string(doc.error().offset) + ": " +
                     doc.error().message);
  }
  Spec spec;
  Walker w;
  if (!ParseDocument(w, doc.value(), &spec)) return *w.error();
  return spec;
}

ErrorOr<Spec> ReadSpecFromFd(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return IoError("spec fd " + std::to_string(fd), errno);
  if (!S_ISREG(st.st_mode)) {
    Error e = IoError("spec fd " + std::to_string(fd), EINVAL);
    e.message = e.subject + ": not a regular file";
    return e;
  }
  std::string text;
  // One byte more than the bound, so an oversized file is reported, not truncated.
  text.resize(kMaxSpecBytes + 1);
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::pread(fd, text.data() + got, text.size() - got, static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("spec fd " + std::to_string(fd), errno);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  return ParseSpec(text);
}

ErrorOr<Spec> ReadSpecFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return IoError(path, errno);
  ErrorOr<Spec> spec = ReadSpecFromFd(fd.get());
  if (!spec.ok() && spec.error().kind == Error::Kind::kIo) {
    Error e = spec.error();
    e.subject = path;
    e.message = path + e.message.substr(e.message.find(':'));
    return e;
  }
  return spec;
}

void ResolveBundlePaths(Spec& spec, std::string_view bundle_dir) {
  if (spec.root) spec.root->path = GoAbsPath(bundle_dir, spec.root->path);
  for (Mount& m : spec.mounts) {
    if (!m.source.empty()) m.source = GoAbsPath(bundle_dir, m.source);
  }
}

ErrorOr<Spec> LoadBundleSpec(const std::string& bundle_dir) {
  ErrorOr<Spec> spec = ReadSpecFile(GoPathJoin(bundle_dir, "config.json"));
  if (!spec.ok()) return spec;
  ResolveBundlePaths(*spec, bundle_dir);
  return spec;
}

}  // namespace hg::oci
