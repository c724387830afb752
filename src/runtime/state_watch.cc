#include "runtime/state_watch.h"

#include <dirent.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <memory>
#include <utility>

#include "base/clock.h"
#include "base/error.h"

namespace bulkhead::runtime {
namespace {

// What an observer names a container by; a change in any of these is worth a new look.
bool same_for_observers(const ContainerRecord& a, const ContainerRecord& b) {
  return a.status == b.status && a.pid == b.pid && a.monitor_pid == b.monitor_pid &&
         a.namespaces == b.namespaces && a.name == b.name;
}

// Directories appear under a state directory (one per record) and records are renamed into
// them; the directory itself may be created after the watch starts (the first rootless run).
constexpr uint32_t kStateDirMask = IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ONLYDIR;
constexpr uint32_t kRecordDirMask = IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | IN_ONLYDIR;
// New state directories (a user's first rootless container) are looked for this often.
constexpr int kRescanIntervalMs = 1000;

}  // namespace

StateWatch::StateWatch(DirectoryLister directories, bool follow)
    : directories_(std::move(directories)) {
  if (follow) {
    inotify_.reset(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!inotify_) throw_errno("inotify_init1 (following the state directories)");
    stop_.reset(eventfd(0, EFD_CLOEXEC));
    if (!stop_) throw_errno("eventfd");
  }
  {
    std::lock_guard lock(mutex_);
    rescan();
  }
  if (follow) thread_ = std::thread([this] { follow_loop(); });
}

StateWatch::~StateWatch() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    // Nothing to do about a failed write but wait for the next rescan interval.
    [[maybe_unused]] ssize_t written = ::write(stop_.get(), &one, sizeof one);
    thread_.join();
  }
}

std::vector<ObservedRecord> StateWatch::list() {
  std::lock_guard lock(mutex_);
  rescan();
  std::vector<ObservedRecord> out;
  out.reserve(records_.size());
  for (const auto& [id, observed] : records_) out.push_back(observed);
  return out;
}

void StateWatch::watch_directory(const std::string& path, uint32_t mask) {
  if (!inotify_ || watched_.count(path) != 0) return;
  // A directory that is gone already (a record removed in between) needs no watch.
  if (inotify_add_watch(inotify_.get(), path.c_str(), mask) >= 0) watched_.insert(path);
}

void StateWatch::rescan() {
  uint64_t now = clock_now_ns();
  bool changed = false;
  std::set<std::string> present;
  std::set<std::string> still_watched;
  for (const std::string& dir : directories_()) {
    watch_directory(dir, kStateDirMask);
    still_watched.insert(dir);
    // Each record's directory is watched before the records are read, so a record written
    // after the read below is an inotify event, not a miss.
    if (inotify_) {
      UniqueDir handle(::opendir(dir.c_str()));
      while (handle) {
        struct dirent* entry = ::readdir(handle.get());
        if (entry == nullptr) break;
        if (!is_valid_container_id(entry->d_name)) continue;
        std::string record_dir = dir + "/" + entry->d_name;
        watch_directory(record_dir, kRecordDirMask);
        still_watched.insert(record_dir);
      }
    }
    for (ContainerRecord& record : read_records(dir)) {
      present.insert(record.id);
      auto [it, inserted] = records_.try_emplace(record.id);
      if (inserted || it->second.removed_ns != 0 || !same_for_observers(it->second.record, record))
        changed = true;
      it->second.record = std::move(record);
      it->second.removed_ns = 0;
    }
  }
  for (auto it = records_.begin(); it != records_.end();) {
    ObservedRecord& observed = it->second;
    if (present.count(it->first) == 0 && observed.removed_ns == 0) {
      observed.removed_ns = now;
      changed = true;
    }
    if (observed.removed_ns != 0 && now - observed.removed_ns > kRetentionNs) {
      it = records_.erase(it);
    } else {
      ++it;
    }
  }
  // The kernel drops a watch when its directory goes; forget those so a directory made again
  // under the same name (a state directory recreated) is watched again.
  std::erase_if(watched_, [&](const std::string& path) { return still_watched.count(path) == 0; });
  if (changed) generation_.fetch_add(1, std::memory_order_acq_rel);
}

void StateWatch::follow_loop() {
  std::array<pollfd, 2> fds{pollfd{inotify_.get(), POLLIN, 0}, pollfd{stop_.get(), POLLIN, 0}};
  alignas(inotify_event) std::array<char, 8192> buffer{};
  for (;;) {
    int ready = ::poll(fds.data(), fds.size(), kRescanIntervalMs);
    if (ready < 0 && errno != EINTR) return;  // nothing left to wait with; list() still reads
    if (fds[1].revents != 0) return;
    if (fds[0].revents != 0) {
      while (::read(inotify_.get(), buffer.data(), buffer.size()) > 0) {
      }
    }
    try {
      std::lock_guard lock(mutex_);
      rescan();
    } catch (const std::exception&) {
      // A directory that cannot be read now may be readable at the next event; list() reports
      // nothing less than it can read.
    }
  }
}

}  // namespace bulkhead::runtime
