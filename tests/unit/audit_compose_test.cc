// compose files: every service setting into Workload fields with the line and column of its
// key (or list entry), merge keys with the anchor's locations, the v1 layout, and located
// errors for malformed YAML and wrong types.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "audit/audit.h"
#include "audit/inputs.h"
#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::audit {
namespace {

const std::string kFile = "compose.yaml";
using Names = std::vector<std::string>;

std::pair<int, int> at(const SourceLocation& where) {
  return {where.line, where.column};
}

Workload service(const std::string& yaml, size_t index = 0) {
  std::vector<Workload> found = read_compose(yaml, kFile);
  EXPECT_GT(found.size(), index) << yaml;
  if (found.size() <= index) return Workload{};
  return found[index];
}

std::vector<std::string> names(const std::vector<Located<std::string>>& caps) {
  std::vector<std::string> out;
  for (const auto& cap : caps) out.push_back(cap.value);
  return out;
}

TEST(AuditCompose, OneWorkloadPerService) {
  std::vector<Workload> found = read_compose(
      "version: \"3.8\"\n"
      "services:\n"
      "  web:\n"
      "    image: nginx\n"
      "  db:\n"
      "    image: postgres\n"
      "  empty:\n",
      kFile);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].object, "service web");
  EXPECT_EQ(found[0].format, InputFormat::Compose);
  EXPECT_EQ(at(found[0].where), std::pair(3, 3));
  EXPECT_EQ(found[0].where.file, kFile);
  EXPECT_EQ(found[1].object, "service db");
  EXPECT_EQ(at(found[1].where), std::pair(5, 3));
  EXPECT_EQ(found[2].object, "service empty");
  EXPECT_TRUE(read_compose("services: {}\n", kFile).empty());
  EXPECT_TRUE(read_compose("services:\n", kFile).empty());
}

