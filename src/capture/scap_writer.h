// Writes events as a .scap capture (the file format of Falco's libscap, as read by sysdig 0.29 /
// falcosecurity libs 0.1.1dev+git20220316), so that an independent implementation of the rule
// language (libsinsp's filters, through `sysdig -r FILE`) can be run over the same events as ours.
//
// The file holds: a section header, machine info, an empty interface list, the user list of this
// host (/etc/passwd, /etc/group), the process list and fd lists of the initial thread table, then
// every event. Each of our exit events becomes the driver's enter event followed by its exit
// event (that libs version builds state from both: execve's exepath, the fd a close/read/connect
// acts on, ... come from the enter event); procexit is the driver's single procexit event.
// Syscalls that libs version has no event for (memfd_create, finit_module, init_module, capset,
// setreuid, setregid, prctl) are written as its generic syscall events, so only evt.type resolves.
// Flags, modes, address families and ptrace requests are converted to the driver's PPM_* codes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/unique_fd.h"
#include "capture/event.h"
#include "capture/synthetic.h"
#include "capture/thread_table.h"

namespace bulkhead::capture {

class ScapWriter {
 public:
  // Creates `path` and writes the header blocks and the snapshot of `initial`. Throws
  // bulkhead::Error (SystemError for failed syscalls).
  ScapWriter(const std::string& path, const ThreadTable& initial);
  ~ScapWriter();  // flushes; errors there are lost, so call close() to see them
  ScapWriter(const ScapWriter&) = delete;
  ScapWriter& operator=(const ScapWriter&) = delete;

  // Writes one event; returns the number libsinsp gives (`%evt.num`, from 1) to the scap event
  // that stands for it: the exit event, or the procexit event.
  uint64_t write(const Event& event);
  // Flushes and closes the file.
  void close();

  uint64_t scap_events_written() const { return scap_events_; }

 private:
  void flush();
  void append_block(uint32_t type, std::string_view body);
  void write_header_blocks(const ThreadTable& initial);

  std::string path_;
  UniqueFd fd_;
  std::string buffer_;
  std::string event_;  // scratch for one event's bytes
  std::string params_;
  std::vector<uint16_t> lengths_;
  uint64_t scap_events_ = 0;
  // Container id per thread id ("" = host), for the cgroups of clone and execve events.
  std::unordered_map<int64_t, std::string> containers_;
};

// Writes `initial` and `events` to `path`; returns, per event, its `%evt.num` in the file (see
// ScapWriter::write).
std::vector<uint64_t> write_scap(const std::string& path, const ThreadTable& initial,
                                 const std::vector<OwnedEvent>& events);

// Native open(2) flags as the driver encodes them (PPM_O_*), exposed for tests.
uint32_t scap_open_flags(uint32_t native);

}  // namespace bulkhead::capture
