#include "gofer/cmd/flags.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "gofer/cmd/exit_codes.h"

namespace hg::cmd {

FlagSet::FlagSet(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

void FlagSet::String(const std::string& name, std::string* out, const std::string& meta,
                     const std::string& help) {
  flags_.push_back({name, meta, help, [out](const std::string& v) {
                      *out = v;
                      return true;
                    }});
}

void FlagSet::Int(const std::string& name, int64_t* out, const std::string& meta,
                  const std::string& help) {
  flags_.push_back({name, meta, help, [out](const std::string& v) {
                      if (v.empty()) return false;
                      errno = 0;
                      char* end = nullptr;
                      long long n = std::strtoll(v.c_str(), &end, 10);
                      if (errno != 0 || *end != '\0') return false;
                      *out = n;
                      return true;
                    }});
}

void FlagSet::Bool(const std::string& name, bool* out, const std::string& help) {
  Flag f{name, "", help, [out](const std::string& v) {
           if (v.empty() || v == "true" || v == "1") {
             *out = true;
           } else if (v == "false" || v == "0") {
             *out = false;
           } else {
             return false;
           }
           return true;
         }};
  f.is_bool = true;
  flags_.push_back(std::move(f));
}

void FlagSet::List(const std::string& name, std::vector<std::string>* out, const std::string& meta,
                   const std::string& help) {
  flags_.push_back({name, meta, help + " (repeatable)", [out](const std::string& v) {
                      out->push_back(v);
                      return true;
                    }});
}

void FlagSet::Positional(const std::string& usage, std::vector<std::string>* out) {
  positional_usage_ = usage;
  positional_ = out;
}

const FlagSet::Flag* FlagSet::Find(const std::string& name) const {
  for (const auto& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string FlagSet::Help() const {
  std::string s = "usage: hardgofer " + command_ + (flags_.empty() ? "" : " [flags]");
  if (!positional_usage_.empty()) s += " " + positional_usage_;
  s += "\n\n" + summary_ + "\n";
  if (!flags_.empty()) {
    s += "\nflags:\n";
    for (const auto& f : flags_) {
      std::string left = "  --" + f.name + (f.meta.empty() ? "" : "=" + f.meta);
      if (left.size() < 30) left.resize(30, ' ');
      else left += "\n" + std::string(30, ' ');
      s += left + f.help + "\n";
    }
  }
  s += "  --help                      print this help and exit\n";
  if (!epilog_.empty()) s += "\n" + epilog_ + "\n";
  s += "\nexit codes: 0 ok, 1 runtime error, 2 usage error\n";
  return s;
}

int FlagSet::UsageError(const std::string& message) const {
  std::fprintf(stderr, "hardgofer %s: %s\nrun 'hardgofer %s --help' for usage\n", command_.c_str(),
               message.c_str(), command_.c_str());
  return kExitUsage;
}

std::optional<int> FlagSet::Parse(int argc, char** argv) {
  bool flags_done = false;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (!flags_done && arg == "--") {
      flags_done = true;
      continue;
    }
    if (!flags_done && (arg == "--help" || arg == "-h")) {
      std::fputs(Help().c_str(), stdout);
      return kExitOk;
    }
    if (flags_done || arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
      if (arg.size() > 1 && arg[0] == '-' && !flags_done) {
        return UsageError("unknown flag '" + arg + "'");
      }
      if (positional_ == nullptr) return UsageError("unexpected argument '" + arg + "'");
      positional_->push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const Flag* f = Find(name);
    if (f == nullptr) return UsageError("unknown flag '--" + name + "'");
    if (!value) {
      if (f->is_bool) {
        value = "";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return UsageError("flag '--" + name + "' needs a value (" + f->meta + ")");
      }
    }
    if (!f->set(*value)) {
      return UsageError("invalid value '" + *value + "' for flag '--" + name + "'");
    }
  }
  return std::nullopt;
}

}  // namespace hg::cmd