TEST(AuditCompose, EverySetting) {
  std::string yaml =
      "services:\n"                            // 1
      "  app:\n"                               // 2
      "    image: example/app:1\n"             // 3
      "    privileged: true\n"                 // 4
      "    cap_add:\n"                         // 5
      "      - SYS_ADMIN\n"                    // 6
      "      - cap_net_admin\n"                // 7
      "    cap_drop: [ALL]\n"                  // 8
      "    security_opt:\n"                    // 9
      "      - no-new-privileges:true\n"       // 10
      "      - seccomp:unconfined\n"           // 11
      "      - apparmor=unconfined\n"          // 12
      "      - label:disable\n"                // 13
      "      - systempaths=unconfined\n"       // 14
      "    pid: host\n"                        // 15
      "    ipc: host\n"                        // 16
      "    uts: host\n"                        // 17
      "    userns_mode: host\n"                // 18
      "    network_mode: host\n"               // 19
      "    user: \"0:0\"\n"                    // 20
      "    read_only: true\n"                  // 21
      "    mem_limit: 256m\n"                  // 22
      "    pids_limit: 64\n"                   // 23
      "    devices:\n"                         // 24
      "      - /dev/fuse\n"                    // 25
      "      - /dev/sda:/dev/xvda:rwm\n"       // 26
      "      - source: /dev/kvm\n"             // 27
      "        target: /dev/kvm\n"             // 28
      "        permissions: rwm\n"             // 29
      "    device_cgroup_rules:\n"             // 30
      "      - 'a *:* rwm'\n"                  // 31
      "    sysctls:\n"                         // 32
      "      net.ipv4.ip_forward: 1\n"         // 33
      "      kernel.shm_rmid_forced: \"1\"\n"  // 34
      "    tmpfs:\n"                           // 35
      "      - /run\n";                        // 36
  Workload w = service(yaml);
  ASSERT_TRUE(w.privileged);
  EXPECT_TRUE(w.privileged->value);
  EXPECT_EQ(at(w.privileged->where), std::pair(4, 5));
  EXPECT_EQ(names(w.capabilities.added), (Names{"SYS_ADMIN", "NET_ADMIN"}));
  EXPECT_EQ(at(w.capabilities.added[1].where), std::pair(7, 9));
  EXPECT_EQ(names(w.capabilities.dropped), Names{"ALL"});
  EXPECT_EQ(at(w.capabilities.dropped[0].where), std::pair(8, 16));
  EXPECT_TRUE(w.no_new_privileges->value);
  EXPECT_EQ(at(w.no_new_privileges->where), std::pair(10, 9));
  EXPECT_EQ(w.seccomp->value, "unconfined");
  EXPECT_EQ(at(w.seccomp->where), std::pair(11, 9));
  EXPECT_EQ(w.apparmor->value, "unconfined");
  EXPECT_EQ(w.selinux->value, "disable");
  EXPECT_TRUE(w.proc_unmasked->value);
  EXPECT_EQ(at(w.proc_unmasked->where), std::pair(14, 9));
  EXPECT_EQ(at(w.host_namespaces.pid->where), std::pair(15, 5));
  EXPECT_EQ(at(w.host_namespaces.ipc->where), std::pair(16, 5));
  EXPECT_EQ(at(w.host_namespaces.uts->where), std::pair(17, 5));
  EXPECT_EQ(at(w.host_namespaces.user->where), std::pair(18, 5));
  EXPECT_EQ(at(w.host_namespaces.network->where), std::pair(19, 5));
  EXPECT_EQ(w.user->value, "0:0");
  EXPECT_EQ(at(w.user->where), std::pair(20, 5));
  EXPECT_TRUE(w.read_only_rootfs->value);
  EXPECT_EQ(w.memory_limit->value, "256m");
  EXPECT_EQ(at(w.memory_limit->where), std::pair(22, 5));
  EXPECT_EQ(w.pids_limit->value, "64");
  ASSERT_EQ(w.devices.size(), 4u);
  EXPECT_EQ(w.devices[0].host_path, "/dev/fuse");
  EXPECT_EQ(at(w.devices[0].where), std::pair(25, 9));
  EXPECT_EQ(w.devices[1].container_path, "/dev/xvda");
  EXPECT_EQ(w.devices[2].host_path, "/dev/kvm");
  EXPECT_EQ(at(w.devices[2].where), std::pair(27, 9));
  EXPECT_EQ(w.devices[3].host_path, "*");
  ASSERT_EQ(w.sysctls.size(), 2u);
  EXPECT_EQ(w.sysctls[0].name, "net.ipv4.ip_forward");
  EXPECT_EQ(w.sysctls[0].value, "1");
  EXPECT_EQ(at(w.sysctls[0].where), std::pair(33, 7));
  EXPECT_TRUE(w.host_mounts.empty());
  EXPECT_TRUE(w.volumes.empty());  // tmpfs is not a volume
}

TEST(AuditCompose, NotSetStaysUnset) {
  Workload w = service(
      "services:\n  web:\n    image: nginx\n    user:\n    pid: service:db\n"
      "    network_mode: \"service:vpn\"\n    ipc: shareable\n");
  EXPECT_FALSE(w.privileged);
  EXPECT_FALSE(w.user);
  EXPECT_FALSE(w.host_namespaces.pid);
  EXPECT_FALSE(w.host_namespaces.network);
  EXPECT_FALSE(w.host_namespaces.ipc);
  EXPECT_FALSE(w.memory_limit);
  EXPECT_FALSE(w.no_new_privileges);
  EXPECT_FALSE(w.seccomp);
}

