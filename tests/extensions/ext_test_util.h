// Test harness for the extensions: a real Server serving one directory
// through an Extension (PrepareGofer + TryHandleMount, as `hardgofer serve
// --extension` does) on one end of a socketpair, and a Client on the other.
//
//   ExtServer s(ext, tree.Path("root"), {{"key_file", key_path}});
//   ASSERT_TRUE(s.ok()) << s.why();
//   client::Client& c = s.client();
//
// Also: ServeSpec() (the spec `serve` builds: the root claimed by `name`),
// WriteKeyFile() and a tiny path helper for the client.
#ifndef HARDGOFER_TESTS_EXTENSIONS_EXT_TEST_UTIL_H_
#define HARDGOFER_TESTS_EXTENSIONS_EXT_TEST_UTIL_H_

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gofer/client/client.h"
#include "gofer/server/connection_impl.h"
#include "gofer/server/extension.h"
#include "gofer/server/server.h"
#include "oci/spec.h"

namespace hg::ext_testing {

// The spec `hardgofer serve --extension NAME` builds: no mounts, the rootfs
// selected for `name`.
inline oci::Spec ServeSpec(std::string_view name) {
  oci::Spec spec;
  spec.annotations[std::string(server::kRootfsAnnotationPrefix) + "extension"] = std::string(name);
  return spec;
}

// 32 random-ish non-zero bytes, mode 0600.
inline std::string WriteKeyFile(const std::string& path, uint8_t seed = 7) {
  std::string bytes(32, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(seed + 31 * i + 1);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != 32) std::abort();
  ::close(fd);
  return path;
}

class ExtServer {
 public:
  ExtServer(server::Extension& ext, const std::string& root, server::ExtensionOptions opts,
            bool readonly = false, oci::Spec spec = {})
      : spec_(spec.annotations.empty() ? ServeSpec(ext.Name()) : std::move(spec)),
        opts_(std::move(opts)) {
    server::PrepareContext pc{spec_, "", opts_, &why_};
    if (Status s = ext.PrepareGofer(pc); !s.ok()) {
      err_ = s.error().value();
      return;
    }
    server::MountRequest req{spec_, nullptr, root, readonly, opts_, &why_};
    auto h = ext.TryHandleMount(req);
    if (!h.ok()) {
      err_ = h.error().value();
      return;
    }
    if (!h->has_value()) {
      err_ = ENOENT;
      why_ = "declined";
      return;
    }
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::abort();
    UniqueFd ours(sv[0]);
    server::ConnectionConfig cc;
    cc.mount_path = root;
    cc.opts = (*h)->opts;
    cc.impl = std::move((*h)->impl);
    auto conn = server_.StartConnection(UniqueFd(sv[1]), std::move(cc));
    if (!conn.ok()) {
      err_ = conn.error().value();
      return;
    }
    auto c = client::Client::Mount(std::move(ours));
    if (!c.ok()) {
      err_ = c.error().value();
      why_ = "client mount failed";
      return;
    }
    client_ = std::move(c).value();
  }
  ~ExtServer() { Disconnect(); }

  bool ok() const { return client_ != nullptr; }
  int error() const { return err_; }
  const std::string& why() const { return why_; }
  client::Client& client() { return *client_; }
  client::FDID root() { return client_->root().control_fd; }
  // Closes the client and waits for the server: every FD is closed after.
  void Disconnect() {
    client_.reset();
    server_.Wait();
  }

 private:
  oci::Spec spec_;
  server::ExtensionOptions opts_;
  std::string why_;
  int err_ = 0;
  server::Server server_;
  std::unique_ptr<client::Client> client_;
};

}  // namespace hg::ext_testing

#endif  // HARDGOFER_TESTS_EXTENSIONS_EXT_TEST_UTIL_H_
