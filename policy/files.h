// Small, bounded file reads for the compiler's inputs and a policy directory.
//
//   policy::ErrorOr<std::string> text = policy::ReadSmallFile(path, 1 << 20, Error::Kind::kSpec);
//
// Inputs are opened O_RDONLY|O_CLOEXEC|O_NOCTTY|O_NONBLOCK and must be regular
// files: a FIFO or device given as --operator-policy would otherwise block the
// compiler or feed it unbounded data.
#ifndef HARDGOFER_POLICY_FILES_H_
#define HARDGOFER_POLICY_FILES_H_

#include <cstddef>
#include <string>

#include "policy/error.h"

namespace hg::policy {

// The whole file, at most `max_bytes`; errors of `kind` naming `path`.
ErrorOr<std::string> ReadSmallFile(const std::string& path, size_t max_bytes, Error::Kind kind);

// `path` made absolute against the current directory (lexically cleaned, like
// Go's filepath.Abs; symlinks are not resolved).
ErrorOr<std::string> AbsolutePath(const std::string& path);

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_FILES_H_
