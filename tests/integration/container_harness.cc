#include "integration/container_harness.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bulkhead::testing {

namespace {

constexpr const char* kTestUser = "bulkhead-test";

void run_checked(const std::vector<std::string>& argv) {
  CommandResult result = run_program(argv);
  if (result.status != 0) {
    std::string command;
    for (const std::string& arg : argv) command += arg + " ";
    throw std::runtime_error(command + "failed: " + result.err);
  }
}

}  // namespace

// In a forked child whose stdin, stdout and stderr are set: switches to `as`'s user and
// environment and execs `argv`.
[[noreturn]] void become_and_exec(const std::vector<std::string>& argv, const RunAs& as) {
  if (as.uid) {
    setgroups(0, nullptr);
    if (setresgid(as.gid, as.gid, as.gid) || setresuid(*as.uid, *as.uid, *as.uid)) _exit(125);
    passwd* entry = getpwuid(*as.uid);
    setenv("HOME", entry ? entry->pw_dir : "/", 1);
    setenv("USER", entry ? entry->pw_name : "", 1);
    unsetenv("XDG_RUNTIME_DIR");
    if (chdir("/") != 0) _exit(125);
  }
  for (const std::string& entry : as.env) putenv(const_cast<char*>(entry.c_str()));
  // The test process may block or ignore signals (gtest does not, but a caller might): a
  // container runtime must start from the defaults.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

int status_of(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

std::string read_all_from_start(int fd) {
  std::string data;
  char buffer[65536];
  for (off_t offset = 0;;) {
    ssize_t n = pread(fd, buffer, sizeof(buffer), offset);
    if (n <= 0) break;
    data.append(buffer, n);
    offset += n;
  }
  return data;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::map<std::string, std::string> parse_results(const std::string& text) {
  std::map<std::string, std::string> results;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    size_t colon = line.find(": ");
    if (colon != std::string::npos) results[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return results;
}

std::string builtin_rootfs_dir() {
  if (const char* dir = std::getenv("BULKHEAD_BUILTIN_ROOTFS_DIR")) {
    return std::string(dir) + "/busybox";
  }
  return std::string(BULKHEAD_BUILD_DIR) + "/rootfs/busybox";
}

CommandResult run_program(const std::vector<std::string>& argv, const RunAs& as) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
    throw std::runtime_error("pipe failed");
  }
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    become_and_exec(argv, as);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  // Feed stdin and drain both outputs together so nothing blocks on a full pipe.
  std::string pending = as.stdin_data;
  int in_fd = in[1];
  if (pending.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  CommandResult result;
  bool out_open = true, err_open = true;
  signal(SIGPIPE, SIG_IGN);
  while (out_open || err_open) {
    pollfd fds[3] = {{out_open ? out[0] : -1, POLLIN, 0},
                     {err_open ? err[0] : -1, POLLIN, 0},
                     {in_fd, POLLOUT, 0}};
    if (poll(fds, 3, -1) < 0 && errno != EINTR) break;
    char buffer[4096];
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buffer, n);
      } else {
        (i == 0 ? out_open : err_open) = false;
      }
    }
    if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = write(in_fd, pending.data(), pending.size());
      if (n > 0) pending.erase(0, n);
      if (n <= 0 || pending.empty()) {
        close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  close(out[0]);
  close(err[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = status_of(status);
  return result;
}

CommandResult run_bulkhead(const std::vector<std::string>& args, const RunAs& as) {
  std::vector<std::string> argv = {BULKHEAD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, as);
}

TestUser ensure_test_user() {
  if (passwd* entry = getpwnam(kTestUser)) return {entry->pw_uid, entry->pw_gid};
  CommandResult added = run_program({"useradd", "--create-home", "--shell", "/bin/sh", kTestUser});
  passwd* entry = getpwnam(kTestUser);
  if (!entry)
    throw std::runtime_error("useradd " + std::string(kTestUser) + " failed: " + added.err);
  return {entry->pw_uid, entry->pw_gid};
}

RunAs as_test_user() {
  TestUser user = ensure_test_user();
  RunAs as;
  as.uid = user.uid;
  as.gid = user.gid;
  return as;
}

std::string make_temp_dir() {
  char path[] = "/tmp/bulkhead-test-XXXXXX";
  if (!mkdtemp(path)) throw std::runtime_error("mkdtemp failed");
  chmod(path, 0755);
  return path;
}

void remove_tree(const std::string& path) {
  if (path.rfind("/tmp/bulkhead-test-", 0) != 0) return;  // never anything else
  run_program({"rm", "-rf", "--one-file-system", path});
}

std::string copy_busybox_rootfs(uid_t owner, gid_t group) {
  std::string dir = make_temp_dir();
  std::string root = dir + "/rootfs";
  CommandResult copied = run_program({"cp", "-a", builtin_rootfs_dir(), root});
  if (copied.status != 0) throw std::runtime_error("copying the rootfs failed: " + copied.err);
  if (owner != 0 || group != 0) {
    run_program({"chown", "-R", std::to_string(owner) + ":" + std::to_string(group), dir});
  }
  return root;
}

std::string make_owned_temp_dir(uid_t owner, gid_t group, mode_t mode) {
  std::string dir = make_temp_dir();
  if (chown(dir.c_str(), owner, group) != 0 || chmod(dir.c_str(), mode) != 0) {
    throw std::runtime_error("chown/chmod " + dir + ": " + std::strerror(errno));
  }
  return dir;
}

void write_text_file(const std::string& path, const std::string& content, mode_t mode, uid_t owner,
                     gid_t group) {
  {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << content;
    if (!file) throw std::runtime_error("writing " + path + " failed");
  }
  if (chown(path.c_str(), owner, group) != 0 || chmod(path.c_str(), mode) != 0) {
    throw std::runtime_error("chown/chmod " + path + ": " + std::strerror(errno));
  }
}

std::string read_text_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void install_probe(const std::string& rootfs, const std::string& container_path, mode_t mode,
                   uid_t owner, gid_t group) {
  std::string destination = rootfs + container_path;
  run_checked({"cp", BULKHEAD_PROBE, destination});
  if (chown(destination.c_str(), owner, group) != 0 || chmod(destination.c_str(), mode) != 0) {
    throw std::runtime_error("chown/chmod " + destination + ": " + std::strerror(errno));
  }
}

std::vector<std::string> list_directory(const std::string& dir) {
  std::vector<std::string> names;
  CommandResult listed = run_program({"ls", "-A", "-1", dir});
  if (listed.status != 0) return names;
  std::istringstream lines(listed.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) names.push_back(line);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> leftover_state(const std::string& state_dir) {
  std::vector<std::string> left;
  // Records are directories named by a 64-hex-digit id; other entries (.lock, caches) are the
  // store's own and may stay.
  auto is_container_id = [](const std::string& name) {
    return name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
  };
  for (const std::string& name : list_directory(state_dir)) {
    if (is_container_id(name)) left.push_back(name);
  }
  for (const std::string& claim : list_directory(state_dir + "/names")) {
    left.push_back("names/" + claim);
  }
  return left;
}

std::string status_field(const std::string& status_text, const std::string& field) {
  std::istringstream lines(status_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(field + ":", 0) != 0) continue;
    std::string value = line.substr(field.size() + 1);
    size_t first = value.find_first_not_of(" \t");
    size_t last = value.find_last_not_of(" \t\r");
    return first == std::string::npos ? "" : value.substr(first, last - first + 1);
  }
  return "";
}

std::optional<uint64_t> status_hex(const std::string& status_text, const std::string& field) {
  std::string value = status_field(status_text, field);
  if (value.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long long number = std::strtoull(value.c_str(), &end, 16);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return number;
}

std::string normalize_id_map(const std::string& map_text) {
  std::istringstream lines(map_text);
  std::string normalized;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string field, joined;
    while (fields >> field) joined += (joined.empty() ? "" : " ") + field;
    if (!joined.empty()) normalized += joined + "\n";
  }
  return normalized;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const RunAs& as) {
  out_fd_ = memfd_create("bulkhead-out", MFD_CLOEXEC);
  err_fd_ = memfd_create("bulkhead-err", MFD_CLOEXEC);
  if (out_fd_ < 0 || err_fd_ < 0) throw std::runtime_error("memfd_create failed");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd_, 1) < 0 || dup2(err_fd_, 2) < 0) _exit(126);
    become_and_exec(argv, as);
  }
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0 && !wait_status_) {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

void BackgroundProcess::send_signal(int signal) {
  if (!wait_status_) kill(pid_, signal);
}

bool BackgroundProcess::exited() {
  if (wait_status_) return true;
  int status = 0;
  pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == pid_) wait_status_ = status;
  return wait_status_.has_value();
}

CommandResult BackgroundProcess::wait() {
  if (!wait_status_) {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    wait_status_ = status;
  }
  CommandResult result;
  result.status = status_of(*wait_status_);
  result.out = read_all_from_start(out_fd_);
  result.err = read_all_from_start(err_fd_);
  return result;
}

std::string BackgroundProcess::output_so_far() const {
  return read_all_from_start(out_fd_);
}

std::string BackgroundProcess::errors_so_far() const {
  return read_all_from_start(err_fd_);
}

std::unique_ptr<BackgroundProcess> start_bulkhead(const std::vector<std::string>& args,
                                                  const RunAs& as) {
  std::vector<std::string> argv = {BULKHEAD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<BackgroundProcess>(argv, as);
}

CommandResult run_bulkhead_on_pty(const std::vector<std::string>& args, const RunAs& as,
                                  const std::string& input) {
  std::vector<std::string> argv = {BULKHEAD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  winsize size{};
  size.ws_row = 24;
  size.ws_col = 80;
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) throw std::runtime_error("forkpty failed");
  if (pid == 0) become_and_exec(argv, as);
  if (!input.empty()) {
    ssize_t written = write(master, input.data(), input.size());
    (void)written;
  }
  CommandResult result;
  char buffer[4096];
  for (;;) {
    ssize_t n = read(master, buffer, sizeof(buffer));
    if (n > 0) {
      result.out.append(buffer, n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // EIO: every slave descriptor is closed
    }
  }
  close(master);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = status_of(status);
  return result;
}

bool poll_until(const std::function<bool()>& done, double deadline_seconds) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(deadline_seconds));
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() > deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string privilege_name(Privilege privilege) {
  return privilege == Privilege::Root ? "Root" : "Rootless";
}

ContainerContext::ContainerContext(Privilege privilege) : privilege_(privilege) {
  if (rootless()) {
    TestUser user = ensure_test_user();
    uid_ = user.uid;
    gid_ = user.gid;
  }
  state_dir_ = scratch(make_owned_temp_dir(uid_, gid_, 0700));
}

ContainerContext::~ContainerContext() {
  for (const std::string& dir : scratch_dirs_) remove_tree(dir);
}

std::string ContainerContext::scratch(std::string path) {
  scratch_dirs_.push_back(path);
  return path;
}

RunAs ContainerContext::run_as(const std::string& stdin_data) const {
  RunAs as;
  if (rootless()) {
    as.uid = uid_;
    as.gid = gid_;
  }
  as.stdin_data = stdin_data;
  as.env.push_back("BULKHEAD_STATE_DIR=" + state_dir_);
  return as;
}

CommandResult ContainerContext::bulkhead(const std::vector<std::string>& args,
                                         const std::string& stdin_data) const {
  return run_bulkhead(args, run_as(stdin_data));
}

CommandResult ContainerContext::run_sh(const std::vector<std::string>& flags,
                                       const std::string& rootfs, const std::string& script,
                                       const std::string& stdin_data) const {
  std::vector<std::string> args = {"run"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), {rootfs, "sh", "-c", script});
  return bulkhead(args, stdin_data);
}

std::unique_ptr<BackgroundProcess> ContainerContext::start(
    const std::vector<std::string>& args) const {
  return start_bulkhead(args, run_as());
}

std::string ContainerContext::rootfs() {
  std::string root = copy_busybox_rootfs(uid_, gid_);
  scratch(root.substr(0, root.rfind('/')));
  install_probe(root, "/bin/bulkhead_probe", 0755, uid_, gid_);
  return root;
}

std::string ContainerContext::host_dir() {
  return scratch(make_owned_temp_dir(uid_, gid_, 0755));
}

std::string ContainerContext::host_file(const std::string& name, const std::string& content) {
  std::string path = host_dir() + "/" + name;
  write_text_file(path, content, 0644, uid_, gid_);
  return path;
}

std::vector<std::string> ContainerContext::leftover_state() const {
  return ::bulkhead::testing::leftover_state(state_dir_);
}

std::optional<std::string> containers_unavailable() {
  struct stat info {};
  if (stat((builtin_rootfs_dir() + "/bin/busybox").c_str(), &info) != 0) {
    return "the builtin busybox rootfs is missing (" + builtin_rootfs_dir() +
           "): run scripts/setup.sh";
  }
  if (access("/proc/self/ns/user", F_OK) != 0) return "no user namespaces in this kernel";
  return std::nullopt;
}

}  // namespace bulkhead::testing
