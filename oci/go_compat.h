// The few Go standard-library behaviours runsc's decisions rest on, reproduced exactly.
//
//   oci::GoPathJoin("/bundle", "rootfs/../data")   // "/bundle/data" (filepath.Join)
//   oci::GoAbsPath("/bundle", "/abs//x")           // "/abs//x": absolute paths are NOT cleaned
//   oci::GoStringsSplit("", ",")                   // {""}: one empty element, like Go
//   oci::ParseGoBool("T")                          // true (strconv.ParseBool)
//   oci::GoQuote("a\"b")                           // "\"a\\\"b\"" (%q)
//
// Why this exists: mount hints match OCI mounts by *exact* source string after runsc
// rewrote relative sources with filepath.Join; a hint value "a,,b" splits into three
// options; `--directfs=T` is true. Any drift from Go here means hardgofer and runsc
// disagree about which mount a hint applies to, i.e. a policy that describes a
// different sandbox from the one that runs.
#ifndef HARDGOFER_OCI_GO_COMPAT_H_
#define HARDGOFER_OCI_GO_COMPAT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hg::oci {

// strconv.Quote as used by %q: printable UTF-8 kept, `"` and `\` escaped, control
// bytes as \n, \t, \xNN, invalid UTF-8 bytes as \xNN.
std::string GoQuote(std::string_view s);

// Offset of the first byte that is not part of valid UTF-8, or nullopt if all valid.
// Go's JSON decoder silently replaces invalid bytes with U+FFFD, so two different
// invalid strings compare equal in runsc and unequal here; the spec parser rejects
// them instead of guessing.
std::optional<size_t> FindInvalidUtf8(std::string_view s);

// path.Clean: lexical; "" -> "."; never touches the filesystem.
std::string GoPathClean(std::string_view p);
// filepath.Join of two elements: empty elements skipped, result cleaned, "" if both empty.
std::string GoPathJoin(std::string_view a, std::string_view b);
// filepath.IsAbs on Linux: starts with '/'.
inline bool GoPathIsAbs(std::string_view p) { return !p.empty() && p[0] == '/'; }
// runsc specutils.absPath: `rel` unchanged if absolute, else GoPathJoin(base, rel).
std::string GoAbsPath(std::string_view base, std::string_view rel);

// strings.Split: n+1 elements for n separators; Split("", sep) == {""}.
std::vector<std::string> GoStringsSplit(std::string_view s, std::string_view sep);

// strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.
std::optional<bool> ParseGoBool(std::string_view s);

// encoding/json's case-insensitive field-name fold: ASCII letters upper-cased, and the
// four non-ASCII runes that fold onto ASCII letters (K U+212A, ſ U+017F, İ U+0130,
// ı U+0131) mapped to K, S, I, I. Two keys with equal folds name the same Go struct
// field, so `"Mounts"` or `"ſource"` would be read by runsc as `mounts`/`source`.
std::string GoJsonFoldKey(std::string_view key);

}  // namespace hg::oci

#endif  // HARDGOFER_OCI_GO_COMPAT_H_
