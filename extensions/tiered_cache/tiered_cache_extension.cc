#include "extensions/tiered_cache/tiered_cache_extension.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "extensions/host_tree/host_tree.h"
#include "extensions/tiered_cache/tiered_store.h"

namespace hg::tiered_cache {
namespace {

constexpr server::OptionSpec kOptions[] = {
    {"backing", /*operator_only=*/true},
    {"cache", /*operator_only=*/true},
    {"cache_size", false},
    {"backing_latency_ms", false},
    {"writeback_interval_ms", false},
};

Errno Fail(std::string* why, int err, std::string msg) {
  if (why != nullptr) *why = "extension 'tiered_cache': " + std::move(msg);
  return Errno(err);
}

// Digits with an optional K/M/G/T suffix (powers of 1024); no overflow.
bool ParseSize(const std::string& s, uint64_t* out) {
  if (s.empty() || s[0] < '0' || s[0] > '9') return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno != 0) return false;
  int shift = 0;
  std::string_view rest(end);
  if (rest == "K" || rest == "k")
    shift = 10;
  else if (rest == "M" || rest == "m")
    shift = 20;
  else if (rest == "G" || rest == "g")
    shift = 30;
  else if (rest == "T" || rest == "t")
    shift = 40;
  else if (!rest.empty())
    return false;
  if (shift != 0 && v > (UINT64_MAX >> shift)) return false;
  *out = static_cast<uint64_t>(v) << shift;
  return true;
}

// A mount hint name as a directory name: [A-Za-z0-9_-] kept, the rest hex.
std::string DirName(const std::string& hint) {
  std::string out;
  for (unsigned char c : hint) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '-') {
      out += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789abcdef";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

Result<TieredOptions> ParseTieredOptions(const server::ExtensionOptions& opts, std::string* why) {
  TieredOptions o;
  if (auto it = opts.find("backing"); it != opts.end()) {
    if (it->second.empty() || it->second[0] != '/') {
      return Fail(why, EINVAL,
                  "option 'backing' must be an absolute path, got '" + it->second + "'");
    }
    o.backing = it->second;
  }
  if (auto it = opts.find("cache"); it != opts.end()) {
    if (it->second.empty() || it->second[0] != '/') {
      return Fail(why, EINVAL, "option 'cache' must be an absolute path, got '" + it->second + "'");
    }
    o.cache = it->second;
  }
  if (auto it = opts.find("cache_size"); it != opts.end()) {
    if (!ParseSize(it->second, &o.cache_size)) {
      return Fail(
          why, EINVAL,
          "option 'cache_size': '" + it->second + "' is not a size (e.g. 1048576, 64M, 2G)");
    }
  }
  if (auto it = opts.find("backing_latency_ms"); it != opts.end()) {
    uint64_t ms = 0;
    const bool digits =
        !it->second.empty() && it->second.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || it->second.size() > 6 || !ParseSize(it->second, &ms) || ms > 60000) {
      return Fail(why, EINVAL, "option 'backing_latency_ms': '" + it->second + "' is not 0..60000");
    }
    o.backing_latency = std::chrono::milliseconds(ms);
  }
  if (auto it = opts.find("writeback_interval_ms"); it != opts.end()) {
    uint64_t ms = 0;
    const bool digits =
        !it->second.empty() && it->second.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || it->second.size() > 7 || !ParseSize(it->second, &ms) || ms > 3600000) {
      return Fail(why, EINVAL,
                  "option 'writeback_interval_ms': '" + it->second +
                      "' is not 0..3600000 (milliseconds; 0 = only at FSync/Close)");
    }
    o.writeback_interval = std::chrono::milliseconds(ms);
  }
  return o;
}

bool TieredCacheExtension::Claims(const oci::Spec& spec, const oci::Mount* mount) const {
  return server::SelectedExtension(spec, mount) == kName;
}

seccomp::RuleSet TieredCacheExtension::SeccompRules() const {
  seccomp::RuleSet r("extension:tiered_cache");
  const std::string src = "extension:tiered_cache";
  r.AllowAny("pread64", {"pread64", "cache fills and write-backs copy file contents", src});
  r.AllowAny("pwrite64", {"pwrite64", "cache fills and write-backs copy file contents", src});
  r.AllowAny("ftruncate", {"ftruncate", "sizing copies to match the source", src});
  r.AllowAny("fsync", {"fsync", "journal entries and write-backs are made durable", src});
  r.AllowAny("fallocate",
             {"fallocate", "FAllocate RPC on the cache copy (mode 0 checked in code)", src});
  r.AllowAny("renameat", {"renameat", "fills and journal entries are renamed into place", src});
  r.AllowAny("unlinkat", {"unlinkat", "eviction and journal cleanup", src});
  r.AllowAny("utimensat",
             {"utimensat", "futimens marks a copy as equal to a backing version", src});
  r.AllowAny("faccessat", {"faccessat", "is a journal entry present", src});
  r.AllowAny("faccessat2",
             {"faccessat2", "is a journal entry present (glibc's faccessat makes this call)",
              src});
  r.AllowAny("getdents64",
             {"getdents64", "listing the dirty-file journal at Mount (crash replay)", src});
  r.AllowAny("statx", {"statx", "size and mtime of copies and backing files", src});
  r.AllowAny("nanosleep", {"nanosleep", "backing_latency_ms injection", src});
  r.AllowAny("clock_nanosleep", {"clock_nanosleep", "backing_latency_ms injection", src});
  return r;
}