TEST(AuditCompose, BooleansAndInterpolation) {
  auto privileged = [](const std::string& value) {
    return service("services:\n  x:\n    privileged: " + value + "\n").privileged;
  };
  EXPECT_TRUE(privileged("true")->value);
  EXPECT_TRUE(privileged("\"true\"")->value);
  EXPECT_TRUE(privileged("yes")->value);
  EXPECT_FALSE(privileged("false")->value);
  EXPECT_FALSE(privileged("off")->value);
  EXPECT_TRUE(privileged("${PRIVILEGED:-true}")->value);
  EXPECT_FALSE(privileged("${PRIVILEGED-false}")->value);
  EXPECT_FALSE(privileged("${PRIVILEGED}"));  // undecidable
  EXPECT_TRUE(service("services:\n  x:\n    user: 1000\n").user->value == "1000");
}

TEST(AuditCompose, VolumesShortAndLongSyntax) {
  std::string yaml =
      "services:\n"                                          // 1
      "  app:\n"                                             // 2
      "    volumes:\n"                                       // 3
      "      - /var/run/docker.sock:/var/run/docker.sock\n"  // 4
      "      - ./data:/data\n"                               // 5
      "      - ~/.ssh:/root/.ssh:ro\n"                       // 6
      "      - db:/var/lib/postgresql/data\n"                // 7
      "      - /cache\n"                                     // 8
      "      - /etc/:/host/etc:ro,z\n"                       // 9
      "      - ${DATA_DIR:-/srv/data}:/srv:rshared\n"        // 10
      "      - type: bind\n"                                 // 11
      "        source: /sys\n"                               // 12
      "        target: /host/sys\n"                          // 13
      "        read_only: true\n"                            // 14
      "        bind:\n"                                      // 15
      "          propagation: rslave\n"                      // 16
      "      - type: volume\n"                               // 17
      "        source: logs\n"                               // 18
      "        target: /logs\n"                              // 19
      "      - type: tmpfs\n"                                // 20
      "        target: /tmp\n"                               // 21
      "      - type: bind\n"                                 // 22
      "        source: /var/lib/../lib/kubelet/\n"           // 23
      "        target: /kubelet\n"                           // 24
      "        bind: {propagation: shared}\n";               // 25
  Workload w = service(yaml);
  ASSERT_EQ(w.host_mounts.size(), 7u);
  EXPECT_EQ(w.host_mounts[0].source, "/var/run/docker.sock");
  EXPECT_EQ(at(w.host_mounts[0].where), std::pair(4, 9));
  EXPECT_EQ(w.host_mounts[1].source, "./data");
  EXPECT_EQ(w.host_mounts[2].source, "~/.ssh");
  EXPECT_TRUE(w.host_mounts[2].read_only);
  EXPECT_EQ(w.host_mounts[3].source, "/etc");
  EXPECT_TRUE(w.host_mounts[3].read_only);
  EXPECT_EQ(w.host_mounts[4].source, "${DATA_DIR:-/srv/data}");
  EXPECT_EQ(w.host_mounts[4].destination, "/srv");
  EXPECT_EQ(w.host_mounts[4].propagation, "rshared");
  EXPECT_EQ(w.host_mounts[5].source, "/sys");
  EXPECT_EQ(w.host_mounts[5].destination, "/host/sys");
  EXPECT_TRUE(w.host_mounts[5].read_only);
  EXPECT_EQ(w.host_mounts[5].propagation, "rslave");
  EXPECT_EQ(at(w.host_mounts[5].where), std::pair(11, 9));
  EXPECT_EQ(w.host_mounts[6].source, "/var/lib/kubelet");
  EXPECT_EQ(w.host_mounts[6].propagation, "shared");
  ASSERT_EQ(w.volumes.size(), 3u);
  EXPECT_EQ(w.volumes[0].name, "db");
  EXPECT_EQ(w.volumes[1].name, "");
  EXPECT_EQ(w.volumes[1].destination, "/cache");
  EXPECT_EQ(w.volumes[2].name, "logs");
}

