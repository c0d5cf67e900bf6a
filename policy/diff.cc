#include "policy/diff.h"

#include <map>
#include <set>
#include <vector>

#include "policy/explain.h"

namespace hg::policy {

namespace {

using Reasons = google::protobuf::RepeatedPtrField<pb::Reason>;

struct Section {
  explicit Section(std::string t) : title(std::move(t)) {}
  std::string title;
  std::vector<std::string> lines;
  void Add(std::string l) { lines.push_back(std::move(l)); }
};

void Because(Section* s, const Reasons& rs) {
  for (const pb::Reason& r : rs) s->Add("      because " + ReasonText(r));
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }
std::string OnOff(bool b) { return b ? "on" : "off"; }

template <typename T>
void Field(Section* s, const std::string& who, const std::string& name, const T& a, const T& b,
           const Reasons* reasons = nullptr) {
  if (a == b) return;
  s->Add("  ~ " + who + ": " + (name.empty() ? std::string() : name + " ") + a + " -> " + b);
  if (reasons) Because(s, *reasons);
}

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "(none)" : s;
}

// Mounts keyed by destination; a repeated destination gets its config.json index.
std::map<std::string, const pb::Mount*> MountsByKey(const pb::Policy& p) {
  std::map<std::string, int> count;
  for (const pb::Mount& m : p.mount()) ++count[m.path()];
  std::map<std::string, const pb::Mount*> out;
  for (const pb::Mount& m : p.mount()) {
    std::string key = m.path();
    if (count[m.path()] > 1) key += " (config.json mounts[" + std::to_string(m.spec_index()) + "])";
    out[key] = &m;
  }
  return out;
}

std::string PathRules(const pb::Mount& m) {
  std::string s;
  for (const pb::PathRule& r : m.path_rule()) s += (s.empty() ? "" : ", ") + r.action() + " " + r.pattern();
  return s.empty() ? "(none)" : s;
}

void DiffMounts(const pb::Policy& a, const pb::Policy& b, Section* s) {
  auto ma = MountsByKey(a);
  auto mb = MountsByKey(b);
  for (const auto& [k, m] : ma) {
    if (!mb.count(k)) s->Add("  - " + k + " [" + BackendName(*m) + "]");
  }
  for (const auto& [k, m] : mb) {
    if (!ma.count(k)) {
      s->Add("  + " + k + " [" + BackendName(*m) + "]" +
             (m->backend() == pb::Mount::NOT_SERVED
                  ? ""
                  : std::string(", read-only ") + YesNo(m->read_only()) + ", directfs " +
                        OnOff(m->directfs())));
      Because(s, m->backend_reason());
      continue;
    }
    const pb::Mount& x = *ma[k];
    const pb::Mount& y = *m;
    Field(s, k, "source", x.source(), y.source());
    Field(s, k, "type", x.type(), y.type());
    Field(s, k, "backend", BackendName(x), BackendName(y), &y.backend_reason());
    Field(s, k, "gofer mount conf", x.gofer_mount_conf(), y.gofer_mount_conf());
    Field(s, k, "io-fd slot", std::to_string(x.io_fd_index()), std::to_string(y.io_fd_index()));
    Field(s, k, "read-only", YesNo(x.read_only()), YesNo(y.read_only()), &y.read_only_reason());
    Field(s, k, "directfs", OnOff(x.directfs()), OnOff(y.directfs()), &y.directfs_reason());
    Field(s, k, "donate mount-point FD", YesNo(x.donate_mount_fd()), YesNo(y.donate_mount_fd()),
          &y.donate_mount_fd_reason());
    Field(s, k, "share", x.share(), y.share());
    Field(s, k, "file access", x.file_access(), y.file_access());
    Field(s, k, "host unix sockets", x.host_uds(), y.host_uds(), &y.host_uds_reason());
    Field(s, k, "host FIFOs", x.host_fifo(), y.host_fifo(), &y.host_fifo_reason());
    Field(s, k, "max file size", std::to_string(x.max_file_size()),
          std::to_string(y.max_file_size()), &y.max_file_size_reason());
    Field(s, k, "xattr namespaces", Join(x.xattr_namespace()), Join(y.xattr_namespace()),
          &y.xattr_reason());
    Field(s, k, "path rules", PathRules(x), PathRules(y));
  }
}

void DiffCapabilities(const pb::Policy& a, const pb::Policy& b, Section* s) {
  std::map<std::string, const pb::Capability*> ca, cb;
  for (const pb::Capability& c : a.capability()) ca[c.name()] = &c;
  for (const pb::Capability& c : b.capability()) cb[c.name()] = &c;
  for (const auto& [n, c] : ca) {
    if (!cb.count(n)) s->Add("  - " + n);
  }
  for (const auto& [n, c] : cb) {
    if (!ca.count(n)) {
      s->Add("  + " + n + " (" + Join(c->set()) + ")");
      Because(s, c->reason());
    } else if (Join(ca[n]->set()) != Join(c->set())) {
      s->Add("  ~ " + n + ": sets " + Join(ca[n]->set()) + " -> " + Join(c->set()));
    }
  }
}

std::string AltText(const pb::Alternative& alt) {
  std::string conds;
  for (const pb::ArgCond& c : alt.cond()) conds += (conds.empty() ? "" : " && ") + c.text();
  if (conds.empty()) conds = "any arguments";
  return conds + " | " + alt.what() + " | " + alt.why() + " | " + alt.source();
}

std::set<std::string> Alts(const pb::SyscallRule& r) {
  std::set<std::string> out;
  for (const pb::Alternative& a : r.alternative()) out.insert(AltText(a));
  if (r.has_fallback()) {
    out.insert("otherwise errno " + std::to_string(r.fallback().errno_value()) + " | " +
               r.fallback().what() + " | " + r.fallback().source());
  }
  return out;
}

void DiffSeccomp(const pb::Seccomp& a, const pb::Seccomp& b, Section* s) {
  Field(s, "seccomp", "arch", a.arch(), b.arch());
  Field(s, "seccomp", "mode", a.mode(), b.mode());
  Field(s, "seccomp", "violation action", a.violation_action(), b.violation_action());
  Field(s, "seccomp", "instructions", std::to_string(a.instructions()),
        std::to_string(b.instructions()));
  std::map<std::string, const pb::SetUse*> sa, sb;
  for (const pb::SetUse& u : a.set()) sa[u.name()] = &u;
  for (const pb::SetUse& u : b.set()) sb[u.name()] = &u;
  for (const auto& [n, u] : sa) {
    if (!sb.count(n)) s->Add("  - set " + n);
  }
  for (const auto& [n, u] : sb) {
    auto it = sa.find(n);
    const bool was = it != sa.end() && it->second->included();
    if (it == sa.end()) s->Add("  + set " + n);
    if (was != u->included()) {
      s->Add("  ~ set " + n + ": " + (was ? "included" : "not included") + " -> " +
             (u->included() ? "included" : "not included"));
      Because(s, u->reason());
    }
  }
  std::map<std::string, const pb::SyscallRule*> ra, rb;
  for (const pb::SyscallRule& r : a.syscall()) ra[r.name()] = &r;
  for (const pb::SyscallRule& r : b.syscall()) rb[r.name()] = &r;
  std::set<std::string> names;
  for (const auto& [n, r] : ra) names.insert(n);
  for (const auto& [n, r] : rb) names.insert(n);
  for (const std::string& n : names) {
    std::set<std::string> xa = ra.count(n) ? Alts(*ra[n]) : std::set<std::string>{};
    std::set<std::string> xb = rb.count(n) ? Alts(*rb[n]) : std::set<std::string>{};
    if (!ra.count(n)) s->Add("  + syscall " + n + " now allowed");
    if (!rb.count(n)) s->Add("  - syscall " + n + " no longer allowed");
    for (const std::string& t : xa) {
      if (!xb.count(t)) s->Add("  - " + n + ": " + t);
    }
    for (const std::string& t : xb) {
      if (!xa.count(t)) s->Add("  + " + n + ": " + t);
    }
  }
}

template <typename Repeated, typename Fn>
void DiffList(const Repeated& a, const Repeated& b, Fn text, Section* s) {
  std::set<std::string> xa, xb;
  for (const auto& x : a) xa.insert(text(x));
  for (const auto& x : b) xb.insert(text(x));
  for (const std::string& t : xa) {
    if (!xb.count(t)) s->Add("  - " + t);
  }
  for (const std::string& t : xb) {
    if (!xa.count(t)) s->Add("  + " + t);
  }
}

}  // namespace

