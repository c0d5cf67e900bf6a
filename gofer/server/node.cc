#include "gofer/server/node.h"

#include <algorithm>
#include <cerrno>
#include <vector>

namespace hg::server {

Node::Node(Server* server, std::string name, Node* parent)
    : server_(server), name_(std::move(name)), parent_(parent) {}

std::string Node::FilePath() const {
  std::vector<const std::string*> parts;
  for (const Node* n = this; n->parent_ != nullptr; n = n->parent_) parts.push_back(&n->name_);
  if (parts.empty()) return "/";
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    out += '/';
    out += **it;
  }
  return out;
}

Result<std::string> Node::PathBelow(const Node& ancestor) const {
  std::vector<const std::string*> parts;
  const Node* n = this;
  while (n != &ancestor) {
    if (n->parent_ == nullptr) return Errno(EXDEV);  // reached the root first
    parts.push_back(&n->name_);
    n = n->parent_;
  }
  if (parts.empty()) return std::string("/");
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    out += '/';
    out += **it;
  }
  return out;
}

}  // namespace hg::server
