// The interface for custom gofer backends (network-backed, encrypted, cached
// storage) — hardgofer's counterpart of runsc/fsgofer/extension.
//
//   class MyExt final : public hg::server::Extension {
//    public:
//     std::string_view Name() const override { return "my_ext"; }
//     std::string_view Version() const override { return "1"; }
//     bool Claims(const hg::oci::Spec& spec, const hg::oci::Mount* m) const override {
//       return m != nullptr && m->destination == "/data";     // pure: no I/O
//     }
//     bool CanDonateHostFds() const override { return false; }
//     hg::seccomp::RuleSet SeccompRules() const override { return hg::seccomp::RuleSet("my_ext"); }
//     hg::Result<std::optional<hg::server::HandledMount>> TryHandleMount(
//         const hg::server::MountRequest& req) override {
//       if (!Claims(req.spec, req.mount)) return std::nullopt;   // decline
//       hg::server::HandledMount h;
//       h.impl = std::make_unique<MyImpl>(...);
//       h.opts.readonly = req.readonly;
//       return h;
//     }
//   };
//
//   hg::server::ExtensionRegistry reg;
//   reg.Register(std::make_unique<MyExt>());
//   // per connection, in --io-fds order (never for /dev):
//   //   first extension whose TryHandleMount returns a value serves it; else fsgofer.
//
// Two halves. The *offline* half (Name, Version, Claims, CanDonateHostFds,
// NeedsKeyFiles, SeccompRules) is what the policy compiler reads to build the
// policy without starting anything: Claims must be a pure, deterministic
// function of the spec, because the compiled policy (which syscalls are
// allowed, whether directfs may stay on for a mount) is decided from it and a
// claim that differs at serve time would run a backend under a policy that was
// not compiled for it. The *serving* half (PrepareGofer, TryHandleMount) runs
// in the gofer: PrepareGofer before confinement, while host paths are still
// visible (open key files, cache directories); TryHandleMount per connection,
// after confinement, so it must not need anything PrepareGofer did not open.
// Confinement closes every descriptor it was not told about: whatever
// PrepareGofer opens and serving needs must be listed by FdsToKeep, or its
// number is closed and later reused by an unrelated file. PrepareGofer must
// not start threads either (confinement needs a single-threaded process:
// unshare(CLONE_NEWNS) and per-thread capabilities); start them in
// TryHandleMount. /proc/self/fd comes with the MountRequest (the handle
// `run` opened inside the confined root).
//
// This header is the only part of gofer/server the policy compiler includes.
// It names seccomp::RuleSet (the seccomp room sits above gofer/server).
#ifndef HARDGOFER_GOFER_SERVER_EXTENSION_H_
#define HARDGOFER_GOFER_SERVER_EXTENSION_H_

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "gofer/server/connection_opts.h"
#include "oci/spec.h"
#include "seccomp/rule.h"

namespace hg::server {

class ConnectionImpl;  // gofer/server/connection_impl.h
}  // namespace hg::server

namespace hg::path_walk {
class ProcSelfFd;  // path_walk/proc_self_fd.h
}  // namespace hg::path_walk

namespace hg::server {

// Operator-given options for one extension ("key_file" -> "/etc/keys/a.key"):
// from `serve --extension-opt KEY=VALUE` or the operator policy. Host paths
// come only from here, never from a tenant's annotations.
using ExtensionOptions = std::map<std::string, std::string, std::less<>>;

// What PrepareGofer sees: runs once per gofer start, before confinement.
struct PrepareContext {
  const oci::Spec& spec;
  std::string_view bundle_dir;  // empty for `serve`
  const ExtensionOptions& options;
  // Optional: on error, set to a sentence naming the option or annotation at
  // fault (an errno alone cannot say which key was wrong).
  std::string* why = nullptr;
};

// What TryHandleMount sees, per connection.
struct MountRequest {
  const oci::Spec& spec;        // `serve` passes a minimal spec (root only)
  const oci::Mount* mount;      // nullptr: the container's root filesystem
  std::string_view mount_path;  // host path served on this connection (absolute)
  bool readonly;
  const ExtensionOptions& options;
  std::string* why = nullptr;  // as PrepareContext::why
  // The process's /proc/self/fd handle, valid where the connection is served
  // (after confinement, the one inside the new root). nullptr: the extension
  // opens its own, which works only where /proc is visible (`serve`, tests).
  std::shared_ptr<const path_walk::ProcSelfFd> proc = nullptr;
};

// A claimed mount: the backend and the options the server applies verbatim
// (fsgofer's per-mount defaults are not applied on top).
struct HandledMount {
  std::unique_ptr<ConnectionImpl> impl;
  ConnectionOpts opts;
};

class Extension {
 public:
  virtual ~Extension() = default;

