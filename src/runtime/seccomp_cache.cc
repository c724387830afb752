#include "runtime/seccomp_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <functional>

#include "base/error.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "seccomp/compiler.h"

namespace bulkhead::runtime {

namespace {

constexpr std::string_view kMagic = "bulkhead-seccomp-cache 1\n";

// The running binary, by identity: a rebuilt compiler must never reuse an older result.
std::string binary_identity() {
  struct stat info {};
  if (stat("/proc/self/exe", &info) != 0) return "unknown";
  return std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino) + ":" +
         std::to_string(info.st_size) + ":" + std::to_string(info.st_mtim.tv_sec) + "." +
         std::to_string(info.st_mtim.tv_nsec);
}

std::string entry_path(const std::string& dir, const std::string& key) {
  return dir + "/" + hex(std::hash<std::string>{}(key)) + ".bpf";
}

}  // namespace

std::string seccomp_cache_key(const seccomp::Profile& profile,
                              const seccomp::ResolveOptions& options) {
  nlohmann::json key;
  key["profile"] = seccomp::profile_to_json(profile);
  key["caps"] = options.caps.mask();
  key["native"] = options.native ? std::string(seccomp::arch_info(*options.native).name) : "";
  std::vector<std::string> only;
  for (seccomp::Arch arch : options.only_arches) {
    only.emplace_back(seccomp::arch_info(arch).name);
  }
  key["only_arches"] = only;
  key["kernel"] = std::to_string(options.kernel.major) + "." + std::to_string(options.kernel.minor);
  key["ignore_unknown"] = options.ignore_unknown;
  key["unknown_syscalls"] = static_cast<int>(options.unknown_syscalls);
  key["binary"] = binary_identity();
  return key.dump();
}

seccomp::Program compile_seccomp_cached(const seccomp::Profile& profile,
                                        const seccomp::ResolveOptions& options,
                                        const std::string& cache_dir) {
  if (cache_dir.empty()) return seccomp::compile(seccomp::resolve(profile, options));
  std::string key = seccomp_cache_key(profile, options);
  std::string path = entry_path(cache_dir, key);
  std::string header = std::string(kMagic) + std::to_string(key.size()) + "\n" + key;
  try {
    std::string entry = read_file(path);
    if (entry.size() > header.size() && entry.compare(0, header.size(), header) == 0) {
      seccomp::Program program =
          seccomp::Program::from_bytes(std::string_view(entry).substr(header.size()));
      seccomp::validate(program.insns);
      return program;
    }
  } catch (const Error&) {
    // Missing or unusable entry: compile below.
  }
  seccomp::Program program = seccomp::compile(seccomp::resolve(profile, options));
  // Write to a private temporary and rename, so a concurrent start never reads half an entry.
  try {
    if (mkdir(cache_dir.c_str(), 0700) != 0 && errno != EEXIST) return program;
    std::string temporary = path + ".tmp." + std::to_string(getpid());
    write_file(temporary, header + program.bytes());
    if (rename(temporary.c_str(), path.c_str()) != 0) unlink(temporary.c_str());
  } catch (const Error&) {
  }
  return program;
}

}  // namespace bulkhead::runtime