TEST(AuditCompose, NamedVolumeBoundToAHostDirectory) {
  std::string yaml =
      "services:\n"
      "  app:\n"
      "    volumes:\n"
      "      - hostetc:/host/etc:ro\n"
      "      - type: volume\n"
      "        source: hostetc\n"
      "        target: /etc2\n"
      "      - plain:/plain\n"
      "volumes:\n"
      "  hostetc:\n"
      "    driver: local\n"
      "    driver_opts:\n"
      "      type: none\n"
      "      o: bind\n"
      "      device: /etc\n"
      "  plain:\n";
  Workload w = service(yaml);
  ASSERT_EQ(w.host_mounts.size(), 2u);
  EXPECT_EQ(w.host_mounts[0].source, "/etc");
  EXPECT_EQ(w.host_mounts[0].destination, "/host/etc");
  EXPECT_TRUE(w.host_mounts[0].read_only);
  EXPECT_EQ(at(w.host_mounts[0].where), std::pair(4, 9));
  EXPECT_EQ(w.host_mounts[1].source, "/etc");
  ASSERT_EQ(w.volumes.size(), 1u);
  EXPECT_EQ(w.volumes[0].name, "plain");
}

TEST(AuditCompose, LimitsFromDeploy) {
  std::string yaml =
      "services:\n"
      "  a:\n"
      "    deploy:\n"
      "      resources:\n"
      "        limits:\n"
      "          memory: 1G\n"
      "          pids: 100\n"
      "  b:\n"
      "    mem_limit: 512m\n"
      "    deploy:\n"
      "      resources:\n"
      "        limits:\n"
      "          memory: 1G\n"
      "  c:\n"
      "    mem_limit: 0\n"
      "    pids_limit: -1\n";
  Workload a = service(yaml, 0);
  EXPECT_EQ(a.memory_limit->value, "1G");
  EXPECT_EQ(at(a.memory_limit->where), std::pair(6, 11));
  EXPECT_EQ(a.pids_limit->value, "100");
  EXPECT_EQ(at(a.pids_limit->where), std::pair(7, 11));
  Workload b = service(yaml, 1);
  EXPECT_EQ(b.memory_limit->value, "512m");  // mem_limit wins
  EXPECT_EQ(at(b.memory_limit->where), std::pair(9, 5));
  Workload c = service(yaml, 2);
  EXPECT_FALSE(c.memory_limit);  // 0 and -1 mean unlimited
  EXPECT_FALSE(c.pids_limit);
}

TEST(AuditCompose, SysctlsAsAList) {
  Workload w = service(
      "services:\n  x:\n    sysctls:\n      - net.core.somaxconn=1024\n"
      "      - net/ipv4/ip_forward=1\n");
  ASSERT_EQ(w.sysctls.size(), 2u);
  EXPECT_EQ(w.sysctls[0].name, "net.core.somaxconn");
  EXPECT_EQ(w.sysctls[0].value, "1024");
  EXPECT_EQ(at(w.sysctls[0].where), std::pair(4, 9));
  EXPECT_EQ(w.sysctls[1].name, "net.ipv4.ip_forward");
}

