#include "runtime/userns.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/strings.h"
#include "base/unique_fd.h"

namespace bulkhead::runtime {

namespace {

std::string map_text(const std::vector<spec::IdMapping>& mappings) {
  std::string text;
  for (const spec::IdMapping& m : mappings) {
    text += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " +
            std::to_string(m.size) + "\n";
  }
  return text;
}

bool single_own_id(const std::vector<spec::IdMapping>& mappings, uint32_t own) {
  return mappings.size() == 1 && mappings[0].size == 1 && mappings[0].host_id == own;
}

std::string find_helper(const std::string& name) {
  for (const char* dir : {"/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"}) {
    std::string path = std::string(dir) + name;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

void run_map_helper(const std::string& helper, pid_t pid,
                    const std::vector<spec::IdMapping>& mappings) {
  std::vector<std::string> args = {helper, std::to_string(pid)};
  for (const spec::IdMapping& m : mappings) {
    args.push_back(std::to_string(m.container_id));
    args.push_back(std::to_string(m.host_id));
    args.push_back(std::to_string(m.size));
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw_errno("pipe for " + helper);
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  pid_t child = fork();
  if (child < 0) throw_errno("fork for " + helper);
  if (child == 0) {
    dup2(write_end.get(), STDERR_FILENO);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(helper.c_str(), argv.data());
    _exit(127);
  }
  write_end.reset();
  std::string output;
  char buffer[512];
  ssize_t got;
  while ((got = read(read_end.get(), buffer, sizeof(buffer))) > 0) output.append(buffer, got);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw Error(join(args, " ") + " failed: " + std::string(trim(output)) +
                " (are the ranges in /etc/subuid and /etc/subgid?)");
  }
}

}  // namespace

IdMapWriter choose_id_map_writer(const spec::Linux& linux) {
  if (geteuid() == 0) return IdMapWriter::Direct;
  if (single_own_id(linux.uid_mappings, geteuid()) &&
      single_own_id(linux.gid_mappings, getegid())) {
    return IdMapWriter::Direct;
  }
  for (const char* helper : {"newuidmap", "newgidmap"}) {
    if (find_helper(helper).empty()) {
      throw Error(std::string("mapping more than your own uid and gid needs ") + helper +
                  " (Debian package uidmap) and ranges in /etc/subuid and /etc/subgid");
    }
  }
  return IdMapWriter::Newuidmap;
}

bool setgroups_allowed(IdMapWriter writer) {
  return writer == IdMapWriter::Newuidmap || geteuid() == 0;
}

void write_id_maps(pid_t pid, const spec::Linux& linux, IdMapWriter writer) {
  std::string proc = "/proc/" + std::to_string(pid);
  if (writer == IdMapWriter::Newuidmap) {
    run_map_helper(find_helper("newuidmap"), pid, linux.uid_mappings);
    run_map_helper(find_helper("newgidmap"), pid, linux.gid_mappings);
    return;
  }
  if (!setgroups_allowed(writer)) write_file(proc + "/setgroups", "deny");
  write_file(proc + "/uid_map", map_text(linux.uid_mappings));
  write_file(proc + "/gid_map", map_text(linux.gid_mappings));
}

}  // namespace bulkhead::runtime