std::string DiffPolicies(const pb::Policy& a, const pb::Policy& b) {
  std::vector<Section> sections;
  Section in{"inputs"};
  Field(&in, "config.json", "sha256", a.inputs().spec_sha256(), b.inputs().spec_sha256());
  Field(&in, "operator policy", "sha256", a.inputs().operator_policy_sha256(),
        b.inputs().operator_policy_sha256());
  Field(&in, "extensions", "descriptors", Join(a.inputs().extension()), Join(b.inputs().extension()));
  Field(&in, "compiler", "version", a.compiler(), b.compiler());
  auto flag_text = [](const pb::RuntimeFlags& f) {
    return std::string("directfs=") + (f.directfs() ? "true" : "false") + " host-uds=" +
           f.host_uds() + " host-fifo=" + f.host_fifo() + " overlay2=" + f.overlay2() +
           " file-access=" + f.file_access() + " file-access-mounts=" + f.file_access_mounts() +
           (f.gofer_mount_confs().empty() ? "" : " gofer-mount-confs=" + f.gofer_mount_confs());
  };
  Field(&in, "flags", "", flag_text(a.flags()), flag_text(b.flags()));
  Field(&in, "effective flags", "", flag_text(a.effective_flags()), flag_text(b.effective_flags()));
  sections.push_back(std::move(in));

  Section lo{"loosenings"};
  DiffList(a.loosening(), b.loosening(), [](const std::string& x) { return x; }, &lo);
  sections.push_back(std::move(lo));

  Section mounts{"mounts"};
  DiffMounts(a, b, &mounts);
  Field(&mounts, "served mounts", "count", std::to_string(a.served_mounts()),
        std::to_string(b.served_mounts()));
  sections.push_back(std::move(mounts));

  Section caps{"capabilities"};
  DiffCapabilities(a, b, &caps);
  sections.push_back(std::move(caps));

  Section sec{"seccomp"};
  DiffSeccomp(a.seccomp(), b.seccomp(), &sec);
  sections.push_back(std::move(sec));

  Section ext{"extensions"};
  DiffList(a.extension(), b.extension(), [](const pb::ExtensionUse& e) {
    return e.name() + "@" + e.version() + " serves " + Join(e.claimed_mount()) + ", rules " +
           (e.rules_merged() ? "merged" : "not merged") + ", key files " + Join(e.key_file());
  }, &ext);
  sections.push_back(std::move(ext));

  Section diag{"diagnostics"};
  DiffList(a.diagnostic(), b.diagnostic(), [](const pb::Diagnostic& d) {
    return d.kind() + ": " + d.key() + "=" + d.value() + ": " + d.reason();
  }, &diag);
  sections.push_back(std::move(diag));

  std::string out;
  for (const Section& s : sections) {
    if (s.lines.empty()) continue;
    out += s.title + ":\n";
    for (const std::string& l : s.lines) out += l + "\n";
  }
  return out;
}

}  // namespace hg::policy
