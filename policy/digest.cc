#include "policy/digest.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace hg::policy {

namespace {

void Field(std::string* out, std::string_view tag, std::string_view bytes) {
  out->append(tag);
  out->push_back('\n');
  out->append(std::to_string(bytes.size()));
  out->push_back('\n');
  out->append(bytes);
  out->push_back('\n');
}

}  // namespace

std::string CanonicalInputBytes(const DigestInputs& in) {
  std::string s = "hardgofer-policy-inputs/v1\n";
  Field(&s, "spec", in.spec_bytes);
  Field(&s, "flags", in.canonical_flags);
  if (in.operator_policy_bytes) {
    Field(&s, "operator_policy", *in.operator_policy_bytes);
  } else {
    Field(&s, "no_operator_policy", "");
  }
  for (const std::string& e : in.extension_texts) Field(&s, "extension", e);
  Field(&s, "mode", in.mode);
  Field(&s, "arch", in.arch);
  return s;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest fails only on allocation failure inside OpenSSL; a policy
  // without a trustworthy digest must not be written, so that aborts.
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1) std::abort();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 0xf]);
  }
  return hex;
}

std::string InputDigest(const DigestInputs& in) {
  return "sha256:" + Sha256Hex(CanonicalInputBytes(in));
}

}  // namespace hg::policy
