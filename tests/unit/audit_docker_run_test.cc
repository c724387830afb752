// `docker run` / `podman run` lines: flags into Workload fields, the image found past every
// value-taking flag, locations of each setting, and the shell scanning that finds run lines
// in scripts.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "audit/audit.h"
#include "audit/checks.h"
#include "audit/inputs.h"
#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::audit {
namespace {

const std::string kFile = "deploy.sh";

// The one workload a script holds.
Workload one(const std::string& script) {
  std::vector<Workload> found = read_shell_script(script, kFile);
  EXPECT_EQ(found.size(), 1u) << script;
  if (found.empty()) return Workload{};
  return found.front();
}

// A single command line, split on spaces (no quoting needed by these tests).
Workload args(const std::string& line) {
  std::vector<std::string> argv;
  for (const std::string& word : split(line, ' '))
    if (!word.empty()) argv.push_back(word);
  std::vector<Workload> found = read_docker_run_args(argv, SourceLocation{"<command line>", 0, 0});
  EXPECT_EQ(found.size(), 1u) << line;
  if (found.empty()) return Workload{};
  return found.front();
}

std::vector<std::string> names(const std::vector<Located<std::string>>& caps) {
  std::vector<std::string> out;
  for (const auto& cap : caps) out.push_back(cap.value);
  return out;
}

std::pair<int, int> at(const SourceLocation& where) {
  return {where.line, where.column};
}

using Names = std::vector<std::string>;

// ---- The command -------------------------------------------------------------------------

TEST(AuditDockerRun, ObjectNamesEngineVerbAndImage) {
  EXPECT_EQ(one("docker run --rm alpine:3.19 sh").object, "docker run alpine:3.19");
  EXPECT_EQ(one("podman run --rm alpine sh").object, "podman run alpine");
  EXPECT_EQ(one("docker create --name x nginx").object, "docker create nginx");
  EXPECT_EQ(one("docker container run nginx").object, "docker run nginx");
  EXPECT_EQ(one("docker container create nginx").object, "docker create nginx");
  EXPECT_EQ(one("podman create nginx").object, "podman create nginx");
  EXPECT_EQ(one("podman container run nginx").object, "podman run nginx");
  EXPECT_EQ(one("docker run").object, "docker run");  // no image: still audited
  EXPECT_EQ(one("x\n  docker run nginx").format, InputFormat::DockerRun);
}

TEST(AuditDockerRun, ProgramFoundAfterPrefixes) {
  EXPECT_EQ(one("sudo docker run --privileged nginx").object, "docker run nginx");
  EXPECT_EQ(one("sudo -u root -E docker run nginx").object, "docker run nginx");
  EXPECT_EQ(one("FOO=1 BAR=\"a b\" docker run nginx").object, "docker run nginx");
  EXPECT_EQ(one("/usr/bin/docker run nginx").object, "docker run nginx");
  EXPECT_EQ(one("/usr/local/bin/podman run nginx").object, "podman run nginx");
  EXPECT_EQ(one("env -i PATH=/bin docker run nginx").object, "docker run nginx");
  EXPECT_EQ(one("exec docker run nginx").object, "docker run nginx");
  EXPECT_EQ(one("nohup docker run nginx &").object, "docker run nginx");
  EXPECT_EQ(one("time docker run nginx").object, "docker run nginx");
  EXPECT_EQ(one("timeout -s KILL 60 docker run nginx").object, "docker run nginx");
  EXPECT_EQ(one("if docker run nginx; then :; fi").object, "docker run nginx");
  EXPECT_EQ(one("$DOCKER run nginx").object, "docker run nginx");
  EXPECT_EQ(one("\"${PODMAN_BIN}\" run nginx").object, "podman run nginx");
  EXPECT_EQ(one("${ENGINE:-podman} run nginx").object, "podman run nginx");
}

TEST(AuditDockerRun, GlobalOptionsBeforeTheSubcommand) {
  EXPECT_EQ(one("docker -H tcp://10.0.0.5:2376 --tlsverify run nginx").object, "docker run nginx");
  EXPECT_EQ(one("docker --host=unix:///run/user/1000/docker.sock run nginx").object,
            "docker run nginx");
  EXPECT_EQ(one("docker --context prod --log-level debug -D run nginx").object, "docker run nginx");
  EXPECT_EQ(one("docker -c prod container run nginx").object, "docker run nginx");
  EXPECT_EQ(one("podman --remote run nginx").object, "podman run nginx");
  EXPECT_EQ(one("podman --url ssh://core@host/run/podman/podman.sock run nginx").object,
            "podman run nginx");
  EXPECT_EQ(one("podman --root /var/lib/c --runroot /run/c -r run nginx").object,
            "podman run nginx");
}

TEST(AuditDockerRun, NotARunLineIsNoWorkload) {
  for (const char* line :
       {"docker ps -a", "docker build -t x .", "docker compose run web", "docker exec -it x sh",
        "docker container ls", "docker pull nginx", "podman pod create", "echo docker run x",
        "dockerd --debug", "docker", "grep 'docker run' notes.txt", "docker image run"})
    EXPECT_TRUE(read_shell_script(line, kFile).empty()) << line;
  EXPECT_TRUE(read_docker_run_args({"docker", "ps"}, SourceLocation{}).empty());
  EXPECT_TRUE(read_docker_run_args({}, SourceLocation{}).empty());
}

// ---- Finding the image ---------------------------------------------------------------------

TEST(AuditDockerRun, EveryValueFlagIsSkippedToFindTheImage) {
  // Each value-taking flag written as "--flag value": the word after it is its value, not the
  // image; a wrong table would make "VALUE" the image.
  for (const char* flag :
       {"--add-host", "--annotation", "--attach", "--blkio-weight", "--cgroup-parent", "--cgroupns",
        "--cidfile", "--cpu-period", "--cpu-quota", "--cpu-shares", "--cpus", "--cpuset-cpus",
        "--detach-keys", "--dns", "--dns-option", "--dns-search", "--domainname", "--entrypoint",
        "--env", "--env-file", "--expose", "--gpus", "--group-add", "--health-cmd",
        "--health-interval", "--health-retries", "--health-start-period", "--health-timeout",
        "--hostname", "--ip", "--ip6", "--isolation", "--label", "--label-file", "--link",
        "--log-driver", "--log-opt", "--mac-address", "--memory-reservation", "--memory-swap",
        "--memory-swappiness", "--name", "--network-alias", "--oom-score-adj", "--platform",
        "--publish", "--pull", "--restart", "--runtime", "--shm-size", "--stop-signal",
        "--stop-timeout", "--storage-opt", "--tmpfs", "--ulimit", "--volume-driver",
        "--volumes-from", "--workdir", "--net-alias", "--dns-opt", "--kernel-memory",
        "--device-read-bps", "--device-write-iops", "--blkio-weight-device",
        // podman
        "--pod", "--pod-id-file", "--systemd", "--uidmap", "--gidmap", "--secret", "--tz",
        "--umask", "--arch", "--os", "--variant", "--authfile", "--cgroups", "--init-path",
        "--seccomp-policy", "--sdnotify", "--requires", "--personality", "--preserve-fds",
        "--health-on-failure", "--passwd-entry", "--chrootdirs", "--unsetenv", "--hostuser",
        "--image-volume", "--retry", "--decryption-key", "--env-merge", "--rdt-class"}) {
    std::string line = std::string("docker run ") + flag + " VALUE nginx";
    EXPECT_EQ(one(line).object, "docker run nginx") << flag;
  }
  for (const char* flag : {"-a", "-c", "-e", "-h", "-l", "-p", "-w"}) {
    std::string line = std::string("docker run ") + flag + " VALUE nginx";
    EXPECT_EQ(one(line).object, "docker run nginx") << flag;
  }
}

TEST(AuditDockerRun, BooleanFlagsDoNotTakeTheNextWord) {
  EXPECT_EQ(one("docker run --rm --init -d -i -t -P -q --read-only --privileged --sig-proxy "
                "--oom-kill-disable --no-healthcheck --disable-content-trust nginx")
                .object,
            "docker run nginx");
  EXPECT_EQ(one("podman run --rm --replace --rmi --env-host --http-proxy --no-hosts "
                "--read-only-tmpfs --tls-verify --unsetenv-all --passwd nginx")
                .object,
            "podman run nginx");
  EXPECT_EQ(one("docker run --rm=true --sig-proxy=false nginx").object, "docker run nginx");
  // Unknown flags are taken for booleans.
  EXPECT_EQ(one("docker run --some-future-flag nginx").object, "docker run nginx");
}

TEST(AuditDockerRun, FlagFormsAndTheEndOfOptions) {
  EXPECT_EQ(one("docker run --name=web --network=backend nginx").object, "docker run nginx");
  EXPECT_EQ(one("docker run -it --rm alpine").object, "docker run alpine");
  EXPECT_EQ(one("docker run -itd alpine").object, "docker run alpine");
  EXPECT_EQ(one("docker run -dp 8080:80 nginx").object, "docker run nginx");
  EXPECT_EQ(one("docker run -ePATH=/bin -e=A=1 nginx").object, "docker run nginx");
  EXPECT_EQ(one("docker run --rm -- alpine --privileged").object, "docker run alpine");
  // Everything after the image is the container's command.
  Workload w = one("docker run alpine --privileged -v /:/host");
  EXPECT_FALSE(w.privileged);
  EXPECT_TRUE(w.host_mounts.empty());
}

// ---- Settings --------------------------------------------------------------------------------

TEST(AuditDockerRun, Privileged) {
  Workload w = one("docker run --privileged nginx");
  ASSERT_TRUE(w.privileged);
  EXPECT_TRUE(w.privileged->value);
  EXPECT_EQ(at(w.privileged->where), std::pair(1, 12));
  EXPECT_EQ(w.privileged->where.file, kFile);
  EXPECT_TRUE(one("docker run --privileged=true nginx").privileged->value);
  EXPECT_FALSE(one("docker run --privileged=false nginx").privileged->value);
  EXPECT_FALSE(one("docker run --privileged=$PRIV nginx").privileged);  // undecidable
  EXPECT_FALSE(one("docker run nginx").privileged);
}

TEST(AuditDockerRun, CapabilitiesNormalised) {
  Workload w =
      one("docker run --cap-add SYS_ADMIN --cap-add=cap_net_admin --cap-add sys_ptrace,CAP_BPF "
          "--cap-drop ALL --cap-drop=net_raw nginx");
  EXPECT_EQ(names(w.capabilities.added), (Names{"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "BPF"}));
  EXPECT_EQ(names(w.capabilities.dropped), (Names{"ALL", "NET_RAW"}));
  EXPECT_EQ(at(w.capabilities.added[0].where), std::pair(1, 12));
  EXPECT_EQ(at(w.capabilities.added[1].where), std::pair(1, 32));
  EXPECT_EQ(at(w.capabilities.added[3].where), std::pair(1, 56));
  EXPECT_EQ(at(w.capabilities.dropped[1].where), std::pair(1, 100));
  EXPECT_EQ(names(one("podman run --cap-add all x").capabilities.added), Names{"ALL"});
}

TEST(AuditDockerRun, SecurityOptions) {
  auto nnp = [](const std::string& option) {
    return one("docker run --security-opt " + option + " nginx").no_new_privileges;
  };
  EXPECT_TRUE(nnp("no-new-privileges")->value);
  EXPECT_TRUE(nnp("no-new-privileges:true")->value);
  EXPECT_TRUE(nnp("no-new-privileges=true")->value);
  EXPECT_FALSE(nnp("no-new-privileges:false")->value);
  EXPECT_FALSE(nnp("no-new-privileges=false")->value);
  EXPECT_FALSE(nnp("no-new-privileges=$NNP"));  // undecidable: not set
  EXPECT_EQ(one("docker run --security-opt=no-new-privileges x").no_new_privileges->where.column,
            12);

  auto w = [](const std::string& option) {
    return one("docker run --security-opt " + option + " nginx");
  };
  EXPECT_EQ(w("seccomp=unconfined").seccomp->value, "unconfined");
  EXPECT_EQ(w("seccomp:unconfined").seccomp->value, "unconfined");
  EXPECT_EQ(w("seccomp=/etc/docker/chrome.json").seccomp->value, "/etc/docker/chrome.json");
  EXPECT_EQ(w("apparmor=unconfined").apparmor->value, "unconfined");
  EXPECT_EQ(w("apparmor:docker-default").apparmor->value, "docker-default");
  EXPECT_EQ(w("label=disable").selinux->value, "disable");
  EXPECT_EQ(w("label:disable").selinux->value, "disable");
  EXPECT_EQ(w("label=type:spc_t").selinux->value, "spc_t");
  EXPECT_EQ(w("label:type:spc_t").selinux->value, "spc_t");
  EXPECT_FALSE(w("label=level:s0:c100,c200").selinux);
  EXPECT_TRUE(w("systempaths=unconfined").proc_unmasked->value);
  EXPECT_FALSE(w("systempaths=default").proc_unmasked);
  EXPECT_FALSE(w("seccomp=unconfined").no_new_privileges);
  // podman
  EXPECT_TRUE(one("podman run --security-opt unmask=ALL x").proc_unmasked->value);
  EXPECT_TRUE(one("podman run --security-opt unmask=/proc/kcore:/proc/keys x").proc_unmasked);
  EXPECT_TRUE(one("podman run --security-opt unmask=/proc/* x").proc_unmasked);
  EXPECT_FALSE(one("podman run --security-opt unmask=/sys/firmware x").proc_unmasked);
  EXPECT_FALSE(one("podman run --security-opt mask=/proc/acpi x").proc_unmasked);
}

TEST(AuditDockerRun, VolumesHostPathsAndNamedVolumes) {
  Workload w =
      one("docker run -v /var/run/docker.sock:/var/run/docker.sock -v data:/data "
          "-v /etc/ssl/:/ssl:ro -v ./conf:/conf:readonly,z -v ~/.ssh:/root/.ssh "
          "-v /mnt/x:/x:rshared -v /cache --volume=/var/run/../lib/docker/:/d:rw,Z "
          "-v $X:/y -v ${DATA:-/srv/data}:/data2:ro nginx");
  ASSERT_EQ(w.host_mounts.size(), 8u);
  EXPECT_EQ(w.host_mounts[0].source, "/var/run/docker.sock");
  EXPECT_EQ(w.host_mounts[0].destination, "/var/run/docker.sock");
  EXPECT_FALSE(w.host_mounts[0].read_only);
  EXPECT_EQ(at(w.host_mounts[0].where), std::pair(1, 12));
  EXPECT_EQ(w.host_mounts[1].source, "/etc/ssl");
  EXPECT_TRUE(w.host_mounts[1].read_only);
  EXPECT_EQ(w.host_mounts[2].source, "./conf");
  EXPECT_TRUE(w.host_mounts[2].read_only);
  EXPECT_EQ(w.host_mounts[3].source, "~/.ssh");
  EXPECT_EQ(w.host_mounts[4].source, "/mnt/x");
  EXPECT_EQ(w.host_mounts[4].propagation, "rshared");
  EXPECT_EQ(w.host_mounts[5].source, "/var/lib/docker");
  EXPECT_FALSE(w.host_mounts[5].read_only);
  EXPECT_EQ(w.host_mounts[6].source, "$X");
  EXPECT_EQ(w.host_mounts[7].source, "${DATA:-/srv/data}");
  ASSERT_EQ(w.volumes.size(), 2u);
  EXPECT_EQ(w.volumes[0].name, "data");
  EXPECT_EQ(w.volumes[0].destination, "/data");
  EXPECT_EQ(w.volumes[1].name, "");  // anonymous
  EXPECT_EQ(w.volumes[1].destination, "/cache");
  // A host path behind a variable with a default: the ':' inside ${…} does not split.
  Workload v = one("docker run -v ${DATA:-/srv/data}:/data:ro nginx");
  ASSERT_EQ(v.host_mounts.size(), 1u);
  EXPECT_EQ(v.host_mounts[0].source, "${DATA:-/srv/data}");
  EXPECT_EQ(v.host_mounts[0].destination, "/data");
  EXPECT_TRUE(v.host_mounts[0].read_only);
  // Combined short flags with an attached value.
  Workload c = one("docker run -itv/:/host alpine");
  ASSERT_EQ(c.host_mounts.size(), 1u);
  EXPECT_EQ(c.host_mounts[0].source, "/");
  EXPECT_EQ(at(c.host_mounts[0].where), std::pair(1, 12));
  EXPECT_EQ(one("docker run -v /a/./b/../../:/x alpine").host_mounts[0].source, "/");
}

TEST(AuditDockerRun, MountFlag) {
  Workload w =
      one("docker run --mount type=bind,source=/etc,target=/host-etc,readonly "
          "--mount type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock "
          "--mount=type=bind,source=/mnt,destination=/mnt,bind-propagation=rshared,ro=false "
          "--mount type=volume,source=data,target=/data "
          "--mount type=tmpfs,target=/tmp "
          "--mount 'type=bind,source=/srv,target=/srv,readonly=true' nginx");
  ASSERT_EQ(w.host_mounts.size(), 4u);
  EXPECT_EQ(w.host_mounts[0].source, "/etc");
  EXPECT_EQ(w.host_mounts[0].destination, "/host-etc");
  EXPECT_TRUE(w.host_mounts[0].read_only);
  EXPECT_EQ(w.host_mounts[1].source, "/var/run/docker.sock");
  EXPECT_FALSE(w.host_mounts[1].read_only);
  EXPECT_EQ(w.host_mounts[2].propagation, "rshared");
  EXPECT_FALSE(w.host_mounts[2].read_only);
  EXPECT_TRUE(w.host_mounts[3].read_only);
  ASSERT_EQ(w.volumes.size(), 1u);
  EXPECT_EQ(w.volumes[0].name, "data");
  EXPECT_EQ(at(w.host_mounts[1].where), std::pair(1, 68));
}

TEST(AuditDockerRun, ApiSocketFlagMountsTheDockerSocket) {
  Workload w = one("docker run --use-api-socket docker:cli docker ps");
  ASSERT_EQ(w.host_mounts.size(), 1u);
  EXPECT_EQ(w.host_mounts[0].source, "/var/run/docker.sock");
}

TEST(AuditDockerRun, HostNamespaces) {
  Workload w = one("docker run --pid=host --ipc host --uts=host --network=host --userns=host x");
  ASSERT_TRUE(w.host_namespaces.pid && w.host_namespaces.ipc && w.host_namespaces.uts &&
              w.host_namespaces.network && w.host_namespaces.user);
  EXPECT_EQ(at(w.host_namespaces.pid->where), std::pair(1, 12));
  EXPECT_EQ(at(w.host_namespaces.ipc->where), std::pair(1, 23));
  EXPECT_EQ(at(w.host_namespaces.user->where), std::pair(1, 60));
  EXPECT_TRUE(one("docker run --net=host x").host_namespaces.network);
  EXPECT_TRUE(one("docker run --net host x").host_namespaces.network);
  EXPECT_TRUE(one("docker run --userns host x").host_namespaces.user);
  EXPECT_TRUE(one("podman run --pid=ns:/proc/1/ns/pid x").host_namespaces.pid);
  Workload none =
      one("docker run --pid=container:db --ipc=shareable --network=backend --userns=keep-id x");
  EXPECT_FALSE(none.host_namespaces.pid);
  EXPECT_FALSE(none.host_namespaces.ipc);
  EXPECT_FALSE(none.host_namespaces.network);
  EXPECT_FALSE(none.host_namespaces.user);
}

TEST(AuditDockerRun, UserReadOnlyAndLimits) {
  Workload w = one("docker run -u 1000:1000 --read-only -m 512m --pids-limit 100 x");
  EXPECT_EQ(w.user->value, "1000:1000");
  EXPECT_EQ(at(w.user->where), std::pair(1, 12));
  EXPECT_TRUE(w.read_only_rootfs->value);
  EXPECT_EQ(w.memory_limit->value, "512m");
  EXPECT_EQ(at(w.memory_limit->where), std::pair(1, 37));
  EXPECT_EQ(w.pids_limit->value, "100");
  EXPECT_EQ(one("docker run --user=root x").user->value, "root");
  EXPECT_EQ(one("docker run -u0 x").user->value, "0");
  EXPECT_TRUE(one("docker run --read-only=true x").read_only_rootfs->value);
  EXPECT_FALSE(one("docker run --read-only=false x").read_only_rootfs->value);
  EXPECT_EQ(one("docker run --memory=1g x").memory_limit->value, "1g");
  EXPECT_EQ(one("docker run -m1g x").memory_limit->value, "1g");
  EXPECT_FALSE(one("docker run --memory 0 x").memory_limit);  // 0: unlimited
  EXPECT_FALSE(one("docker run --pids-limit=-1 x").pids_limit);
  EXPECT_FALSE(one("docker run --pids-limit 0 x").pids_limit);
  EXPECT_FALSE(one("docker run x").user);
}

TEST(AuditDockerRun, DevicesAndSysctls) {
  Workload w =
      one("docker run --device /dev/fuse --device=/dev/sda:/dev/xvda:rwm --device /dev/kvm:rw "
          "--device-cgroup-rule 'a *:* rwm' --device-cgroup-rule='c 10:200 rwm' "
          "--device nvidia.com/gpu=all --gpus all "
          "--sysctl net.ipv4.ip_forward=1 --sysctl=kernel/shm_rmid_forced=1 x");
  ASSERT_EQ(w.devices.size(), 7u);
  EXPECT_EQ(w.devices[0].host_path, "/dev/fuse");
  EXPECT_EQ(w.devices[0].container_path, "");
  EXPECT_EQ(w.devices[1].host_path, "/dev/sda");
  EXPECT_EQ(w.devices[1].container_path, "/dev/xvda");
  EXPECT_EQ(w.devices[2].host_path, "/dev/kvm");
  EXPECT_EQ(w.devices[2].container_path, "");
  EXPECT_EQ(w.devices[3].host_path, "*");
  EXPECT_EQ(at(w.devices[3].where), std::pair(1, 84));
  EXPECT_EQ(w.devices[4].host_path, "c 10:200 rwm");
  EXPECT_EQ(w.devices[5].host_path, "nvidia.com/gpu=all");
  EXPECT_EQ(w.devices[6].host_path, "gpu:all");
  ASSERT_EQ(w.sysctls.size(), 2u);
  EXPECT_EQ(w.sysctls[0].name, "net.ipv4.ip_forward");
  EXPECT_EQ(w.sysctls[0].value, "1");
  EXPECT_EQ(w.sysctls[1].name, "kernel.shm_rmid_forced");
  EXPECT_EQ(one("docker run --device-cgroup-rule 'c *:* m' x").devices[0].host_path, "*");
}

TEST(AuditDockerRun, ArgumentsAreLocatedByTheirIndex) {
  Workload w = args("docker run --privileged -v /:/host alpine");
  EXPECT_EQ(w.object, "docker run alpine");
  EXPECT_EQ(w.where.file, "<command line>");
  EXPECT_EQ(w.privileged->where.column, 3);  // argv[2]
  EXPECT_EQ(w.privileged->where.line, 0);
  EXPECT_EQ(w.host_mounts[0].where.column, 4);
  // With a place given for argv[0], the columns count from there.
  std::vector<Workload> placed =
      read_docker_run_args({"sudo", "docker", "run", "--privileged", "x"}, {"ci.yml", 7, 5});
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].where.line, 7);
  EXPECT_EQ(placed[0].privileged->where.line, 7);
  EXPECT_EQ(placed[0].privileged->where.column, 8);
  EXPECT_EQ(placed[0].privileged->where.file, "ci.yml");
}

TEST(AuditDockerRun, ChecksSeeTheSettings) {
  // The mapping feeds the checks: a quick end-to-end sanity check of the common cases.
  std::set<std::string> ids;
  for (const Finding& f : evaluate_checks(
           one("docker run --privileged -v /var/run/docker.sock:/var/run/docker.sock --pid=host "
               "--cap-add SYS_ADMIN --security-opt seccomp=unconfined alpine")))
    ids.insert(f.check_id);
  for (const char* id : {"BH-PRIVILEGED", "BH-RUNTIME-SOCKET", "BH-HOST-PID",
                         "BH-SECCOMP-UNCONFINED", "BH-NO-NEW-PRIVS", "BH-RUN-AS-ROOT"})
    EXPECT_TRUE(ids.count(id)) << id;
}

// ---- Shell scanning --------------------------------------------------------------------------

TEST(AuditShellScan, ContinuationsKeepTrueLocations) {
  std::string script =
      "#!/bin/sh\n"
      "set -e\n"
      "docker run -d \\\n"
      "  --name web \\\n"
      "\t--privileged \\\n"
      "  -v /etc:/host/etc:ro \\\n"
      "  nginx:1.25\n";
  Workload w = one(script);
  EXPECT_EQ(w.object, "docker run nginx:1.25");
  EXPECT_EQ(at(w.where), std::pair(3, 1));
  EXPECT_EQ(w.where.file, kFile);
  EXPECT_EQ(at(w.privileged->where), std::pair(5, 2));
  EXPECT_EQ(at(w.host_mounts[0].where), std::pair(6, 3));
  // A continuation inside a word joins it.
  EXPECT_EQ(one("docker run --privi\\\nleged x").privileged->value, true);
}

TEST(AuditShellScan, SeveralCommandsInOrder) {
  std::string script =
      "docker network create shop; docker run -d --name db postgres:16 && "
      "docker run -d --name web nginx || docker run --rm busybox echo failed | tee log\n"
      "docker run redis & podman run --rm alpine\n"
      "(docker run a) ; { docker run b; }\n"
      "docker run c |& cat\n";
  std::vector<Workload> found = read_shell_script(script, kFile);
  std::vector<std::string> objects;
  for (const Workload& w : found) objects.push_back(w.object);
  EXPECT_EQ(objects, (Names{"docker run postgres:16", "docker run nginx", "docker run busybox",
                            "docker run redis", "podman run alpine", "docker run a", "docker run b",
                            "docker run c"}));
  EXPECT_EQ(at(found[1].where), std::pair(1, 68));
  EXPECT_EQ(at(found[4].where), std::pair(2, 20));
}

TEST(AuditShellScan, CommentsAreSkipped) {
  std::string script =
      "# docker run --privileged commented-out\n"
      "echo hi # docker run --privileged also a comment\n"
      "docker run --name a#b x  # --privileged\n"
      "  # docker run y\n";
  Workload w = one(script);
  EXPECT_EQ(w.object, "docker run x");
  EXPECT_FALSE(w.privileged);
}

TEST(AuditShellScan, QuotesAreRemoved) {
  Workload w =
      one("docker run -v \"/var/run/docker.sock:/var/run/docker.sock\" "
          "-v '/etc:/etc' -v \"$HOME/.ssh\":/root/.ssh --security-opt=\"seccomp=unconfined\" "
          "-e 'A=b c' --name \"my app\" $'ngi\\'nx'");
  ASSERT_EQ(w.host_mounts.size(), 3u);
  EXPECT_EQ(w.host_mounts[0].source, "/var/run/docker.sock");
  EXPECT_EQ(w.host_mounts[1].source, "/etc");
  EXPECT_EQ(w.host_mounts[2].source, "$HOME/.ssh");
  EXPECT_EQ(w.host_mounts[2].destination, "/root/.ssh");
  EXPECT_EQ(w.seccomp->value, "unconfined");
  EXPECT_EQ(w.object, "docker run ngi'nx");
  // A quoted word keeps its location at the opening quote.
  EXPECT_EQ(at(one("docker run \"--privileged\" x").privileged->where), std::pair(1, 12));
}

TEST(AuditShellScan, VariablesStayLiteral) {
  Workload w = one("docker run -v $X:/y -v \"${VOL}\":/data --user $APP_UID $IMAGE");
  ASSERT_EQ(w.host_mounts.size(), 2u);
  EXPECT_EQ(w.host_mounts[0].source, "$X");
  EXPECT_EQ(w.host_mounts[1].source, "${VOL}");
  EXPECT_EQ(w.user->value, "$APP_UID");
  EXPECT_EQ(w.object, "docker run $IMAGE");
  EXPECT_EQ(one("docker run --name \"${NAME:-web}\" x").object, "docker run x");
}

TEST(AuditShellScan, CommandSubstitutionsHoldCommands) {
  std::string script =
      "ID=$(docker run -d --privileged alpine)\n"
      "echo \"started $(podman run --rm --pid=host busybox id)\"\n"
      "OLD=`docker run --rm --ipc=host busybox`\n"
      "diff <(docker run a1 cat /etc/os-release) <(docker run a2 cat /etc/os-release)\n"
      "docker run -v $(pwd)/data:/data -e N=$((1 + 2)) web\n";
  std::vector<Workload> found = read_shell_script(script, kFile);
  std::vector<std::string> objects;
  for (const Workload& w : found) objects.push_back(w.object);
  EXPECT_EQ(objects, (Names{"docker run alpine", "podman run busybox", "docker run busybox",
                            "docker run a1", "docker run a2", "docker run web"}));
  EXPECT_EQ(at(found[0].privileged->where), std::pair(1, 20));
  EXPECT_EQ(at(found[1].host_namespaces.pid->where), std::pair(2, 33));
  EXPECT_TRUE(found[2].host_namespaces.ipc);
  EXPECT_EQ(found[5].host_mounts[0].source, "$(pwd)/data");
}

TEST(AuditShellScan, HeredocBodiesAreSkipped) {
  std::string script =
      "cat <<EOF > /etc/motd\n"
      "Don't docker run --privileged here \"\n"
      "EOF\n"
      "cat <<-'END' | ssh host sh\n"
      "\tdocker run --privileged x\n"
      "\tEND\n"
      "docker run --read-only after <<< \"it's\"\n";
  Workload w = one(script);
  EXPECT_EQ(w.object, "docker run after");
  EXPECT_EQ(at(w.where), std::pair(7, 1));
}

TEST(AuditShellScan, RedirectionsAreNotArguments) {
  Workload w = one("docker run -d --name x alpine > /dev/null 2>&1");
  EXPECT_EQ(w.object, "docker run alpine");
  EXPECT_EQ(one("docker run 2>>err.log --privileged alpine").privileged->value, true);
  EXPECT_EQ(one("docker run &>/dev/null -d alpine").object, "docker run alpine");
  EXPECT_EQ(one("</dev/null docker run alpine").object, "docker run alpine");
}

TEST(AuditShellScan, CrlfLineEndings) {
  // A script saved with Windows line endings: a shell would take the backslash to escape the
  // CR, but the run line that was meant is audited (a backslash before CR LF continues it).
  Workload w = one("docker run \\\r\n  --privileged \\\r\n  alpine\r\n");
  EXPECT_EQ(w.object, "docker run alpine");
  EXPECT_EQ(at(w.privileged->where), std::pair(2, 3));
}

TEST(AuditShellScan, UnterminatedQuotesAreLocatedErrors) {
  struct Case {
    std::string script;
    int line, column;
  } cases[] = {
      {"docker run \\\n  -v \"/etc:/etc \\\n  alpine\n", 2, 6},
      {"echo ok\ndocker run -e 'A=1 alpine\n", 2, 15},
      {"X=$(docker run alpine\n", 1, 3},
      {"X=`docker run alpine\n", 1, 3},
      {"echo ${A:-\n", 1, 6},
      {"echo $'abc\n", 1, 6},
      {"echo \"$(echo 'x)\"\n", 1, 14},
  };
  for (const Case& c : cases) {
    try {
      read_shell_script(c.script, kFile);
      ADD_FAILURE() << "no error for: " << c.script;
    } catch (const Error& e) {
      ASSERT_TRUE(e.where()) << c.script;
      EXPECT_EQ(e.where()->file, kFile);
      EXPECT_EQ(e.where()->line, c.line) << c.script << e.what();
      EXPECT_EQ(e.where()->column, c.column) << c.script << e.what();
    }
  }
}

TEST(AuditShellScan, DeepNestingIsAnErrorNotACrash) {
  std::string script = "echo ";
  for (int i = 0; i < 500; ++i) script += "$(";
  EXPECT_THROW(read_shell_script(script, kFile), Error);
  EXPECT_TRUE(read_shell_script("", kFile).empty());
  EXPECT_TRUE(read_shell_script("\\", kFile).empty());
}

// ---- Fixtures ---------------------------------------------------------------------------------

std::set<std::tuple<std::string, std::string, int>> findings_of(const std::string& path) {
  std::set<std::tuple<std::string, std::string, int>> out;
  for (const Finding& f : audit_file(path, InputFormat::DockerRun))
    out.insert({f.check_id, f.object, f.where.line});
  return out;
}

TEST(AuditShellScan, RealisticDeployScript) {
  std::string path = std::string(BULKHEAD_SOURCE_DIR) + "/tests/data/audit/realistic/deploy.sh";
  std::vector<Workload> found = read_shell_script(read_file(path), path);
  std::vector<std::string> objects;
  for (const Workload& w : found) objects.push_back(w.object);
  EXPECT_EQ(objects, (Names{"docker run postgres:16.2", "docker run ${REGISTRY}/web:${VERSION}",
                            "docker run ${REGISTRY}/worker:${VERSION}", "docker run traefik:v2.11",
                            "podman run docker.io/restic/restic:0.16.2"}));
  auto got = findings_of(path);
  const std::string db = "docker run postgres:16.2";
  const std::string web = "docker run ${REGISTRY}/web:${VERSION}";
  const std::string worker = "docker run ${REGISTRY}/worker:${VERSION}";
  const std::string proxy = "docker run traefik:v2.11";
  const std::string backup = "podman run docker.io/restic/restic:0.16.2";
  std::set<std::tuple<std::string, std::string, int>> want = {
      // database: data directories behind variables are not judged; nothing hardened
      {"BH-CAP-NOT-DROPPED", db, 22},
      {"BH-NO-NEW-PRIVS", db, 22},
      {"BH-RUN-AS-ROOT", db, 22},
      {"BH-ROOTFS-WRITABLE", db, 22},
      {"BH-NO-PIDS-LIMIT", db, 22},
      // web: hardened
      // worker
      {"BH-CAP-SYSPTRACE", worker, 44},
      {"BH-CAP-NOT-DROPPED", worker, 42},
      {"BH-NO-NEW-PRIVS", worker, 42},
      {"BH-ROOTFS-WRITABLE", worker, 42},
      {"BH-NO-PIDS-LIMIT", worker, 42},
      // proxy
      {"BH-HOST-NETWORK", proxy, 50},
      {"BH-RUNTIME-SOCKET", proxy, 51},
      {"BH-CAP-NOT-DROPPED", proxy, 49},
      {"BH-NO-NEW-PRIVS", proxy, 49},
      {"BH-RUN-AS-ROOT", proxy, 49},
      {"BH-ROOTFS-WRITABLE", proxy, 49},
      {"BH-NO-MEMORY-LIMIT", proxy, 49},
      {"BH-NO-PIDS-LIMIT", proxy, 49},
      // backup, inside $(…)
      {"BH-PRIVILEGED", backup, 57},
      {"BH-MOUNT-HOST-ROOT", backup, 57},
      {"BH-RUN-AS-ROOT", backup, 57},
      {"BH-ROOTFS-WRITABLE", backup, 57},
      {"BH-NO-MEMORY-LIMIT", backup, 57},
      {"BH-NO-PIDS-LIMIT", backup, 57},
      {"BH-NO-NEW-PRIVS", backup, 57},
  };
  for (const auto& f : got) {
    if (!want.count(f))
      ADD_FAILURE() << "unexpected " << std::get<0>(f) << " " << std::get<1>(f) << ":"
                    << std::get<2>(f);
  }
  for (const auto& f : want) {
    if (!got.count(f))
      ADD_FAILURE() << "missing " << std::get<0>(f) << " " << std::get<1>(f) << ":"
                    << std::get<2>(f);
  }
}

}  // namespace
}  // namespace bulkhead::audit
