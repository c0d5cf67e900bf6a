#include "policy/testing/examples.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

#include "policy/files.h"
#include "policy/testing/fake_extensions.h"

#ifndef HG_POLICY_EXAMPLES_DIR
#error "HG_POLICY_EXAMPLES_DIR must name examples/bundles"
#endif

namespace hg::policy::testing {

namespace {

Error ExampleError(const std::string& file, const std::string& why) {
  Error e;
  e.kind = Error::Kind::kUsage;
  e.file = file;
  e.message = why;
  return e;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    out.push_back(line);
  }
  return out;
}

bool Exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

}  // namespace

std::string ExamplesDir() { return HG_POLICY_EXAMPLES_DIR; }

ErrorOr<RuntimeFlagArgs> ParseFlagLines(const std::vector<std::string>& lines, bool* audit) {
  RuntimeFlagArgs a;
  for (const std::string& l : lines) {
    const size_t eq = l.find('=');
    const std::string name = l.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : l.substr(eq + 1);
    if (name == "--audit") {
      *audit = true;
    } else if (name == "--allow-flag-override") {
      a.allow_flag_override = true;
    } else if (eq == std::string::npos) {
      return ExampleError("flags", "want --flag=value, got " + l);
    } else if (name == "--directfs") {
      a.directfs.push_back(value);
    } else if (name == "--host-uds") {
      a.host_uds.push_back(value);
    } else if (name == "--host-fifo") {
      a.host_fifo.push_back(value);
    } else if (name == "--overlay2") {
      a.overlay2.push_back(value);
    } else if (name == "--file-access") {
      a.file_access.push_back(value);
    } else if (name == "--file-access-mounts") {
      a.file_access_mounts.push_back(value);
    } else if (name == "--gofer-mount-confs") {
      a.gofer_mount_confs.push_back(value);
    } else {
      return ExampleError("flags", "unknown flag " + name);
    }
  }
  return a;
}

ErrorOr<std::vector<Example>> Examples() {
  std::vector<Example> out;
  const std::string root = ExamplesDir();
  DIR* d = ::opendir(root.c_str());
  if (d == nullptr) return ExampleError(root, "cannot open the examples directory");
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == ".." || !Exists(root + "/" + n + "/config.json")) continue;
    names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) {
    Example ex;
    ex.name = n;
    ex.dir = root + "/" + n;
    if (Exists(ex.dir + "/flags")) {
      ErrorOr<std::string> text = ReadSmallFile(ex.dir + "/flags", 1 << 16, Error::Kind::kUsage);
      if (!text.ok()) return text.error();
      ex.flag_lines = Lines(*text);
    }
    bool audit = false;
    ErrorOr<RuntimeFlagArgs> flags = ParseFlagLines(ex.flag_lines, &audit);
    if (!flags.ok()) return ExampleError(ex.dir + "/flags", flags.error().message);
    ex.flags = *flags;
    if (audit) ex.flag_lines.push_back("--audit");
    if (Exists(ex.dir + "/operator.textproto")) ex.operator_policy = ex.dir + "/operator.textproto";
    if (Exists(ex.dir + "/extensions")) {
      ErrorOr<std::string> text = ReadSmallFile(ex.dir + "/extensions", 1 << 16, Error::Kind::kUsage);
      if (!text.ok()) return text.error();
      for (const std::string& l : Lines(*text)) {
        if (!FakeExtension(l)) return ExampleError(ex.dir + "/extensions", "unknown fake extension " + l);
        ex.extension_names.push_back(l);
      }
    }
    out.push_back(std::move(ex));
  }
  return out;
}

CompileCommand CommandFor(const Example& ex, const std::string& out) {
  CompileCommand c;
  c.bundle = ex.dir;
  c.flags = ex.flags;
  c.audit = std::find(ex.flag_lines.begin(), ex.flag_lines.end(), "--audit") != ex.flag_lines.end();
  c.operator_policy = ex.operator_policy;
  c.out = out;
  for (const std::string& n : ex.extension_names) c.extensions.push_back(*FakeExtension(n));
  return c;
}

}  // namespace hg::policy::testing
