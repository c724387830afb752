// An observer's memory of state records: records as they are written, removed ones kept with
// the time they were found gone, and a thread that notices changes without being asked.
#include "runtime/state_watch.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/temp_dir.h"

namespace bulkhead::runtime {
namespace {

ContainerRecord creating_record(const std::string& name) {
  ContainerRecord r;
  r.id = generate_container_id();
  r.name = name;
  r.monitor_pid = getpid();
  r.rootfs = "builtin:busybox";
  r.created = current_time_rfc3339();
  r.owner_uid = geteuid();
  r.spec = nlohmann::json::object();
  r.status = "creating";
  return r;
}

const ObservedRecord* find(const std::vector<ObservedRecord>& records, const std::string& id) {
  for (const auto& observed : records)
    if (observed.record.id == id) return &observed;
  return nullptr;
}

// Waits up to 10 s for the watch's generation to pass `after`.
bool generation_grows(const StateWatch& watch, uint64_t after) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (watch.generation() > after) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST(StateWatch, KeepsARemovedRecordStampedWithWhenItWentAway) {
  testing::TempDir dir{"state-watch"};
  std::string state_dir = (dir.path() / "state").string();
  StateStore store(state_dir);
  StateWatch watch([&] { return std::vector<std::string>{state_dir}; }, /*follow=*/false);
  ContainerRecord record = creating_record("short-lived");
  store.create(record);
  auto listed = watch.list();
  ASSERT_NE(find(listed, record.id), nullptr);
  EXPECT_EQ(find(listed, record.id)->removed_ns, 0u);
  EXPECT_EQ(find(listed, record.id)->record.status, "creating");

  auto before = std::chrono::system_clock::now().time_since_epoch();
  store.remove(record.id);
  listed = watch.list();
  const ObservedRecord* removed = find(listed, record.id);
  ASSERT_NE(removed, nullptr) << "a removed record is forgotten at once";
  EXPECT_GE(
      removed->removed_ns,
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(before).count()));
  EXPECT_EQ(removed->record.name, "short-lived");
}

TEST(StateWatch, ItsThreadSeesRecordsWrittenRemovedAndUpdatedWithoutBeingAsked) {
  testing::TempDir dir{"state-watch"};
  std::string state_dir = (dir.path() / "state").string();
  StateStore store(state_dir);
  StateWatch watch([&] { return std::vector<std::string>{state_dir}; });
  uint64_t start = watch.generation();
  ContainerRecord record = creating_record("followed");
  store.create(record);
  ASSERT_TRUE(generation_grows(watch, start)) << "no change noticed after a record was created";

  // The namespaces written into the existing record (a rename inside the record's directory).
  uint64_t created = watch.generation();
  record.namespaces = {{"pid", 4026532999}, {"mnt", 4026532998}};
  store.update(record);
  ASSERT_TRUE(generation_grows(watch, created)) << "no change noticed after a record update";

  uint64_t updated = watch.generation();
  store.remove(record.id);
  ASSERT_TRUE(generation_grows(watch, updated)) << "no change noticed after a record was removed";
  // The thread already noticed: list() reports the record removed, with its namespaces.
  auto listed = watch.list();
  ASSERT_NE(find(listed, record.id), nullptr);
  EXPECT_NE(find(listed, record.id)->removed_ns, 0u);
  EXPECT_EQ(find(listed, record.id)->record.namespaces.at("pid"), 4026532999u);
}

TEST(StateWatch, ADirectoryThatAppearsLaterIsFollowed) {
  testing::TempDir dir{"state-watch"};
  std::string state_dir = (dir.path() / "late").string();
  StateWatch watch([&] {
    return std::filesystem::exists(state_dir) ? std::vector<std::string>{state_dir}
                                              : std::vector<std::string>{};
  });
  EXPECT_TRUE(watch.list().empty());
  uint64_t start = watch.generation();
  StateStore store(state_dir);
  store.create(creating_record("late"));
  // Found by the thread's periodic look for new directories.
  ASSERT_TRUE(generation_grows(watch, start));
  EXPECT_EQ(watch.list().size(), 1u);
}

}  // namespace
}  // namespace bulkhead::runtime
