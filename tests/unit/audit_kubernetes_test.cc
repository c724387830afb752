// read_kubernetes: which containers a manifest yields, how pod- and container-level settings
// combine, where each setting is (line and column), and that malformed manifests give located
// errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "audit/catalogue.h"
#include "audit/checks.h"
#include "audit/inputs.h"
#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::audit {
namespace {

const std::string kSourceDir = BULKHEAD_SOURCE_DIR;

std::vector<Workload> read(const std::string& text) {
  return read_kubernetes(text, "manifest.yaml");
}

const Workload& only(const std::vector<Workload>& workloads) {
  EXPECT_EQ(workloads.size(), 1u);
  static const Workload empty;
  return workloads.empty() ? empty : workloads.front();
}

std::set<std::string> check_ids(const std::vector<Finding>& findings) {
  std::set<std::string> ids;
  for (const Finding& f : findings) ids.insert(f.check_id);
  return ids;
}

std::set<std::string> check_ids(const Workload& workload) {
  return check_ids(evaluate_checks(workload));
}

// The error read_kubernetes throws for `text`.
Error error_of(const std::string& text) {
  try {
    read(text);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return Error("none");
}

void expect_at(const SourceLocation& where, int line, int column) {
  EXPECT_EQ(where.file, "manifest.yaml");
  EXPECT_EQ(where.line, line);
  EXPECT_EQ(where.column, column);
}

// -- Kinds and objects

std::string pod_spec_at(int indent) {
  std::string pad(static_cast<size_t>(indent), ' ');
  return pad + "containers:\n" + pad + "- name: app\n" + pad + "  image: nginx\n";
}

TEST(AuditKubernetesKinds, EveryWorkloadKindYieldsItsContainer) {
  struct Case {
    std::string kind;
    std::string text;
  };
  std::vector<Case> cases = {
      {"Pod", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n" + pod_spec_at(2)},
      {"CronJob",
       "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: p\nspec:\n  jobTemplate:\n"
       "    spec:\n      template:\n        spec:\n" +
           pod_spec_at(10)},
  };
  for (std::string kind :
       {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"})
    cases.push_back({kind, "apiVersion: apps/v1\nkind: " + kind +
                               "\nmetadata:\n  name: p\nspec:\n  template:\n    spec:\n" +
                               pod_spec_at(6)});
  for (const Case& c : cases) {
    std::vector<Workload> workloads = read(c.text);
    ASSERT_EQ(workloads.size(), 1u) << c.kind;
    EXPECT_EQ(workloads[0].object, c.kind + " default/p container app");
    EXPECT_EQ(workloads[0].format, InputFormat::Kubernetes);
    EXPECT_GT(workloads[0].where.line, 0) << c.kind;
  }
}

TEST(AuditKubernetesKinds, OtherKindsAndNonObjectsAreSkipped) {
  EXPECT_TRUE(read("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n"
                   "  - port: 80\n")
                  .empty());
  EXPECT_TRUE(read("apiVersion: v1\nkind: ConfigMap\ndata:\n  containers: x\n").empty());
  EXPECT_TRUE(read("replicaCount: 3\nimage:\n  tag: latest\n").empty());  // a values file
  EXPECT_TRUE(read("").empty());
  EXPECT_TRUE(read("# nothing but a comment\n").empty());
  // A Deployment without a template runs nothing (the API server would refuse it anyway).
  EXPECT_TRUE(read("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n").empty());
}

TEST(AuditKubernetesKinds, InitAndEphemeralContainersAreWorkloadsToo) {
  std::vector<Workload> workloads = read(
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n"
      "  initContainers:\n  - name: setup\n    image: busybox\n"
      "  containers:\n  - name: app\n    image: nginx\n  - name: sidecar\n    image: envoy\n"
      "  ephemeralContainers:\n  - name: debugger\n    image: busybox\n");
  std::vector<std::string> objects;
  for (const Workload& w : workloads) objects.push_back(w.object);
  std::sort(objects.begin(), objects.end());
  EXPECT_EQ(objects,
            (std::vector<std::string>{
                "Pod shop/web container app", "Pod shop/web container sidecar",
                "Pod shop/web ephemeral container debugger", "Pod shop/web init container setup"}));
}

TEST(AuditKubernetesKinds, ListItemsAreRead) {
  std::vector<Workload> workloads = read(
      "apiVersion: v1\nkind: List\nitems:\n"
      "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n  spec:\n"
      "    containers:\n    - name: one\n      image: x\n"
      "- apiVersion: v1\n  kind: Service\n  metadata:\n    name: svc\n"
      "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: b\n    namespace: n\n"
      "  spec:\n    template:\n      spec:\n        containers:\n        - name: two\n"
      "          image: y\n");
  ASSERT_EQ(workloads.size(), 2u);
  EXPECT_EQ(workloads[0].object, "Pod default/a container one");
  EXPECT_EQ(workloads[1].object, "Deployment n/b container two");
  expect_at(workloads[1].where, 25, 11);
}

TEST(AuditKubernetesKinds, TypedListsLikePodListAreListsToo) {
  std::vector<Workload> workloads = read(
      "apiVersion: v1\nkind: PodList\nitems:\n- kind: Pod\n  metadata:\n    name: a\n"
      "  spec:\n    containers:\n    - name: c\n");
  ASSERT_EQ(workloads.size(), 1u);
  EXPECT_EQ(workloads[0].object, "Pod default/a container c");
}

TEST(AuditKubernetesKinds, MultipleDocumentsKeepTheirLines) {
  std::string text =
      "# leading comment\n"
      "---\n"
      "apiVersion: v1\n"        // 3
      "kind: Pod\n"             // 4
      "metadata:\n  name: a\n"  // 5-6
      "spec:\n"                 // 7
      "  containers:\n"         // 8
      "  - name: first\n"       // 9
      "---\n"                   // 10
      "# only a comment\n"      // 11
      "---\n"                   // 12
      "---\n"                   // 13: empty document
      "apiVersion: v1\n"        // 14
      "kind: Pod\n"             // 15
      "metadata:\n  name: b\n"  // 16-17
      "spec:\n"                 // 18
      "  hostPID: true\n"       // 19
      "  containers:\n"         // 20
      "  - image: x\n"          // 21
      "    name: second\n"      // 22
      "...\n"                   // 23: document end marker
      "--- {kind: Pod, metadata: {name: c}, spec: {containers: [{name: third}]}}\n";  // 24
  std::vector<Workload> workloads = read(text);
  ASSERT_EQ(workloads.size(), 3u);
  EXPECT_EQ(workloads[0].object, "Pod default/a container first");
  expect_at(workloads[0].where, 9, 5);
  EXPECT_EQ(workloads[1].object, "Pod default/b container second");
  expect_at(workloads[1].where, 22, 5);
  ASSERT_TRUE(workloads[1].host_namespaces.pid);
  expect_at(workloads[1].host_namespaces.pid->where, 19, 3);
  EXPECT_EQ(workloads[2].object, "Pod default/c container third");
  EXPECT_EQ(workloads[2].where.line, 24);
}

TEST(AuditKubernetesKinds, WindowsLineEndingsAndAnUnnamedObject) {
  std::vector<Workload> workloads = read(
      "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  generateName: job-\r\nspec:\r\n"
      "  containers:\r\n  - name: c\r\n---\r\nkind: Pod\r\nspec:\r\n  containers:\r\n"
      "  - image: x\r\n");
  ASSERT_EQ(workloads.size(), 2u);
  EXPECT_EQ(workloads[0].object, "Pod default/job- container c");
  EXPECT_EQ(workloads[1].object, "Pod default/(unnamed) container (unnamed)");
  expect_at(workloads[1].where, 12, 5);  // the container's item when it has no name
}

// -- Security context precedence

const char* kPrecedencePod = R"(apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  securityContext:
    runAsUser: 1000
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
    seLinuxOptions:
      level: "s0:c1,c2"
    appArmorProfile:
      type: RuntimeDefault
  containers:
  - name: inherits
    image: x
  - name: overrides
    image: x
    securityContext:
      runAsUser: 0
      runAsNonRoot: false
      seccompProfile:
        type: Unconfined
      seLinuxOptions:
        type: spc_t
      appArmorProfile:
        type: Localhost
        localhostProfile: k8s-nginx
)";

TEST(AuditKubernetesPrecedence, ContainerOverridesPodAndPodFillsTheRest) {
  std::vector<Workload> workloads = read(kPrecedencePod);
  ASSERT_EQ(workloads.size(), 2u);
  const Workload& inherits = workloads[0];
  ASSERT_TRUE(inherits.user && inherits.run_as_non_root && inherits.seccomp && inherits.selinux &&
              inherits.apparmor);
  EXPECT_EQ(inherits.user->value, "1000");
  expect_at(inherits.user->where, 7, 5);
  EXPECT_TRUE(inherits.run_as_non_root->value);
  EXPECT_EQ(inherits.seccomp->value, "default");
  expect_at(inherits.seccomp->where, 10, 7);  // the type: line
  EXPECT_EQ(inherits.selinux->value, ":::s0:c1,c2");
  EXPECT_EQ(inherits.apparmor->value, "runtime/default");
  EXPECT_FALSE(check_ids(inherits).contains("BH-RUN-AS-ROOT"));

  const Workload& overrides = workloads[1];
  ASSERT_TRUE(overrides.user && overrides.run_as_non_root && overrides.seccomp &&
              overrides.selinux && overrides.apparmor);
  EXPECT_EQ(overrides.user->value, "0");
  expect_at(overrides.user->where, 21, 7);
  EXPECT_FALSE(overrides.run_as_non_root->value);
  EXPECT_EQ(overrides.seccomp->value, "unconfined");
  expect_at(overrides.seccomp->where, 24, 9);
  EXPECT_EQ(overrides.selinux->value, "spc_t");  // the whole struct replaces the pod's
  expect_at(overrides.selinux->where, 26, 9);
  EXPECT_EQ(overrides.apparmor->value, "localhost/k8s-nginx");
  std::set<std::string> ids = check_ids(overrides);
  for (const char* id : {"BH-RUN-AS-ROOT", "BH-SECCOMP-UNCONFINED", "BH-SELINUX-DISABLED"})
    EXPECT_TRUE(ids.contains(id)) << id;
}

TEST(AuditKubernetesPrecedence, ContainerOnlySettings) {
  std::vector<Workload> workloads = read(R"(kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    securityContext:
      privileged: true
      allowPrivilegeEscalation: true
      readOnlyRootFilesystem: true
      procMount: Unmasked
      capabilities:
        add: ["sys_admin", "CAP_NET_ADMIN"]
        drop:
        - ALL
    resources:
      limits:
        memory: 512Mi
)");
  const Workload& w = only(workloads);
  ASSERT_TRUE(w.privileged && w.no_new_privileges && w.read_only_rootfs && w.proc_unmasked &&
              w.memory_limit);
  EXPECT_TRUE(w.privileged->value);
  expect_at(w.privileged->where, 7, 7);
  EXPECT_FALSE(w.no_new_privileges->value);  // allowPrivilegeEscalation: true
  expect_at(w.no_new_privileges->where, 8, 7);
  EXPECT_TRUE(w.read_only_rootfs->value);
  EXPECT_TRUE(w.proc_unmasked->value);
  expect_at(w.proc_unmasked->where, 10, 7);
  ASSERT_EQ(w.capabilities.added.size(), 2u);
  EXPECT_EQ(w.capabilities.added[0].value, "SYS_ADMIN");
  expect_at(w.capabilities.added[0].where, 12, 15);
  EXPECT_EQ(w.capabilities.added[1].value, "NET_ADMIN");
  ASSERT_EQ(w.capabilities.dropped.size(), 1u);
  EXPECT_EQ(w.capabilities.dropped[0].value, "ALL");
  expect_at(w.capabilities.dropped[0].where, 14, 11);
  EXPECT_EQ(w.memory_limit->value, "512Mi");
  expect_at(w.memory_limit->where, 17, 9);
  EXPECT_FALSE(w.pids_limit);  // Kubernetes has no per-pod pids limit in the spec
  EXPECT_FALSE(w.capabilities.effective_set);
}

TEST(AuditKubernetesPrecedence, AbsentSettingsStayUnset) {
  std::vector<Workload> workloads = read("kind: Pod\nspec:\n  containers:\n  - name: c\n");
  const Workload& w = only(workloads);
  EXPECT_FALSE(w.privileged);
  EXPECT_FALSE(w.no_new_privileges);
  EXPECT_FALSE(w.seccomp);
  EXPECT_FALSE(w.apparmor);
  EXPECT_FALSE(w.selinux);
  EXPECT_FALSE(w.user);
  EXPECT_FALSE(w.run_as_non_root);
  EXPECT_FALSE(w.read_only_rootfs);
  EXPECT_FALSE(w.memory_limit);
  EXPECT_FALSE(w.proc_unmasked);
  EXPECT_FALSE(w.host_namespaces.user);
  std::set<std::string> ids = check_ids(w);
  for (const char* id : {"BH-RUN-AS-ROOT", "BH-SECCOMP-MISSING", "BH-NO-NEW-PRIVS",
                         "BH-ROOTFS-WRITABLE", "BH-NO-MEMORY-LIMIT", "BH-CAP-NOT-DROPPED"})
    EXPECT_TRUE(ids.contains(id)) << id;
  EXPECT_FALSE(ids.contains("BH-NO-PIDS-LIMIT"));
  // Missing settings are reported at the container's name line.
  for (const Finding& f : evaluate_checks(w)) expect_at(f.where, 4, 5);
}

TEST(AuditKubernetesPrecedence, PodLevelNamespacesSysctlsAndUsers) {
  std::vector<Workload> workloads = read(R"(kind: Pod
metadata: {name: p}
spec:
  hostPID: true
  hostIPC: false
  hostNetwork: true
  hostUsers: true
  securityContext:
    sysctls:
    - name: kernel.shm_rmid_forced
      value: "1"
    - name: net/ipv4/conf/eth0.100/rp_filter
      value: "0"
  containers:
  - name: a
  - name: b
)");
  ASSERT_EQ(workloads.size(), 2u);
  for (const Workload& w : workloads) {
    ASSERT_TRUE(w.host_namespaces.pid && w.host_namespaces.network && w.host_namespaces.user);
    EXPECT_FALSE(w.host_namespaces.ipc);  // only a request for the host's counts
    EXPECT_FALSE(w.host_namespaces.uts);
    expect_at(w.host_namespaces.pid->where, 4, 3);
    expect_at(w.host_namespaces.user->where, 7, 3);
    ASSERT_EQ(w.sysctls.size(), 2u);
    EXPECT_EQ(w.sysctls[0].name, "kernel.shm_rmid_forced");
    EXPECT_EQ(w.sysctls[1].name, "net.ipv4.conf.eth0/100.rp_filter");
    EXPECT_EQ(w.sysctls[1].value, "0");
    expect_at(w.sysctls[1].where, 12, 7);
  }
  std::set<std::string> ids = check_ids(workloads[0]);
  for (const char* id : {"BH-HOST-PID", "BH-HOST-NETWORK", "BH-HOST-USERNS", "BH-SYSCTL-UNSAFE"})
    EXPECT_TRUE(ids.contains(id)) << id;
  EXPECT_FALSE(ids.contains("BH-HOST-IPC"));
}

TEST(AuditKubernetesPrecedence, HostUsersFalseOrAbsentIsNotAHostUserNamespace) {
  EXPECT_FALSE(only(read("kind: Pod\nspec:\n  hostUsers: false\n  containers:\n  - name: c\n"))
                   .host_namespaces.user);
}

TEST(AuditKubernetesPrecedence, WindowsHostProcessCountsAsPrivileged) {
  std::vector<Workload> workloads = read(
      "kind: Pod\nspec:\n  securityContext:\n    windowsOptions:\n      hostProcess: true\n"
      "  containers:\n  - name: c\n");
  const Workload& w = only(workloads);
  ASSERT_TRUE(w.privileged);
  EXPECT_TRUE(w.privileged->value);
  expect_at(w.privileged->where, 5, 7);
}

// -- Annotations

TEST(AuditKubernetesAnnotations, LegacySeccompAndAppArmorAnnotations) {
  std::vector<Workload> workloads = read(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
spec:
  template:
    metadata:
      annotations:
        seccomp.security.alpha.kubernetes.io/pod: runtime/default
        container.seccomp.security.alpha.kubernetes.io/legacy: unconfined
        container.seccomp.security.alpha.kubernetes.io/custom: localhost/profiles/audit.json
        container.apparmor.security.beta.kubernetes.io/legacy: unconfined
        container.apparmor.security.beta.kubernetes.io/fielded: unconfined
    spec:
      containers:
      - name: legacy
      - name: custom
      - name: plain
      - name: fielded
        securityContext:
          seccompProfile:
            type: RuntimeDefault
          appArmorProfile:
            type: RuntimeDefault
)");
  ASSERT_EQ(workloads.size(), 4u);
  // The Deployment's own annotations do not reach its pods; the template's do.
  ASSERT_TRUE(workloads[0].seccomp && workloads[0].apparmor);
  EXPECT_EQ(workloads[0].seccomp->value, "unconfined");
  expect_at(workloads[0].seccomp->where, 12, 9);
  EXPECT_EQ(workloads[0].apparmor->value, "unconfined");
  expect_at(workloads[0].apparmor->where, 14, 9);
  ASSERT_TRUE(workloads[1].seccomp);
  EXPECT_EQ(workloads[1].seccomp->value, "localhost/profiles/audit.json");
  EXPECT_FALSE(workloads[1].apparmor);
  ASSERT_TRUE(workloads[2].seccomp);
  EXPECT_EQ(workloads[2].seccomp->value, "default");  // the pod annotation
  expect_at(workloads[2].seccomp->where, 11, 9);
  // Fields win over annotations.
  ASSERT_TRUE(workloads[3].seccomp && workloads[3].apparmor);
  EXPECT_EQ(workloads[3].seccomp->value, "default");
  EXPECT_EQ(workloads[3].apparmor->value, "runtime/default");
  std::set<std::string> legacy = check_ids(workloads[0]);
  EXPECT_TRUE(legacy.contains("BH-SECCOMP-UNCONFINED"));
  EXPECT_TRUE(legacy.contains("BH-APPARMOR-UNCONFINED"));
  EXPECT_FALSE(check_ids(workloads[3]).contains("BH-APPARMOR-UNCONFINED"));
}

TEST(AuditKubernetesAnnotations, PodFieldBeatsPodAnnotationButNotContainerAnnotation) {
  std::vector<Workload> workloads = read(R"(kind: Pod
metadata:
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
    container.seccomp.security.alpha.kubernetes.io/a: docker/default
spec:
  securityContext:
    seccompProfile:
      type: Localhost
      localhostProfile: my.json
  containers:
  - name: a
  - name: b
)");
  ASSERT_EQ(workloads.size(), 2u);
  EXPECT_EQ(workloads[0].seccomp->value, "default");
  EXPECT_EQ(workloads[1].seccomp->value, "localhost/my.json");
}

// -- Volumes

TEST(AuditKubernetesVolumes, HostPathMountsAreHostMounts) {
  std::vector<Workload> workloads = read(R"(kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  template:
    spec:
      containers:
      - name: agent
        volumeMounts:
        - name: sock
          mountPath: /var/run/docker.sock
        - mountPath: /host
          name: root
          readOnly: true
          mountPropagation: HostToContainer
        - name: run
          mountPath: /run/containerd.sock
          subPath: containerd/containerd.sock
        - name: scratch
          mountPath: /shared
          mountPropagation: Bidirectional
        - name: cache
          mountPath: /cache
        - name: missing
          mountPath: /nowhere
      volumes:
      - name: sock
        hostPath:
          path: /var/run//docker.sock/
      - name: root
        hostPath: {path: /var/.., type: Directory}
      - name: run
        hostPath:
          path: /run
      - name: scratch
        emptyDir: {}
      - name: cache
        emptyDir: {}
)");
  const Workload& w = only(workloads);
  ASSERT_EQ(w.host_mounts.size(), 3u);
  EXPECT_EQ(w.host_mounts[0].source, "/var/run/docker.sock");
  EXPECT_EQ(w.host_mounts[0].destination, "/var/run/docker.sock");
  EXPECT_FALSE(w.host_mounts[0].read_only);
  EXPECT_EQ(w.host_mounts[0].propagation, "");
  expect_at(w.host_mounts[0].where, 9, 11);  // the volumeMount item
  EXPECT_EQ(w.host_mounts[1].source, "/");
  EXPECT_TRUE(w.host_mounts[1].read_only);
  EXPECT_EQ(w.host_mounts[1].propagation, "rslave");
  expect_at(w.host_mounts[1].where, 11, 11);
  EXPECT_EQ(w.host_mounts[2].source, "/run/containerd/containerd.sock");  // subPath joined
  ASSERT_EQ(w.volumes.size(), 1u);  // only the emptyDir with a propagation
  EXPECT_EQ(w.volumes[0].name, "scratch");
  EXPECT_EQ(w.volumes[0].destination, "/shared");
  EXPECT_EQ(w.volumes[0].propagation, "rshared");
  EXPECT_TRUE(w.devices.empty());
  std::vector<Finding> findings = evaluate_checks(w);
  std::set<std::string> ids = check_ids(findings);
  for (const char* id : {"BH-RUNTIME-SOCKET", "BH-MOUNT-HOST-ROOT", "BH-MOUNT-PROPAGATION-SHARED"})
    EXPECT_TRUE(ids.contains(id)) << id;
  EXPECT_FALSE(ids.contains("BH-MOUNT-HOST-ROOT-RW"));
  std::set<int> socket_lines;
  for (const Finding& f : findings)
    if (f.check_id == "BH-RUNTIME-SOCKET") socket_lines.insert(f.where.line);
  EXPECT_EQ(socket_lines, (std::set<int>{9, 15}));
}

TEST(AuditKubernetesVolumes, DeviceHostPathsAreDevicesToo) {
  std::vector<Workload> workloads = read(R"(kind: Pod
spec:
  containers:
  - name: c
    volumeMounts:
    - {name: kvm, mountPath: /dev/kvm}
    - {name: disk, mountPath: /dev/xvda, readOnly: true}
  volumes:
  - {name: kvm, hostPath: {path: /dev/kvm, type: CharDevice}}
  - {name: disk, hostPath: {path: /dev/xvda, type: BlockDevice}}
)");
  const Workload& w = only(workloads);
  ASSERT_EQ(w.devices.size(), 2u);
  EXPECT_EQ(w.devices[0].host_path, "/dev/kvm");
  EXPECT_EQ(w.devices[0].container_path, "/dev/kvm");
  expect_at(w.devices[0].where, 6, 7);
  EXPECT_EQ(w.devices[1].host_path, "/dev/xvda");
  EXPECT_EQ(w.host_mounts.size(), 2u);
  EXPECT_TRUE(check_ids(w).contains("BH-DEVICE"));
}

// -- YAML features

TEST(AuditKubernetesYaml, AnchorsAliasesAndMergeKeys) {
  std::vector<Workload> workloads = read(R"(kind: Pod
spec:
  containers:
  - name: a
    securityContext: &hardened
      allowPrivilegeEscalation: false
      runAsUser: 1000
  - name: b
    securityContext:
      <<: *hardened
      runAsUser: 0
)");
  ASSERT_EQ(workloads.size(), 2u);
  ASSERT_TRUE(workloads[1].no_new_privileges && workloads[1].user);
  EXPECT_TRUE(workloads[1].no_new_privileges->value);  // merged in
  EXPECT_EQ(workloads[1].user->value, "0");            // the mapping's own key wins
}

TEST(AuditKubernetesYaml, BooleansAndNumbersInYamlSpellings) {
  std::vector<Workload> workloads = read(
      "kind: Pod\nspec:\n  hostNetwork: yes\n  containers:\n  - name: c\n    securityContext:\n"
      "      privileged: False\n      runAsUser: 0x10\n      allowPrivilegeEscalation: off\n");
  const Workload& w = only(workloads);
  EXPECT_TRUE(w.host_namespaces.network);
  EXPECT_FALSE(w.privileged->value);
  EXPECT_EQ(w.user->value, "16");
  EXPECT_TRUE(w.no_new_privileges->value);
}

// -- Errors

TEST(AuditKubernetesErrors, WrongTypesNameTheFieldAndItsPlace) {
  Error e = error_of(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n"
      "    spec:\n      containers:\n      - name: c\n        securityContext:\n"
      "          privileged: \"maybe\"\n");
  EXPECT_EQ(e.field(), "spec.template.spec.containers[0].securityContext.privileged");
  ASSERT_TRUE(e.where());
  expect_at(*e.where(), 11, 23);
  EXPECT_NE(std::string(e.what()).find("manifest.yaml:11:23"), std::string::npos) << e.what();

  struct Case {
    std::string text;
    std::string field;
    int line;
  };
  std::vector<Case> cases = {
      {"kind: Pod\nspec:\n  containers: app\n", "spec.containers", 3},
      {"kind: Pod\nspec:\n  containers:\n  - app\n", "spec.containers[0]", 4},
      {"kind: Pod\nspec:\n  containers:\n  - name: c\n    securityContext:\n"
       "      privileged: \"true\"\n",
       "spec.containers[0].securityContext.privileged", 6},
      {"kind: Pod\nspec:\n  containers:\n  - name: c\n    securityContext:\n"
       "      runAsUser: -1\n",
       "spec.containers[0].securityContext.runAsUser", 6},
      {"kind: Pod\nspec:\n  containers:\n  - name: c\n    securityContext:\n"
       "      capabilities:\n        add: SYS_ADMIN\n",
       "spec.containers[0].securityContext.capabilities.add", 7},
      {"kind: Pod\nspec:\n  securityContext:\n    seccompProfile:\n      type: Fancy\n"
       "  containers: []\n",
       "spec.securityContext.seccompProfile.type", 5},
      {"kind: Pod\nspec:\n  securityContext:\n    seccompProfile:\n      type: Localhost\n"
       "  containers: []\n",
       "spec.securityContext.seccompProfile", 5},
      {"kind: Pod\nspec:\n  containers:\n  - name: c\n    volumeMounts:\n    - name: v\n"
       "      mountPropagation: Sometimes\n",
       "spec.containers[0].volumeMounts[0].mountPropagation", 7},
      {"kind: Pod\nspec:\n  containers:\n  - name: c\n    securityContext:\n"
       "      procMount: Masked\n",
       "spec.containers[0].securityContext.procMount", 6},
      {"kind: Pod\nspec:\n  hostPID: [true]\n", "spec.hostPID", 3},
      {"kind: Pod\nspec:\n  containers:\n  - name: c\n    volumeMounts:\n    - name: v\n"
       "      subPath: ../../etc\n  volumes:\n  - {name: v, hostPath: {path: /tmp}}\n",
       "spec.containers[0].volumeMounts[0].subPath", 7},
      {"kind: [Pod]\n", "kind", 1},
      {"kind: List\nitems:\n- kind: List\n  items: []\n", "items[0].kind", 3},
      {"kind: Pod\nspec:\n  volumes:\n  - name: v\n    hostPath: {}\n", "spec.volumes[0].hostPath",
       5},
      {"kind: Pod\nmetadata:\n  annotations:\n"
       "    seccomp.security.alpha.kubernetes.io/pod: [x]\n",
       "metadata.annotations.seccomp.security.alpha.kubernetes.io/pod", 4},
      {"---\nkind: Pod\n---\n- just\n- a list\n", "", 4},
  };
  for (const Case& c : cases) {
    Error error = error_of(c.text);
    EXPECT_EQ(error.field(), c.field) << c.text;
    ASSERT_TRUE(error.where()) << c.text;
    EXPECT_EQ(error.where()->line, c.line) << c.text << error.what();
    EXPECT_GT(error.where()->column, 0) << c.text;
  }
}

TEST(AuditKubernetesErrors, MalformedYamlIsLocated) {
  struct Case {
    std::string text;
    int line;
  };
  for (const Case& c : std::vector<Case>{
           {"kind: Pod\nspec:\n  containers: [a, b\n", 4},
           {"apiVersion: v1\nkind: Pod\n---\nkind: Pod\nspec: {containers: [}\n", 5},
           {"kind: Pod\n  bad indentation: here\n", 2},
           {"kind: Pod\n- item\n", 2},
           {"a: 1\n--- ,\n", 2},
           {",\n", 1},
           {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
            "[[["
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
            "\n",
            0},
       }) {
    try {
      read(c.text);
      // Deep nesting is either refused or read: it must not crash.
      EXPECT_EQ(c.line, 0) << c.text;
    } catch (const Error& e) {
      ASSERT_TRUE(e.where()) << c.text;
      EXPECT_EQ(e.where()->file, "manifest.yaml");
      if (c.line > 0) {
        EXPECT_GE(e.where()->line, 1) << c.text << e.what();
        EXPECT_LE(e.where()->line, c.line) << c.text << e.what();
      }
      EXPECT_NE(std::string(e.what()).find("not valid YAML"), std::string::npos) << e.what();
    }
  }
}

TEST(AuditKubernetesErrors, AliasesRepeatingPodsCostWhatTheyProduce) {
  // Each alias names the same pod of 200 containers again: 100 aliases, 20000 workloads.
  std::string text = "kind: List\nitems:\n- &p {kind: Pod, spec: {containers: [";
  for (int i = 0; i < 200; ++i) text += "{name: c" + std::to_string(i) + "},";
  text += "]}}\n";
  for (int i = 0; i < 99; ++i) text += "- *p\n";
  EXPECT_EQ(read(text).size(), 20000u);
}

TEST(AuditKubernetesErrors, MergeKeyBombsAreBounded) {
  // Ten merge sources, each merging the previous level's ten: looking up a key that is not
  // there would visit 10^8 mappings without the reader's bound.
  std::string text = "l0: &l0 {a: 1}\n";
  for (int level = 1; level <= 8; ++level) {
    std::string previous = "*l" + std::to_string(level - 1);
    text += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " {<<: [";
    for (int i = 0; i < 10; ++i) text += previous + ", ";
    text += "]}\n";
  }
  text += "kind: Pod\nspec:\n  containers:\n  - name: c\n    securityContext: *l8\n";
  try {
    read(text);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("too large"), std::string::npos) << e.what();
  }
}

// -- Realistic files

std::vector<Finding> audit_realistic(const std::string& name) {
  return audit_file(kSourceDir + "/tests/data/audit/realistic/" + name);
}

TEST(AuditKubernetesRealistic, HelmRenderedDeployment) {
  std::string path = kSourceDir + "/tests/data/audit/realistic/helm-deployment.yaml";
  ASSERT_EQ(detect_input_format(path, read_file(path)), InputFormat::Kubernetes);
  std::vector<Workload> workloads = read_kubernetes(read_file(path), path);
  std::set<std::string> objects;
  for (const Workload& w : workloads) objects.insert(w.object);
  EXPECT_EQ(objects, (std::set<std::string>{"Deployment shop/shop-web container web",
                                            "Deployment shop/shop-web container metrics",
                                            "Deployment shop/shop-web init container migrate"}));
  std::vector<Finding> findings = audit_realistic("helm-deployment.yaml");
  std::set<std::string> ids = check_ids(findings);
  // The chart hardens the main container; its defaults leave the sidecar and the init
  // container weaker, and the pod has no seccomp profile at pod level.
  for (const char* id : {"BH-CAP-NOT-DROPPED", "BH-ROOTFS-WRITABLE", "BH-NO-NEW-PRIVS",
                         "BH-NO-MEMORY-LIMIT", "BH-RUN-AS-ROOT"})
    EXPECT_TRUE(ids.contains(id)) << id;
  for (const char* id : {"BH-PRIVILEGED", "BH-RUNTIME-SOCKET", "BH-HOST-PID", "BH-HOST-NETWORK",
                         "BH-CAP-SYSADMIN", "BH-NO-PIDS-LIMIT"})
    EXPECT_FALSE(ids.contains(id)) << id;
  for (const Finding& f : findings) {
    EXPECT_GT(f.where.line, 0) << f.check_id;
    if (f.object == "Deployment shop/shop-web container web")
      ADD_FAILURE() << "the hardened container raised " << f.check_id << " at line " << f.where.line
                    << ": " << f.message;
  }
}

TEST(AuditKubernetesRealistic, HardenedPodRaisesNothingSerious) {
  std::vector<Finding> findings = audit_realistic("pod-hardened.yaml");
  for (const Finding& f : findings)
    ADD_FAILURE() << f.check_id << " at line " << f.where.line << ": " << f.message;
}

TEST(AuditKubernetesRealistic, UnhardenedPodRaisesItsMistakes) {
  std::vector<Finding> findings = audit_realistic("pod-unhardened.yaml");
  std::set<std::string> ids = check_ids(findings);
  for (const char* id :
       {"BH-PRIVILEGED", "BH-RUNTIME-SOCKET", "BH-MOUNT-HOST-ROOT-RW", "BH-MOUNT-SENSITIVE",
        "BH-HOST-PID", "BH-HOST-NETWORK", "BH-HOST-IPC", "BH-RUN-AS-ROOT", "BH-SECCOMP-UNCONFINED",
        "BH-APPARMOR-UNCONFINED", "BH-NO-NEW-PRIVS", "BH-ROOTFS-WRITABLE", "BH-NO-MEMORY-LIMIT",
        "BH-SYSCTL-UNSAFE", "BH-CAP-SYSPTRACE", "BH-CAP-NOT-DROPPED", "BH-DEVICE",
        "BH-MOUNT-PROPAGATION-SHARED"})
    EXPECT_TRUE(ids.contains(id)) << id;
  for (const Finding& f : findings) EXPECT_GT(f.where.line, 0) << f.check_id;
}

}  // namespace
}  // namespace bulkhead::audit
