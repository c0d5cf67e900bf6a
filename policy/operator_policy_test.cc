// The operator policy is parsed strictly: every mistake is one error naming the
// file, the field path and the value.
#include "policy/operator_policy.h"

#include <gtest/gtest.h>

namespace hg::policy {
namespace {

TEST(OperatorPolicyTest, ParsesEveryField) {
  ErrorOr<pb::OperatorPolicy> op = ParseOperatorPolicy(
      "# comment\n"
      "host_sockets: OPEN\n"
      "max_file_size: 1073741824\n"
      "xattr_namespace: \"user\"\n"
      "xattr_namespace: \"trusted\"\n"
      "mount { path: \"/data\" read_only: true max_file_size: 5 host_sockets: NONE }\n"
      "path_deny { pattern: \"/data/secrets(/.*)?\" mount: \"/data\" reason: \"keys\" }\n"
      "extension { name: \"encrypted\" key_file: \"/etc/hardgofer/a.key\" }\n",
      "ops.textproto");
  ASSERT_TRUE(op.ok()) << op.error().ToString();
  EXPECT_EQ(op->host_sockets(), pb::HostSockets::OPEN);
  EXPECT_EQ(op->mount(0).path(), "/data");
  EXPECT_TRUE(op->mount(0).has_read_only());
  EXPECT_EQ(op->path_deny(0).mount(0), "/data");
  EXPECT_EQ(op->extension(0).key_file(0), "/etc/hardgofer/a.key");
}

TEST(OperatorPolicyTest, EmptyFileIsAnEmptyPolicy) {
  ErrorOr<pb::OperatorPolicy> op = ParseOperatorPolicy("", "ops.textproto");
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->mount_size(), 0);
  EXPECT_FALSE(op->mount_size() > 0 && op->mount(0).has_read_only());
}

TEST(OperatorPolicyTest, EachMistakeNamesFileKeyAndValue) {
  struct Case {
    const char* text;
    const char* key;    // "" for syntax errors (no field path)
    const char* value;
    const char* needle;
  } cases[] = {
      {"read_onyl: true", "", "", "line 1"},
      {"host_sockets: SOMETIMES", "", "", "SOMETIMES"},
      {"host_sockets: 17", "host_sockets", "17", "HostSockets.Mode"},
      {"mount { path: \"data\" }", "mount[0].path", "data", "absolute"},
      {"mount { path: \"/data/\" }", "mount[0].path", "/data/", "clean"},
      {"mount { path: \"/a\" } mount { path: \"/a\" }", "mount[1].path", "/a", "already"},
      {"path_deny { pattern: \"(\" }", "path_deny[0].pattern", "(", "invalid RE2 pattern: missing )"},
      {"path_deny { pattern: \"\" }", "path_deny[0].pattern", "", "empty"},
      {"path_deny { pattern: \"x\" mount: \"rel\" }", "path_deny[0].mount[0]", "rel", "absolute"},
      {"xattr_namespace: \"user.\"", "xattr_namespace[0]", "user.", "unknown xattr namespace"},
      {"xattr_namespace: \"user\" xattr_namespace: \"user\"", "xattr_namespace[1]", "user", "twice"},
      {"extension { key_file: \"/k\" }", "extension[0].name", "", "needs a name"},
      {"extension { name: \"e\" key_file: \"keys/a\" }", "extension[0].key_file[0]", "keys/a", "absolute"},
      {"extension { name: \"e\" key_file: \"/a/../etc/shadow\" }", "extension[0].key_file[0]",
       "/a/../etc/shadow", "clean"},
      {"extension { name: \"e\" } extension { name: \"e\" }", "extension[1].name", "e", "twice"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    ErrorOr<pb::OperatorPolicy> op = ParseOperatorPolicy(c.text, "ops.textproto");
    ASSERT_FALSE(op.ok());
    EXPECT_EQ(op.error().kind, Error::Kind::kOperatorPolicy);
    EXPECT_EQ(op.error().file, "ops.textproto");
    EXPECT_EQ(op.error().key, c.key);
    EXPECT_EQ(op.error().value, c.value);
    const std::string msg = op.error().ToString();
    EXPECT_EQ(msg.rfind("ops.textproto: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(c.needle), std::string::npos) << msg;
    if (*c.key != '\0') {
      EXPECT_NE(msg.find(c.key), std::string::npos) << msg;
    }
  }
}

TEST(OperatorPolicyTest, RejectsInvalidUtf8AndHugeFiles) {
  EXPECT_FALSE(ParseOperatorPolicy("max_file_size: 1 # \xff\n", "o").ok());
  EXPECT_FALSE(ParseOperatorPolicy(std::string(kMaxOperatorPolicyBytes + 1, ' '), "o").ok());
}

}  // namespace
}  // namespace hg::policy
