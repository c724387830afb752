#include "capture/user_names.h"

#include <fstream>

namespace bulkhead::capture {
namespace {

// name:x:id:... lines; malformed lines are skipped (these files are not ours to validate).
void read_id_file(const std::string& path, std::unordered_map<uint32_t, std::string>& out) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    auto first = line.find(':');
    if (first == std::string::npos || first == 0) continue;
    auto second = line.find(':', first + 1);
    if (second == std::string::npos) continue;
    auto third = line.find(':', second + 1);
    std::string id_text = line.substr(
        second + 1, third == std::string::npos ? std::string::npos : third - second - 1);
    if (id_text.empty() || id_text.size() > 10) continue;
    uint64_t id = 0;
    bool digits = true;
    for (char c : id_text) {
      if (c < '0' || c > '9') digits = false;
      id = id * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!digits || id > UINT32_MAX) continue;
    out.emplace(static_cast<uint32_t>(id), line.substr(0, first));  // first entry wins, as getpwuid
  }
}

}  // namespace

PasswdUserNames::PasswdUserNames(std::string host_root,
                                 std::function<std::string(std::string_view)> container_root)
    : host_root_(std::move(host_root)), container_root_(std::move(container_root)) {}

PasswdUserNames::Names PasswdUserNames::load(const std::string& root) {
  Names names;
  std::string base = root.empty() || root == "/" ? "" : root;
  read_id_file(base + "/etc/passwd", names.users);
  read_id_file(base + "/etc/group", names.groups);
  return names;
}

const PasswdUserNames::Names& PasswdUserNames::names_for(std::string_view container_id) {
  if (!container_id.empty() && container_root_) {
    auto found = containers_.find(container_id);
    if (found != containers_.end()) return found->second;
    std::string root = container_root_(container_id);
    if (!root.empty())
      return containers_.emplace(std::string(container_id), load(root)).first->second;
  }
  if (!host_loaded_) {
    host_ = load(host_root_);
    host_loaded_ = true;
  }
  return host_;
}

std::string_view PasswdUserNames::user_name(uint32_t uid, std::string_view container_id) {
  const auto& users = names_for(container_id).users;
  auto found = users.find(uid);
  return found == users.end() ? std::string_view() : std::string_view(found->second);
}

std::string_view PasswdUserNames::group_name(uint32_t gid, std::string_view container_id) {
  const auto& groups = names_for(container_id).groups;
  auto found = groups.find(gid);
  return found == groups.end() ? std::string_view() : std::string_view(found->second);
}

}  // namespace bulkhead::capture