TEST(AuditCompose, MergeKeysUseTheAnchorsLocations) {
  std::string yaml =
      "x-base: &base\n"              // 1
      "  privileged: true\n"         // 2
      "  user: root\n"               // 3
      "  cap_add: [SYS_ADMIN]\n"     // 4
      "x-limits: &limits\n"          // 5
      "  mem_limit: 1g\n"            // 6
      "  user: nobody\n"             // 7
      "x-nested: &nested\n"          // 8
      "  <<: *limits\n"              // 9
      "  pids_limit: 50\n"           // 10
      "services:\n"                  // 11
      "  web:\n"                     // 12
      "    <<: *base\n"              // 13
      "    user: \"1000\"\n"         // 14
      "  worker:\n"                  // 15
      "    <<: [*base, *nested]\n"   // 16
      "    image: worker\n"          // 17
      "  db:\n"                      // 18
      "    <<: [*nested, *base]\n";  // 19
  std::vector<Workload> found = read_compose(yaml, kFile);
  ASSERT_EQ(found.size(), 3u);
  const Workload& web = found[0];
  EXPECT_TRUE(web.privileged->value);
  EXPECT_EQ(at(web.privileged->where), std::pair(2, 3));
  EXPECT_EQ(web.user->value, "1000");  // the service's own key wins
  EXPECT_EQ(at(web.user->where), std::pair(14, 5));
  EXPECT_EQ(names(web.capabilities.added), Names{"SYS_ADMIN"});
  EXPECT_EQ(at(web.capabilities.added[0].where), std::pair(4, 13));
  const Workload& worker = found[1];
  EXPECT_EQ(worker.user->value, "root");  // the earlier mapping in the list wins
  EXPECT_EQ(at(worker.user->where), std::pair(3, 3));
  EXPECT_EQ(worker.memory_limit->value, "1g");  // merged through two levels
  EXPECT_EQ(at(worker.memory_limit->where), std::pair(6, 3));
  EXPECT_EQ(worker.pids_limit->value, "50");
  EXPECT_EQ(at(worker.pids_limit->where), std::pair(10, 3));
  const Workload& db = found[2];
  EXPECT_EQ(db.user->value, "nobody");
  EXPECT_EQ(at(db.where), std::pair(18, 3));
}

TEST(AuditCompose, MergeKeysInNestedMappings) {
  std::string yaml =
      "x-res: &res\n"
      "  limits:\n"
      "    memory: 2G\n"
      "services:\n"
      "  a:\n"
      "    deploy:\n"
      "      resources:\n"
      "        <<: *res\n"
      "    volumes:\n"
      "      - <<: {type: bind, target: /x}\n"
      "        source: /etc\n";
  Workload w = service(yaml);
  EXPECT_EQ(w.memory_limit->value, "2G");
  EXPECT_EQ(at(w.memory_limit->where), std::pair(3, 5));
  ASSERT_EQ(w.host_mounts.size(), 1u);
  EXPECT_EQ(w.host_mounts[0].source, "/etc");
  EXPECT_EQ(w.host_mounts[0].destination, "/x");
}

TEST(AuditCompose, VersionOneLayout) {
  std::vector<Workload> found = read_compose(
      "web:\n"
      "  image: nginx\n"
      "  privileged: true\n"
      "  net: host\n"
      "db:\n"
      "  image: postgres\n"
      "x-notes: {a: 1}\n"
      "version: '1'\n",
      kFile);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].object, "service web");
  EXPECT_TRUE(found[0].privileged->value);
  EXPECT_TRUE(found[0].host_namespaces.network->value);
  EXPECT_EQ(found[1].object, "service db");
}

// ---- Errors --------------------------------------------------------------------------------

struct ErrorCase {
  std::string yaml;
  int line, column;
  std::string field;
};

void expect_error(const ErrorCase& c) {
  try {
    read_compose(c.yaml, kFile);
    ADD_FAILURE() << "no error for:\n" << c.yaml;
  } catch (const Error& e) {
    ASSERT_TRUE(e.where()) << e.what();
    EXPECT_EQ(e.where()->file, kFile);
    EXPECT_EQ(e.where()->line, c.line) << e.what();
    EXPECT_EQ(e.where()->column, c.column) << e.what();
    EXPECT_EQ(e.field(), c.field) << e.what();
  }
}

