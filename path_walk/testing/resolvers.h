// Test support: run a parameterised test once per resolver.
//
//   class WalkTest : public ::testing::TestWithParam<Resolver> {
//     void SetUp() override { HG_SKIP_IF_NO_RESOLVER(GetParam()); }
//   };
//   INSTANTIATE_TEST_SUITE_P(Resolvers, WalkTest, AllResolvers(), ResolverParamName);
#ifndef HARDGOFER_PATH_WALK_TESTING_RESOLVERS_H_
#define HARDGOFER_PATH_WALK_TESTING_RESOLVERS_H_

#include <gtest/gtest.h>

#include <string>

#include "path_walk/resolver.h"

namespace hg::path_walk::testing {

inline auto AllResolvers() { return ::testing::Values(Resolver::kOpenat2, Resolver::kFallback); }

inline std::string ResolverParamName(const ::testing::TestParamInfo<Resolver>& info) {
  return std::string(ResolverName(info.param));
}

}  // namespace hg::path_walk::testing

// The openat2 flavour needs a kernel with openat2 (Linux >= 5.6); the
// fallback runs everywhere.
#define HG_SKIP_IF_NO_RESOLVER(r)                                                             \
  do {                                                                                        \
    if ((r) == ::hg::path_walk::Resolver::kOpenat2 && !::hg::path_walk::Openat2Available()) { \
      GTEST_SKIP() << "kernel lacks openat2(2) (Linux < 5.6)";                                \
    }                                                                                         \
  } while (0)

#endif  // HARDGOFER_PATH_WALK_TESTING_RESOLVERS_H_