Status TieredCacheExtension::PrepareGofer(const server::PrepareContext& ctx) {
  std::vector<const oci::Mount*> claimed;
  if (Claims(ctx.spec, nullptr)) claimed.push_back(nullptr);
  for (const oci::Mount& m : ctx.spec.mounts) {
    if (Claims(ctx.spec, &m)) claimed.push_back(&m);
  }
  if (claimed.empty()) return Status::Ok();
  for (const oci::Mount* m : claimed) {
    HG_ASSIGN_OR_RETURN(server::ExtensionOptions resolved,
                        server::ResolveOptions(kName, kOptions, ctx.options, ctx.spec, m, ctx.why));
    HG_ASSIGN_OR_RETURN(TieredOptions o, ParseTieredOptions(resolved, ctx.why));
    const std::string hint = server::MountHintName(ctx.spec, m);
    if (hint.empty()) return Fail(ctx.why, EINVAL, "claimed mount has no hint name");
    TierConfig cfg;
    cfg.cache_size = o.cache_size;
    cfg.backing_latency = o.backing_latency;
    cfg.writeback_interval = o.writeback_interval;
    std::string base = o.cache;
    if (base.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      std::string templ =
          std::string(tmp != nullptr && tmp[0] == '/' ? tmp : "/tmp") + "/hardgofer-cache-XXXXXX";
      if (::mkdtemp(templ.data()) == nullptr) {
        Errno e = Errno::Last();
        return Fail(ctx.why, e.value(), "cannot create a private cache directory: " + e.ToString());
      }
      base = templ;
      const size_t slash = templ.rfind('/');
      const std::string parent = slash == 0 ? "/" : templ.substr(0, slash);
      auto pfd = std::make_shared<const UniqueFd>(
          ::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!pfd->valid()) {
        Errno e = Errno::Last();
        (void)::rmdir(templ.c_str());
        return Fail(ctx.why, e.value(), "cannot open '" + parent + "': " + e.ToString());
      }
      cfg.remove_at_exit.parent = std::move(pfd);
      cfg.remove_at_exit.name = templ.substr(slash + 1);
    }
    UniqueFd root(::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) {
      Errno e = Errno::Last();
      return Fail(ctx.why, e.value(),
                  "option 'cache': cannot open '" + base + "': " + e.ToString());
    }
    const std::string sub = DirName(hint);
    if (::mkdirat(root.get(), sub.c_str(), 0700) != 0 && errno != EEXIST) {
      Errno e = Errno::Last();
      std::string what = "option 'cache': cannot create '";
      what.append(base).append("/").append(sub).append("'");
      return Fail(ctx.why, e.value(), std::move(what));
    }
    UniqueFd dir(
        ::openat(root.get(), sub.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid()) return Errno::Last();
    HG_ASSIGN_OR_RETURN(tiers_[hint], CacheTier::Open(std::move(dir), std::move(cfg)));
  }
  return Status::Ok();
}

std::vector<int> TieredCacheExtension::FdsToKeep() const {
  std::vector<int> fds;
  for (const auto& [name, tier] : tiers_) {
    for (int fd : tier->Fds()) fds.push_back(fd);
  }
  return fds;
}

std::shared_ptr<CacheTier> TieredCacheExtension::TierFor(const std::string& name) const {
  auto it = tiers_.find(name);
  return it == tiers_.end() ? nullptr : it->second;
}

Result<std::optional<server::HandledMount>> TieredCacheExtension::TryHandleMount(
    const server::MountRequest& req) {
  if (!Claims(req.spec, req.mount)) return std::optional<server::HandledMount>();
  HG_ASSIGN_OR_RETURN(
      server::ExtensionOptions resolved,
      server::ResolveOptions(kName, kOptions, req.options, req.spec, req.mount, req.why));
  HG_ASSIGN_OR_RETURN(TieredOptions o, ParseTieredOptions(resolved, req.why));
  std::shared_ptr<CacheTier> tier = TierFor(server::MountHintName(req.spec, req.mount));
  if (tier == nullptr) {
    return Fail(req.why, EINVAL, "no cache tier: PrepareGofer did not run for this mount");
  }
  HG_ASSIGN_OR_RETURN(fsgofer::HostResources host, host_tree::HostResourcesFor(req));
  tier->StartWriteback();  // after confinement (PrepareGofer must not start threads)
  server::HandledMount h;
  h.impl = std::make_unique<host_tree::TreeConnection>(
      std::move(host), std::make_shared<TieredStore>(tier, req.readonly), req.readonly,
      o.backing);
  h.opts = host_tree::TreeConnectionOpts(req.readonly);
  return std::optional<server::HandledMount>(std::move(h));
}

}  // namespace hg::tiered_cache