TEST(AuditCompose, WrongTypesAreLocatedErrors) {
  expect_error({"services:\n  web:\n    privileged: [1]\n", 3, 17, "services.web.privileged"});
  expect_error({"services:\n  web:\n    privileged: maybe\n", 3, 17, "services.web.privileged"});
  expect_error({"services:\n  web:\n    cap_add: SYS_ADMIN\n", 3, 14, "services.web.cap_add"});
  expect_error({"services:\n  web:\n    cap_add:\n      - [x]\n", 4, 9, "services.web.cap_add[0]"});
  expect_error({"services:\n  web:\n    volumes:\n      - a:/a\n      - [x]\n", 5, 9,
                "services.web.volumes[1]"});
  expect_error({"services:\n  web:\n    volumes:\n      - type: bind\n        source: [x]\n", 5, 17,
                "services.web.volumes[0].source"});
  expect_error({"services:\n  web: nginx\n", 2, 8, "services.web"});
  expect_error({"services: [web]\n", 1, 11, "services"});
  expect_error({"services:\n  web:\n    deploy:\n      resources:\n        limits: 5\n", 5, 17,
                "services.web.deploy.resources.limits"});
  expect_error({"services:\n  web:\n    user: {name: x}\n", 3, 11, "services.web.user"});
  expect_error({"services:\n  web:\n    devices:\n      - target: /dev/x\n", 4, 9,
                "services.web.devices[0]"});
  expect_error({"services:\n  web:\n    image: a\n    image: b\n", 4, 5, "services.web.image"});
  expect_error({"services:\n  web:\n    <<: 5\n", 3, 9, "services.web.<<"});
  expect_error({"- a\n- b\n", 1, 1, ""});
}

TEST(AuditCompose, MalformedYamlIsALocatedError) {
  expect_error({"services:\n  web:\n    image: [nginx\n", 4, 1, ""});
  expect_error({"services:\n  web: {image: nginx\n", 3, 1, ""});
  expect_error({"services:\n  web:\n    image: nginx\n   bad: 1\n", 4, 4, ""});
  expect_error({"services:\n  web: {}\n---\nservices: {}\n", 4, 1, ""});
  expect_error({"", 1, 1, ""});
  expect_error({"services:\n  web:\n    <<: *missing\n", 3, 9, ""});
}

TEST(AuditCompose, HostileInputDoesNotHang) {
  // A lone "," is what makes yaml-cpp's LoadAll loop; reading one document must stop.
  EXPECT_THROW(read_compose(",", kFile), Error);
  EXPECT_THROW(read_compose("services:\n  a: &a\n    <<: *a\n", kFile), Error);
  // Each level merges the previous anchor eight times: 8^12 entries if expanded naively.
  std::string wide = "x-0: &a0 {privileged: true}\n";
  for (int i = 1; i <= 12; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    wide += "x-" + std::to_string(i) + ": &a" + std::to_string(i) + " {<<: [" + prev;
    for (int j = 1; j < 8; ++j) wide += ", " + prev;
    wide += "]}\n";
  }
  wide += "services:\n  a:\n    <<: *a12\n";
  EXPECT_THROW(read_compose(wide, kFile), Error);
  std::string deep = "services:\n  a:\n    volumes: ";
  for (int i = 0; i < 5000; ++i) deep += "[";
  EXPECT_THROW(read_compose(deep, kFile), Error);
}

// ---- Fixtures ------------------------------------------------------------------------------

