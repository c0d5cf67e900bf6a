#include "policy/testing/fake_extensions.h"

namespace hg::policy::testing {

ExtensionDescriptor FakeCache() {
  ExtensionDescriptor e;
  e.name = "fake_cache";
  e.version = "1";
  e.claims = [](const oci::Spec&, const oci::Mount* m) {
    return m != nullptr && m->destination == "/cache";
  };
  e.can_donate_host_fds = false;
  e.rules.Allow("fallocate", {seccomp::ArgCond::Eq(1, 0)},
                {"fallocate(fd, 0, ...)", "preallocate cache blocks before filling them", ""});
  e.rules.AllowAny("fstatfs", {"fstatfs", "check free space before admitting a block", ""});
  e.rules.AllowAny("copy_file_range",
                   {"copy_file_range", "copy a block from the backing file into the cache", ""});
  return e;
}

ExtensionDescriptor FakeCrypt() {
  ExtensionDescriptor e;
  e.name = "fake_crypt";
  e.version = "1";
  e.claims = [](const oci::Spec&, const oci::Mount* m) {
    return m != nullptr && m->destination.rfind("/secure", 0) == 0;
  };
  e.can_donate_host_fds = true;
  e.needs_key_files = true;
  e.rules.AllowAny("getrandom", {"getrandom", "fresh nonces for each chunk", ""});
  return e;
}

std::optional<ExtensionDescriptor> FakeExtension(const std::string& name) {
  if (name == "fake_cache") return FakeCache();
  if (name == "fake_crypt") return FakeCrypt();
  return std::nullopt;
}

}  // namespace hg::policy::testing
