#include "runtime/host_facts.h"

#include <unistd.h>

#include "base/error.h"
#include "base/strings.h"

extern char** environ;

namespace bulkhead::runtime {

namespace {

constexpr uint32_t kMinimumRange = 65536;  // what an image's users (nobody = 65534) need

std::optional<spec::IdRange> range_from_file(const std::string& path, const std::string& name,
                                             uint32_t uid) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const Error&) {
    return std::nullopt;
  }
  return find_subordinate_range(text, name, uid);
}

// The account name of `uid` from /etc/passwd, which is what newuidmap itself matches
// /etc/subuid against. Read directly: the binary is static, and glibc's NSS would need shared
// libraries at run time.
std::string user_name_from_passwd(uint32_t uid) {
  std::string text;
  try {
    text = read_file("/etc/passwd");
  } catch (const Error&) {
    return "";
  }
  for (const std::string& line : split(text, '\n')) {
    std::vector<std::string> fields = split(line, ':');
    if (fields.size() >= 3 && parse_uint64(fields[2]) == uid) return fields[0];
  }
  return "";
}

caps::CapSet own_bounding_set() {
  caps::CapSet set;
  try {
    for (const std::string& line : split(read_file("/proc/self/status"), '\n')) {
      if (line.rfind("CapBnd:", 0) != 0) continue;
      uint64_t mask = std::stoull(std::string(trim(line.substr(7))), nullptr, 16);
      for (int c = 0; c <= caps::kLastCap; ++c) {
        if (mask & (uint64_t{1} << c)) set.add(c);
      }
      return set;
    }
  } catch (const std::exception&) {
  }
  return caps::CapSet::all();  // unknown: let the kernel decide at start
}

bool have_map_helpers() {
  return access("/usr/bin/newuidmap", X_OK) == 0 && access("/usr/bin/newgidmap", X_OK) == 0;
}

}  // namespace

std::optional<spec::IdRange> find_subordinate_range(std::string_view file_text,
                                                    std::string_view user_name, uint32_t uid) {
  for (const std::string& line : split(file_text, '\n')) {
    std::vector<std::string> fields = split(trim(line), ':');
    if (fields.size() != 3) continue;
    if (fields[0] != user_name && fields[0] != std::to_string(uid)) continue;
    auto start = parse_uint64(fields[1]);
    auto count = parse_uint64(fields[2]);
    if (!start || !count || *count < kMinimumRange || *start > UINT32_MAX) continue;
    return spec::IdRange{static_cast<uint32_t>(*start), kMinimumRange};
  }
  return std::nullopt;
}

spec::HostFacts gather_host_facts() {
  spec::HostFacts facts;
  facts.uid = geteuid();
  facts.gid = getegid();
  std::string name = user_name_from_passwd(facts.uid);
  if (facts.uid != 0 && have_map_helpers()) {
    facts.subuid = range_from_file("/etc/subuid", name, facts.uid);
    facts.subgid = range_from_file("/etc/subgid", name, facts.uid);
    if (!facts.subuid || !facts.subgid) facts.subuid = facts.subgid = std::nullopt;
  }
  if (facts.uid == 0) {
    // --userns=auto: root's own subordinate range when it has one, else a fixed high range
    // no account uses.
    if (auto range = range_from_file("/etc/subuid", "root", 0)) facts.auto_userns_range = *range;
  }
  facts.available_caps = own_bounding_set();
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    facts.environment.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return facts;
}

}  // namespace bulkhead::runtime