TEST(AuditCompose, RealisticStack) {
  std::string path =
      std::string(BULKHEAD_SOURCE_DIR) + "/tests/data/audit/realistic/compose-stack.yaml";
  std::vector<Workload> found = read_compose(read_file(path), path);
  std::vector<std::string> objects;
  for (const Workload& w : found) objects.push_back(w.object);
  EXPECT_EQ(objects,
            (Names{"service proxy", "service web", "service worker", "service db", "service cache",
                   "service portainer", "service cadvisor", "service vpn"}));
  std::set<std::tuple<std::string, std::string, int>> got;
  for (const Finding& f : audit_file(path, InputFormat::Compose))
    got.insert({f.check_id, f.object, f.where.line});
  std::set<std::tuple<std::string, std::string, int>> want = {
      // proxy (traefik) reads the Docker socket
      {"BH-RUNTIME-SOCKET", "service proxy", 41},
      {"BH-CAP-NOT-DROPPED", "service proxy", 31},
      {"BH-NO-NEW-PRIVS", "service proxy", 31},
      {"BH-RUN-AS-ROOT", "service proxy", 31},
      {"BH-ROOTFS-WRITABLE", "service proxy", 31},
      {"BH-NO-MEMORY-LIMIT", "service proxy", 31},
      {"BH-NO-PIDS-LIMIT", "service proxy", 31},
      // web: hardened through the anchors
      // worker: hardened, but a capability was added
      {"BH-CAP-SYSPTRACE", "service worker", 56},
      // db
      {"BH-CAP-NOT-DROPPED", "service db", 58},
      {"BH-NO-NEW-PRIVS", "service db", 58},
      {"BH-RUN-AS-ROOT", "service db", 58},
      {"BH-ROOTFS-WRITABLE", "service db", 58},
      {"BH-NO-PIDS-LIMIT", "service db", 58},
      // cache
      {"BH-SYSCTL-UNSAFE", "service cache", 76},
      {"BH-CAP-NOT-DROPPED", "service cache", 72},
      {"BH-NO-NEW-PRIVS", "service cache", 72},
      {"BH-RUN-AS-ROOT", "service cache", 72},
      {"BH-ROOTFS-WRITABLE", "service cache", 72},
      {"BH-NO-MEMORY-LIMIT", "service cache", 72},
      {"BH-NO-PIDS-LIMIT", "service cache", 72},
      // portainer
      {"BH-RUNTIME-SOCKET", "service portainer", 85},
      {"BH-CAP-NOT-DROPPED", "service portainer", 80},
      {"BH-NO-NEW-PRIVS", "service portainer", 80},
      {"BH-RUN-AS-ROOT", "service portainer", 80},
      {"BH-ROOTFS-WRITABLE", "service portainer", 80},
      {"BH-NO-MEMORY-LIMIT", "service portainer", 80},
      {"BH-NO-PIDS-LIMIT", "service portainer", 80},
      // cadvisor
      {"BH-PRIVILEGED", "service cadvisor", 90},
      {"BH-DEVICE", "service cadvisor", 92},
      {"BH-MOUNT-HOST-ROOT", "service cadvisor", 94},
      {"BH-RUNTIME-SOCKET", "service cadvisor", 95},
      {"BH-MOUNT-SENSITIVE", "service cadvisor", 96},
      {"BH-MOUNT-SENSITIVE", "service cadvisor", 97},
      {"BH-NO-NEW-PRIVS", "service cadvisor", 88},
      {"BH-RUN-AS-ROOT", "service cadvisor", 88},
      {"BH-ROOTFS-WRITABLE", "service cadvisor", 88},
      {"BH-NO-MEMORY-LIMIT", "service cadvisor", 88},
      {"BH-NO-PIDS-LIMIT", "service cadvisor", 88},
      // vpn
      {"BH-CAP-NETADMIN", "service vpn", 102},
      {"BH-DEVICE", "service vpn", 104},
      {"BH-CAP-NOT-DROPPED", "service vpn", 99},
      {"BH-NO-NEW-PRIVS", "service vpn", 99},
      {"BH-RUN-AS-ROOT", "service vpn", 99},
      {"BH-ROOTFS-WRITABLE", "service vpn", 99},
      {"BH-NO-MEMORY-LIMIT", "service vpn", 99},
      {"BH-NO-PIDS-LIMIT", "service vpn", 99},
  };
  for (const auto& f : got)
    if (!want.count(f))
      ADD_FAILURE() << "unexpected " << std::get<0>(f) << " " << std::get<1>(f) << ":"
                    << std::get<2>(f);
  for (const auto& f : want)
    if (!got.count(f))
      ADD_FAILURE() << "missing " << std::get<0>(f) << " " << std::get<1>(f) << ":"
                    << std::get<2>(f);
}

}  // namespace
}  // namespace bulkhead::audit
