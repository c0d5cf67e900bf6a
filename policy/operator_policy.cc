#include "policy/operator_policy.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <re2/re2.h>

#include <set>

#include "oci/go_compat.h"

namespace hg::policy {

namespace {

// Collects the first parse error with its position (1-based, as editors count).
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!message_.empty()) return;
    line_ = line + 1;
    column_ = column + 1;
    message_ = message;
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  bool has_error() const { return !message_.empty(); }
  std::string ToString() const {
    return "line " + std::to_string(line_) + " column " + std::to_string(column_) + ": " + message_;
  }

 private:
  int line_ = 0;
  int column_ = 0;
  std::string message_;
};

std::string Idx(const std::string& field, int i) { return field + "[" + std::to_string(i) + "]"; }

// An absolute, lexically clean path ("/a/b", not "a", "/a/../b" or "/a/").
bool CleanAbsolute(const std::string& p) {
  return oci::GoPathIsAbs(p) && oci::GoPathClean(p) == p;
}

bool ValidHostSockets(int v) { return pb::HostSockets::Mode_IsValid(v); }

}  // namespace

Error OperatorPolicyError(const std::string& file, const std::string& key, const std::string& value,
                          const std::string& why) {
  Error e;
  e.kind = Error::Kind::kOperatorPolicy;
  e.file = file;
  e.key = key;
  e.value = value;
  e.message = key + "=" + oci::GoQuote(value) + ": " + why;
  return e;
}

ErrorOr<pb::OperatorPolicy> ParseOperatorPolicy(std::string_view text, const std::string& file) {
  if (text.size() > kMaxOperatorPolicyBytes) {
    Error e;
    e.kind = Error::Kind::kOperatorPolicy;
    e.file = file;
    e.message = "operator policy is larger than " + std::to_string(kMaxOperatorPolicyBytes) +
                " bytes; is this the right file?";
    return e;
  }
  if (auto bad = oci::FindInvalidUtf8(text)) {
    Error e;
    e.kind = Error::Kind::kOperatorPolicy;
    e.file = file;
    e.message = "invalid UTF-8 at byte offset " + std::to_string(*bad);
    return e;
  }
  pb::OperatorPolicy op;
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  // Unknown fields and extensions are errors (the parser's default); say so
  // explicitly, because silently ignoring `read_onyl: true` would loosen.
  parser.AllowUnknownField(false);
  parser.AllowUnknownExtension(false);
  const std::string owned(text);
  if (!parser.ParseFromString(owned, &op)) {
    Error e;
    e.kind = Error::Kind::kOperatorPolicy;
    e.file = file;
    e.message = "not a valid OperatorPolicy textproto (schema: policy/policy.proto): " +
                (errors.has_error() ? errors.ToString() : std::string("parse error"));
    return e;
  }

  std::set<std::string> mount_paths;
  for (int i = 0; i < op.mount_size(); ++i) {
    const pb::MountOverride& m = op.mount(i);
    const std::string key = Idx("mount", i);
    if (!CleanAbsolute(m.path())) {
      return OperatorPolicyError(file, key + ".path", m.path(),
                                 "a mount is named by its absolute, clean destination in the "
                                 "container (\"/\" for the rootfs)");
    }
    if (!mount_paths.insert(m.path()).second) {
      return OperatorPolicyError(file, key + ".path", m.path(),
                                 "this mount already has an override; merge them into one");
    }
    if (!ValidHostSockets(m.host_sockets())) {
      return OperatorPolicyError(file, key + ".host_sockets", std::to_string(m.host_sockets()),
                                 "not a HostSockets.Mode (NONE, OPEN, CREATE, ALL)");
    }
  }

  for (int i = 0; i < op.path_deny_size(); ++i) {
    const pb::PathDeny& d = op.path_deny(i);
    const std::string key = Idx("path_deny", i);
    if (d.pattern().empty()) {
      return OperatorPolicyError(file, key + ".pattern", d.pattern(),
                                 "an empty pattern matches nothing; remove the rule or write one");
    }
    RE2::Options options;
    options.set_log_errors(false);
    RE2 re(d.pattern(), options);
    if (!re.ok()) {
      return OperatorPolicyError(file, key + ".pattern", d.pattern(),
                                 "invalid RE2 pattern: " + re.error());
    }
    for (int j = 0; j < d.mount_size(); ++j) {
      if (!CleanAbsolute(d.mount(j))) {
        return OperatorPolicyError(file, key + "." + Idx("mount", j), d.mount(j),
                                   "a mount is named by its absolute, clean destination");
      }
    }
  }

  std::set<std::string> namespaces;
  for (int i = 0; i < op.xattr_namespace_size(); ++i) {
    const std::string& ns = op.xattr_namespace(i);
    const std::string key = Idx("xattr_namespace", i);
    bool known = false;
    for (std::string_view k : kXattrNamespaces) known = known || ns == k;
    if (!known) {
      return OperatorPolicyError(file, key, ns,
                                 "unknown xattr namespace (want one of security, system, trusted, "
                                 "user; without the trailing dot)");
    }
    if (!namespaces.insert(ns).second) {
      return OperatorPolicyError(file, key, ns, "namespace listed twice");
    }
  }

  if (!ValidHostSockets(op.host_sockets())) {
    return OperatorPolicyError(file, "host_sockets", std::to_string(op.host_sockets()),
                               "not a HostSockets.Mode (NONE, OPEN, CREATE, ALL)");
  }

  std::set<std::string> ext_names;
  for (int i = 0; i < op.extension_size(); ++i) {
    const pb::ExtensionConfig& x = op.extension(i);
    const std::string key = Idx("extension", i);
    if (x.name().empty()) {
      return OperatorPolicyError(file, key + ".name", x.name(), "an extension entry needs a name");
    }
    if (!ext_names.insert(x.name()).second) {
      return OperatorPolicyError(file, key + ".name", x.name(),
                                 "extension configured twice; merge the entries");
    }
    std::set<std::string> keys;
    for (int j = 0; j < x.key_file_size(); ++j) {
      const std::string& kf = x.key_file(j);
      const std::string kkey = key + "." + Idx("key_file", j);
      if (!CleanAbsolute(kf)) {
        return OperatorPolicyError(file, kkey, kf,
                                   "key files are absolute, clean host paths (the gofer reads "
                                   "them as root before confinement)");
      }
      if (!keys.insert(kf).second) {
        return OperatorPolicyError(file, kkey, kf, "key file listed twice");
      }
    }
  }
  return op;
}

}  // namespace hg::policy
