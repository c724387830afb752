// bulkhead_probe: a tiny static program the integration tests copy into a container's root
// filesystem to try one privileged operation from inside and report what the kernel said.
// busybox has no tool for most of these (ptrace, keyctl, bpf, module loading, file handles).
//
//   bulkhead_probe PROBE [ARG]
//
// Prints "OK" when the operation succeeded, else the errno name ("EPERM"), on one line (ids and
// bind-connect print a few "name=value" fields). The exit status is 0 either way (2 for a usage
// error), so a test reads the verdict from stdout only.
// Every probe is built so that success does no harm: the calls use arguments that fail
// harmlessly past the permission check (a bad reboot magic, a bad module fd), and the
// namespaces or mounts a probe manages to make vanish with the probe.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int report(long result) {
  if (result >= 0) {
    puts("OK");
  } else {
    const char* name = strerrorname_np(errno);
    puts(name ? name : "E?");
  }
  return 0;
}

// Attaches to a child that has switched to another uid (65534): without CAP_SYS_PTRACE, or
// with ptrace blocked by seccomp, the kernel refuses.
static int probe_ptrace_attach(void) {
  int ready[2];
  if (pipe(ready) != 0) return report(-1);
  pid_t child = fork();
  if (child < 0) return report(-1);
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char status = setresuid(65534, 65534, 65534) == 0 ? 'y' : 'n';
    if (write(ready[1], &status, 1) != 1) _exit(1);
    for (;;) pause();
  }
  char status = 0;
  if (read(ready[0], &status, 1) != 1 || status != 'y') {
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    puts("SETUP-FAILED");
    return 0;
  }
  long result = ptrace(PTRACE_ATTACH, child, NULL, NULL);
  int saved = errno;
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  errno = saved;
  return report(result);
}

// Tries to bind TCP `port` on 0.0.0.0 and listen.
static int probe_bind(const char* port_text) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return report(-1);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(port_text))};
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr*)&address, sizeof address) != 0) return report(-1);
  return report(listen(fd, 1));
}

// Connects to 127.0.0.1:`port` (ECONNREFUSED when nothing listens and nothing forbids it).
static int probe_connect(const char* port_text) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return report(-1);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(port_text))};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return report(connect(fd, (struct sockaddr*)&address, sizeof address));
}

// Listens on 127.0.0.1:`port` and connects to it from a second socket: "bind=R connect=R".
// Landlock checks both ends against its TCP rules; no traffic leaves the container's loopback.
static int probe_bind_connect(const char* port_text) {
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(port_text))};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int server = socket(AF_INET, SOCK_STREAM, 0);
  int client = socket(AF_INET, SOCK_STREAM, 0);
  if (server < 0 || client < 0) return report(-1);
  int one = 1;
  setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  fputs("bind=", stdout);
  if (bind(server, (struct sockaddr*)&address, sizeof address) != 0 || listen(server, 1) != 0) {
    return report(-1);
  }
  puts("OK");
  fputs("connect=", stdout);
  return report(connect(client, (struct sockaddr*)&address, sizeof address));
}

static int probe_ids(void) {
  uid_t ruid, euid, suid;
  getresuid(&ruid, &euid, &suid);
  printf("uid=%u euid=%u suid=%u\n", ruid, euid, suid);
  return 0;
}

static int probe_open_by_handle_at(void) {
  // A syntactically valid, empty handle: a process allowed to call this gets past the
  // CAP_DAC_READ_SEARCH check and fails on the handle instead.
  struct {
    struct file_handle head;
    unsigned char bytes[8];
  } handle = {.head = {.handle_bytes = 8, .handle_type = 1}};
  return report(open_by_handle_at(AT_FDCWD, &handle.head, O_RDONLY));
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fputs("usage: bulkhead_probe PROBE [ARG]\n", stderr);
    return 2;
  }
  const char* probe = argv[1];
  const char* arg = argc > 2 ? argv[2] : "0";
  if (!strcmp(probe, "ids")) return probe_ids();
  if (!strcmp(probe, "setuid-root")) return report(setuid(0));
  if (!strcmp(probe, "ptrace-attach")) return probe_ptrace_attach();
  if (!strcmp(probe, "keyctl")) {
    // add_key into the session keyring.
    return report(syscall(SYS_add_key, "user", "bulkhead-probe", "x", 1, -3 /* session */));
  }
  if (!strcmp(probe, "bpf")) {
    // BPF_MAP_CREATE with a zeroed attribute: EINVAL if the call is allowed at all.
    union {
      char bytes[128];
    } attr = {{0}};
    return report(syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, &attr, sizeof attr));
  }
  if (!strcmp(probe, "reboot")) {
    // A wrong magic: EINVAL once the CAP_SYS_BOOT check has passed; never reboots.
    return report(syscall(SYS_reboot, 0, 0, LINUX_REBOOT_CMD_CAD_OFF, NULL));
  }
  if (!strcmp(probe, "finit_module")) return report(syscall(SYS_finit_module, -1, "", 0));
  if (!strcmp(probe, "init_module")) return report(syscall(SYS_init_module, NULL, 0, ""));
  if (!strcmp(probe, "open_by_handle_at")) return probe_open_by_handle_at();
  if (!strcmp(probe, "unshare-user")) return report(unshare(CLONE_NEWUSER));
  if (!strcmp(probe, "unshare-mount")) return report(unshare(CLONE_NEWNS));
  if (!strcmp(probe, "mount-tmpfs")) {
    // In a mount namespace of its own when it can make one, so even success changes nothing
    // the container keeps.
    unshare(CLONE_NEWNS);
    return report(mount("none", "/tmp", "tmpfs", 0, ""));
  }
  if (!strcmp(probe, "bind")) return probe_bind(arg);
  if (!strcmp(probe, "connect")) return probe_connect(arg);
  if (!strcmp(probe, "bind-connect")) return probe_bind_connect(arg);
  fprintf(stderr, "bulkhead_probe: unknown probe %s\n", probe);
  return 2;
}
