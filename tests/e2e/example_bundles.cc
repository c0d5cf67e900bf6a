#include "tests/e2e/example_bundles.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "base/unique_fd.h"

#ifndef HG_EXAMPLES_DIR
#error "HG_EXAMPLES_DIR must name examples/bundles"
#endif

namespace hg::e2e {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    while (!l.empty() && std::isspace(static_cast<unsigned char>(l.back()))) l.pop_back();
    if (l.empty() || l[0] == '#') continue;
    out.push_back(l);
  }
  return out;
}

}  // namespace

std::string ExamplesDir() { return HG_EXAMPLES_DIR; }

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool WriteFileBytes(const std::string& path, const std::string& data, int mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return false;
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  // O_CREAT's mode is filtered by the umask; key files need exactly `mode`.
  return ::fchmod(fd.get(), static_cast<mode_t>(mode)) == 0;
}

bool PathExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::vector<ExampleBundle> DiscoverExamples() {
  std::vector<ExampleBundle> out;
  const std::string root = ExamplesDir();
  DIR* d = ::opendir(root.c_str());
  if (d == nullptr) return out;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n == "." || n == ".." || !PathExists(root + "/" + n + "/config.json")) continue;
    names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) {
    ExampleBundle ex;
    ex.name = n;
    ex.dir = root + "/" + n;
    if (PathExists(ex.dir + "/flags")) ex.flags = Lines(ReadFileOrEmpty(ex.dir + "/flags"));
    if (PathExists(ex.dir + "/operator.textproto")) {
      ex.operator_policy = ex.dir + "/operator.textproto";
    }
    out.push_back(std::move(ex));
  }
  return out;
}

void AppendInputArgs(const ExampleBundle& ex, const std::string& operator_policy,
                     std::vector<std::string>* args) {
  args->insert(args->end(), ex.flags.begin(), ex.flags.end());
  if (!operator_policy.empty()) args->push_back("--operator-policy=" + operator_policy);
}

std::string MaskInputDigests(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l.find("program") == std::string::npos) {
      size_t run = 0;
      for (size_t i = 0; i <= l.size(); ++i) {
        const bool hex = i < l.size() && std::isxdigit(static_cast<unsigned char>(l[i])) &&
                         !std::isupper(static_cast<unsigned char>(l[i]));
        if (hex) {
          ++run;
          continue;
        }
        if (run == 64) {
          l.replace(i - 64, 64, "<sha256>");
          i = i - 64 + 8;
        }
        run = 0;
      }
    }
    out += l;
    out += '\n';
  }
  return out;
}

}  // namespace hg::e2e
