// User and group names for user.name / group.name: read from the passwd and group files of the
// host (and, when known, of a container's root file system), once per file, then looked up
// without allocation.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "capture/thread_table.h"

namespace bulkhead::capture {

class PasswdUserNames : public UserNames {
 public:
  // `host_root` is where the host's /etc lives ("/" live; a test directory in tests).
  // `container_root` maps a container id to its root file system ("" when unknown: the
  // container's names then fall back to the host's).
  explicit PasswdUserNames(std::string host_root = "/",
                           std::function<std::string(std::string_view)> container_root = {});

  std::string_view user_name(uint32_t uid, std::string_view container_id) override;
  std::string_view group_name(uint32_t gid, std::string_view container_id) override;

 private:
  struct Names {
    std::unordered_map<uint32_t, std::string> users, groups;
  };
  const Names& names_for(std::string_view container_id);
  static Names load(const std::string& root);

  std::string host_root_;
  std::function<std::string(std::string_view)> container_root_;
  Names host_;
  bool host_loaded_ = false;
  std::map<std::string, Names, std::less<>> containers_;
};

}  // namespace bulkhead::capture