  // [a-z0-9_]+; appears in logs and as "extension:<name>" in policy reasons.
  virtual std::string_view Name() const = 0;
  // Stands for Claims and SeccompRules in the policy's input digest: change it
  // whenever either changes.
  virtual std::string_view Version() const = 0;
  // Pure: does this extension serve `mount` (nullptr = rootfs) of `spec`?
  virtual bool Claims(const oci::Spec& spec, const oci::Mount* mount) const = 0;
  // Whether Mount can return a host FD to the mount point (directfs needs it).
  virtual bool CanDonateHostFds() const = 0;
  // Whether it reads key files named by the operator policy.
  virtual bool NeedsKeyFiles() const { return false; }
  // Syscalls its backend needs after confinement (merged, OR, widening only).
  virtual seccomp::RuleSet SeccompRules() const = 0;
  // Before confinement. An error fails the start, naming the extension.
  virtual Status PrepareGofer(const PrepareContext&) { return Status::Ok(); }
  // Descriptors PrepareGofer opened that serving needs: kept open through
  // confinement (which closes every other one). Called after PrepareGofer.
  virtual std::vector<int> FdsToKeep() const { return {}; }
  // nullopt declines (the next extension, then fsgofer, is asked); an error
  // fails the start.
  virtual Result<std::optional<HandledMount>> TryHandleMount(const MountRequest& req) = 0;
};

// --- Configuration from the spec -------------------------------------------
// A tenant selects an extension and tunes it with annotations:
//   dev.hardgofer.rootfs.extension=<ext>            the root filesystem
//   dev.hardgofer.mount.<NAME>.extension=<ext>      the mount whose gVisor hint
//                                                   dev.gvisor.spec.mount.<NAME>.source
//                                                   equals its source
//   dev.hardgofer.extension.<ext>.<key>=<value>     sandbox-wide option
//   dev.hardgofer.rootfs.<key>, dev.hardgofer.mount.<NAME>.<key>   per-mount option
// The operator gives ExtensionOptions (flags, operator policy); only they may
// name host paths (OptionSpec::operator_only) and their values are final.
inline constexpr std::string_view kRootfsAnnotationPrefix = "dev.hardgofer.rootfs.";
inline constexpr std::string_view kMountAnnotationPrefix = "dev.hardgofer.mount.";
inline constexpr std::string_view kSandboxAnnotationPrefix = "dev.hardgofer.extension.";

// The gVisor mount-hint NAME of `mount` ("rootfs" for nullptr; "" when no
// dev.gvisor.spec.mount.<NAME>.source names its source). Pure.
std::string MountHintName(const oci::Spec& spec, const oci::Mount* mount);
// The extension the annotations select for `mount` (nullptr: rootfs), or "".
// Pure: the usual body of Extension::Claims is `SelectedExtension(...) == Name()`.
std::string SelectedExtension(const oci::Spec& spec, const oci::Mount* mount);

// Key files. The operator policy lists an extension's key files
// (`extension { name: "encrypted" key_file: "A" key_file: "B" }`); `run`
// hands the i-th to it as option KeyFileOption(i): "key_file", "key_file_1",
// "key_file_2", ... (`serve` takes --extension-opt key_file=PATH). An
// extension declares in its schema the ones it reads; a key file beyond them
// fails the start (EINVAL, naming the option and the file), never silently
// unused: an operator who lists a second key must learn it protects nothing.
std::string KeyFileOption(size_t index);

// One option an extension understands.
struct OptionSpec {
  std::string_view key;
  // Host paths and anything read as root: from the operator only. A tenant's
  // annotation naming it is refused (EPERM), never ignored: a silently dropped
  // key_file would leave the tenant believing their data is protected.
  bool operator_only = false;
};

// The options of extension `ext` for `mount`: the operator's, then (for keys
// they did not set) the per-mount annotation, then the sandbox-wide one.
// Errors (and *why): EINVAL for a key outside `schema` (naming the key and
// where it came from), EPERM for an operator_only key in an annotation.
Result<ExtensionOptions> ResolveOptions(std::string_view ext, std::span<const OptionSpec> schema,
                                        const ExtensionOptions& operator_options,
                                        const oci::Spec& spec, const oci::Mount* mount,
                                        std::string* why);

// Registration order is selection order. Not thread-safe: fill it before
// serving, then only read it.
class ExtensionRegistry {
 public:
  // EEXIST for a duplicate name, EINVAL for a name outside [a-z0-9_]+.
  Status Register(std::unique_ptr<Extension> ext);
  Extension* Find(std::string_view name) const;
  const std::vector<std::unique_ptr<Extension>>& extensions() const { return exts_; }
  bool empty() const { return exts_.empty(); }

 private:
  std::vector<std::unique_ptr<Extension>> exts_;
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_EXTENSION_H_
