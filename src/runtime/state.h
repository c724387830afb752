// The state directory: one record per container that is being created or runs, so `bulkhead
// ps`, `kill` and `exec` can find a container started by another `bulkhead run`.
//
// Layout (every file owned by the user, the directory mode 0700):
//   <dir>/.lock               flock()ed around every change, so two runs cannot claim one name
//   <dir>/<id>/state.json     the record, replaced atomically (write a temporary file, rename)
//   <dir>/names/<name>        a symlink whose target is the id: the name's claim
//
// A record is alive while the process it names runs: the container's init (pid, checked against
// its start time so a reused pid is never taken for it), or, before init exists, the `bulkhead
// run` that is creating it. Records that are not alive are stale and are removed by list() and
// create().
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace bulkhead::runtime {

struct ContainerRecord {
  std::string id;  // 64 hex chars
  std::string name;
  pid_t pid = 0;                    // the container's init as seen from the host; 0 while creating
  uint64_t pid_start_time = 0;      // /proc/<pid>/stat field 22, guards against pid reuse
  pid_t monitor_pid = 0;            // the `bulkhead run` process
  uint64_t monitor_start_time = 0;  // the same guard for monitor_pid; StateStore fills it in
  std::map<std::string, uint64_t> namespaces;  // "pid" → inode, from /proc/<pid>/ns/*
  std::string rootfs;
  std::string created;  // RFC 3339 UTC
  uint32_t owner_uid = 0;
  std::vector<std::string> cgroup_paths;
  nlohmann::json spec;  // spec::spec_to_json output
  std::string status;   // "creating" | "running"
};

nlohmann::json record_to_json(const ContainerRecord& record);
// Throws Error naming `source` when a field is missing or has the wrong type.
ContainerRecord record_from_json(const nlohmann::json& json, const std::string& source);

// Where records live: $BULKHEAD_STATE_DIR when set and non-empty (an absolute path; tests and
// users who keep several sets of containers apart use it), else /run/bulkhead for root,
// else $XDG_RUNTIME_DIR/bulkhead when that variable names a directory the user owns, else
// /tmp/bulkhead-<uid>. The directory is created with mode 0700; one that is a symlink, owned
// by someone else, or writable by group or others is refused (Error).
std::string default_state_dir();

// 64 random hex digits (getrandom).
std::string generate_container_id();
// "bh-" + the first 12 hex digits of the id.
std::string default_name(const std::string& id);
// Letters, digits, '_', '.', '-', starting with a letter or digit, at most 128 characters.
bool is_valid_container_name(std::string_view name);
bool is_valid_container_id(std::string_view id);

// The current time in RFC 3339 UTC with nanoseconds ("2026-11-30T07:56:01.123456789Z").
std::string current_time_rfc3339();
// Seconds since the epoch of an RFC 3339 UTC time ("…Z", fraction optional); nullopt when it
// is not one.
std::optional<int64_t> rfc3339_to_unix(std::string_view text);

// /proc/<pid>/stat field 22 (clock ticks after boot); 0 when the process is gone or has exited
// and waits to be reaped (a zombie).
uint64_t process_start_time(pid_t pid);
// The inode of each of the process's namespaces ("pid", "mnt", "net", …), from /proc/<pid>/ns.
// Throws SystemError when the process is gone.
// pid 0: the calling process (through /proc/self, whatever pid namespace it is in).
std::map<std::string, uint64_t> namespace_inodes(pid_t pid);

// Every state directory a host-wide observer (bulkhead watch, running as root) should look in:
// $BULKHEAD_STATE_DIR when set, /run/bulkhead, /run/user/*/bulkhead and /tmp/bulkhead-* (those
// of rootless users). Only directories that exist are listed; nothing is created.
std::vector<std::string> observed_state_dirs();
// The records in `dir`, read without locking, cleaning or creating anything (a record being
// replaced, or one that cannot be read, is skipped): an observer's view, which may lag a
// moment behind the runtime's.
std::vector<ContainerRecord> read_records(const std::string& dir);

class StateStore {
 public:
  // Creates `dir` (mode 0700) if it is missing; refuses one that is not private to the user.
  explicit StateStore(std::string dir);
  const std::string& dir() const { return dir_; }

  // Adds a record and claims its name. A name held by a live container is an Error naming that
  // container; a name held by a stale record is taken over after that record is removed.
  void create(const ContainerRecord& record);
  // Replaces an existing record atomically. The name cannot change.
  void update(const ContainerRecord& record);
  // Removes the record and its name; nothing happens when there is no such record.
  void remove(const std::string& id);
  // The live records, oldest first; stale ones are removed on the way (with their empty cgroup
  // directories).
  std::vector<ContainerRecord> list();
  // By full id, then by name, then by a unique id prefix (a prefix that matches several ids is
  // an Error). Records are returned whether alive or not: callers check is_alive().
  std::optional<ContainerRecord> find(const std::string& name_or_id);
  bool is_alive(const ContainerRecord& record) const;

 private:
  std::string record_dir(const std::string& id) const;
  std::string record_file(const std::string& id) const;
  std::string name_link(const std::string& name) const;
  std::optional<ContainerRecord> load(const std::string& id) const;
  void write_record(const ContainerRecord& record) const;
  void remove_unlocked(const std::string& id);
  std::vector<std::string> record_ids() const;

  std::string dir_;
};

}  // namespace bulkhead::runtime
