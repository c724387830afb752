// An observer's memory of state records (bulkhead watch's view of bulkhead containers). Reading
// the records when an event needs them is not enough: a short-lived container can be created,
// run and removed while the observer is still working through the events it made, and by then
// its record is gone. So a thread follows the state directories with inotify, reads each record
// as it is written, and keeps a record that disappeared for a while, stamped with when it was
// seen gone: events from before that time may still be that container's.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "runtime/state.h"

namespace bulkhead::runtime {

struct ObservedRecord {
  ContainerRecord record;
  uint64_t removed_ns = 0;  // CLOCK_REALTIME when it was found gone; 0 while it exists
};

class StateWatch {
 public:
  using DirectoryLister = std::function<std::vector<std::string>()>;
  // Reads the records once before returning, then follows them from a thread of its own
  // (unless `follow` is false: then only list() reads them).
  explicit StateWatch(DirectoryLister directories = observed_state_dirs, bool follow = true);
  ~StateWatch();
  StateWatch(const StateWatch&) = delete;
  StateWatch& operator=(const StateWatch&) = delete;

  // Reads the records now, then returns every record it knows: the current ones, and those
  // removed less than the retention time ago.
  std::vector<ObservedRecord> list();
  // Grows whenever a record appears, changes or goes (a cheap "is list() worth calling again").
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // How long a removed record is kept.
  static constexpr uint64_t kRetentionNs = 60'000'000'000;

 private:
  void follow_loop();
  void rescan();  // with mutex_ held
  void watch_directory(const std::string& path, uint32_t mask);

  DirectoryLister directories_;
  std::mutex mutex_;
  std::map<std::string, ObservedRecord> records_;  // by id
  std::set<std::string> watched_;
  std::atomic<uint64_t> generation_{0};
  UniqueFd inotify_;
  UniqueFd stop_;  // an eventfd: written once by the destructor
  std::thread thread_;
};

}  // namespace bulkhead::runtime
