#include "tests/e2e/staged_example.h"

#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>

#include "base/json.h"

namespace hg::e2e {
namespace {

bool MkdirAll(const std::string& path, mode_t mode = 0755) {
  for (size_t p = 1; p <= path.size(); ++p) {
    if (p != path.size() && path[p] != '/') continue;
    const std::string prefix = path.substr(0, p);
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) return false;
  }
  return true;
}

std::string Dirname(const std::string& p) {
  const size_t slash = p.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : p.substr(0, slash);
}

// A path we may splice into JSON or textproto text as is.
bool PlainAbsolutePath(const std::string& p) {
  return !p.empty() && p[0] == '/' && p.find_first_of("\"\\\n") == std::string::npos;
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t p = text.find(from); p != std::string::npos; p = text.find(from, p + to.size())) {
    text.replace(p, from.size(), to);
  }
}

bool IsBindMount(const json::Value& m) {
  const json::Value* type = m.Find("type");
  if (type != nullptr && type->is_string() && type->string() == "bind") return true;
  const json::Value* opts = m.Find("options");
  if (opts == nullptr || !opts->is_array()) return false;
  for (const json::Value& o : opts->items()) {
    if (o.is_string() && (o.string() == "bind" || o.string() == "rbind")) return true;
  }
  return false;
}

}  // namespace

StagedExample::StagedExample(const ExampleBundle& ex) {
  char tmpl[] = "/tmp/hg-example-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  root_ = tmpl;
  bundle_ = root_ + "/bundle";
  host_prefix_ = root_ + "/host";
  // The bundle as it is (rootfs/ included), then the rewrites in place.
  if (std::system(("cp -a '" + ex.dir + "' '" + bundle_ + "'").c_str()) != 0) {
    error_ = "cannot copy " + ex.dir;
    return;
  }
  // The goldens are the source tree's; a staged copy must never be mistaken for them.
  (void)!std::system(("rm -rf '" + bundle_ + "/golden'").c_str());
  // rootfs/.gitkeep only keeps the folder in git; a served rootfs lists it.
  (void)::unlink((bundle_ + "/rootfs/.gitkeep").c_str());
  if (!StageConfig(bundle_ + "/config.json")) return;
  if (!ex.operator_policy.empty()) {
    operator_policy_ = bundle_ + "/operator.textproto";
    if (!StageOperatorPolicy(operator_policy_)) return;
  }
}

StagedExample::~StagedExample() {
  if (!root_.empty()) (void)!std::system(("rm -rf '" + root_ + "'").c_str());
}

std::string StagedExample::Move(const std::string& path) {
  for (const auto& [from, to] : moved_) {
    if (from == path) return to;
  }
  moved_.emplace_back(path, host_prefix_ + path);
  return moved_.back().second;
}

bool StagedExample::StageConfig(const std::string& path) {
  std::string text = ReadFileOrEmpty(path);
  auto doc = json::Parse(text);
  if (!doc.ok()) {
    error_ = path + ": " + doc.error().message;
    return false;
  }
  std::vector<std::string> sources;
  if (const json::Value* mounts = doc->Find("mounts"); mounts != nullptr && mounts->is_array()) {
    for (const json::Value& m : mounts->items()) {
      const json::Value* src = m.is_object() ? m.Find("source") : nullptr;
      if (src != nullptr && src->is_string() && IsBindMount(m)) sources.push_back(src->string());
    }
  }
  static const std::regex kMountSourceHint(R"(^dev\.gvisor\.spec\.mount\.[^.]+\.source$)");
  if (const json::Value* ann = doc->Find("annotations"); ann != nullptr && ann->is_object()) {
    for (const auto& [key, v] : ann->members()) {
      if (v.is_string() && std::regex_match(key, kMountSourceHint)) sources.push_back(v.string());
    }
  }
  for (const std::string& s : sources) {
    // Only paths this machine lacks: an example pointing at a real host
    // directory would be served as it is.
    if (!PlainAbsolutePath(s) || PathExists(s)) continue;
    const std::string staged = Move(s);
    if (!MkdirAll(staged)) {
      error_ = "cannot create " + staged;
      return false;
    }
  }
  for (const auto& [from, to] : moved_) ReplaceAll(text, "\"" + from + "\"", "\"" + to + "\"");
  if (!WriteFileBytes(path, text)) {
    error_ = "cannot write " + path;
    return false;
  }
  return true;
}

bool StagedExample::StageOperatorPolicy(const std::string& path) {
  std::string text = ReadFileOrEmpty(path);
  static const std::regex kKeyFile(R"re(key_file:\s*"([^"\\]+)")re");
  std::vector<std::string> keys;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kKeyFile);
       it != std::sregex_iterator(); ++it) {
    keys.push_back((*it)[1].str());
  }
  for (const std::string& k : keys) {
    if (!PlainAbsolutePath(k) || PathExists(k)) continue;
    const std::string staged = Move(k);
    uint8_t key[32];
    if (!MkdirAll(Dirname(staged)) || ::getrandom(key, sizeof(key), 0) != sizeof(key) ||
        !WriteFileBytes(staged, std::string(reinterpret_cast<char*>(key), sizeof(key)), 0400)) {
      error_ = "cannot create the key file " + staged;
      return false;
    }
    ReplaceAll(text, "\"" + k + "\"", "\"" + staged + "\"");
  }
  if (!WriteFileBytes(path, text)) {
    error_ = "cannot write " + path;
    return false;
  }
  return true;
}

std::string StagedExample::HostDirFor(const std::string& source, bool source_in_bundle) const {
  return source_in_bundle ? bundle_ + "/" + source : source;
}

std::string StagedExample::Unstage(const std::string& text) const {
  std::string out = text;
  ReplaceAll(out, host_prefix_, "");
  return out;
}

}  // namespace hg::e2e
