// `docker run`'s flags turned into an OCI runtime spec, the way dockerd and runc would, with
// stricter defaults where Docker's are weak. What differs from Docker on purpose:
//
// - no_new_privileges is ON unless `--security-opt no-new-privileges=false` (Docker: off), and
//   also off under --privileged unless asked for explicitly.
// - The default capability set is caps::default_container_caps() (Docker's without NET_RAW,
//   MKNOD, AUDIT_WRITE, SETFCAP).
// - The masked paths also cover /proc/interrupts.
// - Anything Bulkhead cannot do is an Error, never ignored: user/group names (no lookup inside
//   the image), named volumes, networks other than none/host, --pid/--userns modes other than
//   the few listed below, unknown --security-opt keys, mount options and ulimit names.
// - An explicit `--security-opt seccomp=FILE` or `landlock=FILE` still applies under
//   --privileged (Docker drops the seccomp profile); only the defaults are lifted.
//
// Capabilities (--cap-add/--cap-drop take comma lists, names with or without CAP_, any case,
// and ALL), decided as Docker does: with `--cap-add ALL`, every capability except those
// dropped; else with `--cap-drop ALL`, exactly the added ones; else the default set minus the
// dropped plus the added. --privileged: every capability. The set becomes the bounding set.
// A container user of uid 0 also gets it as effective and permitted; for any other uid these
// (and inheritable, ambient) are empty, which is where runc's non-root process ends up anyway
// after execve.
//
// Seccomp: the built-in default profile, or `seccomp=FILE`, flattened (seccomp::flatten) for the
// final capability set and the host's kernel and architecture, as dockerd does, so the spec
// holds plain OCI seccomp. `seccomp=unconfined` and --privileged leave linux.seccomp out.
//
// Namespaces: pid, ipc, uts, mount, cgroup and network are always new, except with
// `--network host` (no network namespace) and `--pid host` (no pid namespace; a warning).
// `--network none` or no --network: a new network namespace with loopback only. A user
// namespace when the invoking user is not root (rootless: container 0 = the user, and
// 1..N = the user's subordinate range when the host has one) or with `--userns=auto` as root
// (HostFacts::auto_userns_range for both uids and gids).
//
// Resources: --memory (b, k, m, g, t, p; binary units) → memory.limit (swap left alone);
// --pids-limit N (0 or -1: no limit); --cpus X → cpu quota X*100000 per 100000 µs period.
// --ulimit NAME=SOFT[:HARD] (Docker's names: nofile, nproc, core, …; -1 = unlimited).
//
// Environment: PATH, HOSTNAME (when --hostname is given; the runtime adds it otherwise along
// with the hostname it picks), TERM=xterm with -t, then --env-file files, then -e; a later
// value replaces an earlier one of the same name. `-e NAME` or a bare NAME line takes the
// host's value, and is left out when the host has none (as Docker).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "seccomp/arch.h"
#include "seccomp/filter.h"
#include "spec/spec.h"

namespace bulkhead::spec {

struct RunFlags {  // docker run's flags, as typed (CLI11 fills these)
  std::vector<std::string> cap_add, cap_drop, security_opt, volumes, tmpfs, env, env_files,
      group_add, ulimits;
  bool privileged = false, read_only = false, interactive = false, tty = false, rm = false,
       init = false;
  std::string user, workdir, hostname, network, pid, memory, pids_limit, cpus, name, userns;
  std::string rootfs;                // absolute path, already resolved by the caller
  std::vector<std::string> command;  // CMD [ARG…]; empty → /bin/sh
};

struct IdRange {
  uint32_t start = 0, size = 0;
};

struct HostFacts {                                 // what the caller knows about the host
  uint32_t uid = 0, gid = 0;                       // the invoking user
  std::optional<IdRange> subuid, subgid;           // usable only when newuidmap/newgidmap exist
  IdRange auto_userns_range{1000000000, 65536};    // for root with --userns=auto
  std::map<std::string, std::string> environment;  // for `-e NAME` without a value
  // The caller's own bounding set: no process it starts can hold more. `ALL` (and
  // --privileged) means all of these; naming one outside it is an error.
  caps::CapSet available_caps = caps::CapSet::all();
  // What the seccomp profile's conditions are decided against (dockerd: the daemon's host).
  seccomp::KernelVersion kernel = seccomp::KernelVersion::running();
  std::optional<seccomp::Arch> arch;  // nullopt: this machine's
};

struct BuiltSpec {
  Spec spec;
  std::vector<std::string> warnings;  // weakened defaults the user asked for, to print
};

// Throws Error naming the flag and the bad value. Reads only the files the flags name
// (--env-file, seccomp=FILE, landlock=FILE).
BuiltSpec build_spec(const RunFlags& flags, const HostFacts& host);

// The default lists, as Docker's (plus /proc/interrupts).
const std::vector<std::string>& default_masked_paths();
const std::vector<std::string>& default_readonly_paths();

// "512m" → 536870912; Docker's RAMInBytes units (b, k, m, g, t, p, optional trailing b/ib,
// binary). nullopt when malformed or out of range.
std::optional<int64_t> parse_memory_size(std::string_view text);

}  // namespace bulkhead::spec
