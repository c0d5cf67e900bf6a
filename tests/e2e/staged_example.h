// An example bundle copied into a fresh temp dir so the real gofer can serve
// it: every host path the example names but this machine lacks is moved
// under <temp>/host (so "/srv/example/data" becomes
// "<temp>/host/srv/example/data", created empty), and every key file the
// operator policy names becomes a fresh file of 32 random bytes there.
//
//   StagedExample s(ex);                 // ex from DiscoverExamples()
//   ASSERT_TRUE(s.error().empty()) << s.error();
//   args = {"run", "--bundle", s.bundle()}; AppendInputArgs(ex, s.operator_policy(), &args);
//   EXPECT_EQ(s.Unstage(ReadFileOrEmpty(out + "/policy.textproto")), golden);
//
// Rewritten: the `source` of every bind mount in config.json and every
// `dev.gvisor.spec.mount.<NAME>.source` hint (the two must stay equal: a pod
// hint names its mount by source), and `key_file: "..."` in
// operator.textproto. Because only a prefix is added, Unstage() (remove the
// prefix) gives back the example's own text, which is how a test proves the
// program the gofer runs is the example's. The temp dir is removed at
// destruction.
#ifndef HARDGOFER_TESTS_E2E_STAGED_EXAMPLE_H_
#define HARDGOFER_TESTS_E2E_STAGED_EXAMPLE_H_

#include <string>
#include <vector>

#include "tests/e2e/example_bundles.h"

namespace hg::e2e {

class StagedExample {
 public:
  explicit StagedExample(const ExampleBundle& ex);
  ~StagedExample();
  StagedExample(const StagedExample&) = delete;
  StagedExample& operator=(const StagedExample&) = delete;

  // "" when staging worked, else what failed.
  const std::string& error() const { return error_; }
  const std::string& root() const { return root_; }
  const std::string& bundle() const { return bundle_; }
  // The staged operator policy, or "" if the example has none.
  const std::string& operator_policy() const { return operator_policy_; }
  // Example host path -> staged host path (mount sources, hint sources, key files).
  const std::vector<std::pair<std::string, std::string>>& moved() const { return moved_; }
  // The host directory that serves `source` as written in the compiled
  // policy (a bundle-relative source is resolved against the staged bundle).
  std::string HostDirFor(const std::string& source, bool source_in_bundle) const;
  // `text` with the staging prefix removed: the example's own paths again.
  std::string Unstage(const std::string& text) const;

 private:
  bool StageConfig(const std::string& src);
  bool StageOperatorPolicy(const std::string& src);
  // Records `path` as moved (once) and returns the staged path.
  std::string Move(const std::string& path);

  std::string error_;
  std::string root_, bundle_, host_prefix_, operator_policy_;
  std::vector<std::pair<std::string, std::string>> moved_;
};

}  // namespace hg::e2e

#endif  // HARDGOFER_TESTS_E2E_STAGED_EXAMPLE_H_
