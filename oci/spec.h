// The OCI runtime spec (config.json) model and its strict, bounded parser.
//
//   oci::ErrorOr<oci::Spec> spec = oci::LoadBundleSpec("/run/bundle");  // read + resolve paths
//   if (!spec.ok()) return Fail(spec.error().message);   // "mounts[3].options[1]: expected string, got number"
//   for (const oci::Mount& m : spec->mounts) ...
//
// Only the fields the policy compiler and `hardgofer run` use are modelled; every other
// field is ignored, as runsc ignores fields it does not know. What is modelled is
// checked strictly: a wrong type is an error naming the JSON path. Beyond that:
//   * the document is bounded (kMaxSpecBytes) and must be valid UTF-8;
//   * a key that differs from a modelled field only in case (or by the Unicode runes
//     Go folds onto ASCII, e.g. "ſource") is rejected: Go's encoding/json would bind
//     it to the field and we would not, so runsc and hardgofer would disagree about
//     the spec. Duplicate keys are rejected by base/json for the same reason;
//   * JSON null for an optional field means "absent", as in Go.
// Strings are kept byte-exact; nothing is cleaned here. Relative paths are resolved
// against the bundle exactly as runsc does (ResolveBundlePaths) because mount hints
// match the *resolved* source string.
#ifndef HARDGOFER_OCI_SPEC_H_
#define HARDGOFER_OCI_SPEC_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"

namespace hg::oci {

// Bigger than any real spec (a Kubernetes spec with a full seccomp profile is ~40 KiB);
// small enough that a hostile spec cannot make the gofer or compiler allocate much.
inline constexpr size_t kMaxSpecBytes = 4u << 20;

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
  friend bool operator==(const IdMapping&, const IdMapping&) = default;
};

struct Mount {
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;
  std::vector<IdMapping> uid_mappings;  // id-mapped mount (runsc IsIDMappedMount)
  std::vector<IdMapping> gid_mappings;
  friend bool operator==(const Mount&, const Mount&) = default;
};

struct Root {
  std::string path;
  bool readonly = false;
};

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
  std::string username;
};

struct Capabilities {
  std::vector<std::string> bounding;
  std::vector<std::string> effective;
  std::vector<std::string> inheritable;
  std::vector<std::string> permitted;
  std::vector<std::string> ambient;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE", ...
  uint64_t hard = 0;
  uint64_t soft = 0;
};

struct Process {
  bool terminal = false;
  User user;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd;
  std::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::string apparmor_profile;
  std::string selinux_label;
  std::optional<int64_t> oom_score_adj;
};

struct Namespace {
  std::string type;  // "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"
  std::string path;  // join this namespace instead of creating one (may be empty)
};

struct Linux {
  std::vector<IdMapping> uid_mappings;
  std::vector<IdMapping> gid_mappings;
  std::vector<Namespace> namespaces;
  std::string rootfs_propagation;
  std::string cgroups_path;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::string mount_label;
  bool has_seccomp = false;  // a "seccomp" object is present (content not modelled)
};

struct Spec {
  std::string oci_version;
  std::optional<Process> process;
  std::optional<Root> root;
  std::string hostname;
  std::vector<Mount> mounts;  // spec order: gofer mount configs follow it
  // Sorted by key, so every walk over annotations is deterministic (runsc walks a Go
  // map in random order; every decision we mirror is order-independent or made so).
  std::map<std::string, std::string> annotations;
  std::optional<Linux> linux_spec;  // "linux" (not named `linux`: a GNU macro)
  bool has_solaris = false;  // non-null "solaris": runsc rejects the spec
  bool has_windows = false;  // non-null "windows": runsc rejects the spec

  // First namespace of `type`, or nullptr.
  const Namespace* FindNamespace(std::string_view type) const;
  // A user namespace is requested (created or joined).
  bool HasUserNamespace() const { return FindNamespace("user") != nullptr; }
};

// Parses config.json text. Never throws or aborts on bad input.
ErrorOr<Spec> ParseSpec(std::string_view text);

// Reads at most kMaxSpecBytes (+1 to detect excess) from `fd` starting at offset 0
// (runsc seeks --spec-fd to 0 before reading), then ParseSpec. Does not close `fd`.
ErrorOr<Spec> ReadSpecFromFd(int fd);

// Opens and parses `path` (O_RDONLY|O_CLOEXEC; must be a regular file).
ErrorOr<Spec> ReadSpecFile(const std::string& path);

// runsc fixSpec: root.path and every non-empty mount source that is relative become
// GoPathJoin(bundle_dir, p); absolute ones are left byte-for-byte unchanged. Must run
// before matching mount hints, which compare sources exactly.
void ResolveBundlePaths(Spec& spec, std::string_view bundle_dir);

// ReadSpecFile(bundle_dir + "/config.json") followed by ResolveBundlePaths.
ErrorOr<Spec> LoadBundleSpec(const std::string& bundle_dir);

}  // namespace hg::oci

#endif  // HARDGOFER_OCI_SPEC_H_
