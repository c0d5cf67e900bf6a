// A small command-line parser shared by the subcommands.
//
//   FlagSet fs("serve", "Serve one directory over LisaFS.");
//   std::string root; int fd = -1; bool ro = false;
//   fs.String("root", &root, "DIR", "directory to serve");
//   fs.Int("fd", &fd, "N", "connected unix stream socket");
//   fs.Bool("readonly", &ro, "refuse every mutating RPC with EROFS");
//   if (auto rc = fs.Parse(argc, argv); rc) return *rc;   // --help or usage error
//
// Accepts --name=value and --name value; booleans take no value (or =true/false).
// A repeated list flag appends. Unknown flags and missing values are usage errors
// (exit 2) naming the offending flag, so a typo never silently changes policy.
#ifndef HARDGOFER_GOFER_CMD_FLAGS_H_
#define HARDGOFER_GOFER_CMD_FLAGS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hg::cmd {

class FlagSet {
 public:
  FlagSet(std::string command, std::string summary);

  void String(const std::string& name, std::string* out, const std::string& meta,
              const std::string& help);
  void Int(const std::string& name, int64_t* out, const std::string& meta, const std::string& help);
  void Bool(const std::string& name, bool* out, const std::string& help);
  // Repeatable; each occurrence appends (comma-separated values are not split).
  void List(const std::string& name, std::vector<std::string>* out, const std::string& meta,
            const std::string& help);
  // Names the positional arguments for --help ("VERB [ARGS...]").
  void Positional(const std::string& usage, std::vector<std::string>* out);
  // Extra text printed after the flag table.
  void Epilog(const std::string& text) { epilog_ = text; }

  // Returns nullopt to continue, or the exit code to return now: 0 after
  // printing --help to stdout, 2 after printing a usage error to stderr.
  std::optional<int> Parse(int argc, char** argv);

  std::string Help() const;
  // Prints "hardgofer <command>: <message>" and the usage line; returns 2.
  int UsageError(const std::string& message) const;

 private:
  struct Flag {
    std::string name;
    std::string meta;  // empty for booleans
    std::string help;
    std::function<bool(const std::string&)> set;  // false if the value is invalid
    bool is_bool = false;
  };
  const Flag* Find(const std::string& name) const;

  std::string command_;
  std::string summary_;
  std::string positional_usage_;
  std::string epilog_;
  std::vector<std::string>* positional_ = nullptr;
  std::vector<Flag> flags_;
};

}  // namespace hg::cmd

#endif  // HARDGOFER_GOFER_CMD_FLAGS_H_
