#include "audit/workload.h"

#include "base/strings.h"

namespace bulkhead::audit {

std::string normalise_host_path(std::string_view path) {
  std::vector<std::string> parts;
  for (const std::string& part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  return "/" + join(parts, "/");
}

}  // namespace bulkhead::audit
