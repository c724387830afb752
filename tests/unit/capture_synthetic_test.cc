#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

#include "base/error.h"
#include "base/strings.h"
#include "capture/capture_file.h"
#include "capture/synthetic.h"
#include "support/temp_dir.h"

namespace bulkhead::capture {
namespace {

TEST(CaptureSynthetic, HostEmitsConsistentEvents) {
  std::vector<OwnedEvent> events;
  auto keep = [&](const Event& event) {
    OwnedEvent copy(event.type, event.tid, event.pid, event.result, event.timestamp_ns);
    auto params = event_spec(event.type).params;
    for (std::size_t i = 1; i < params.size(); ++i) {
      if (!event.params[i].present) continue;
      if (event.params[i].bytes.data() != nullptr)
        copy.set_bytes(params[i].name, event.params[i].bytes);
      else
        copy.set(params[i].name, static_cast<int64_t>(event.params[i].number));
    }
    events.push_back(std::move(copy));
  };
  SyntheticHost host(keep);
  ContainerInfo container;
  container.id = "c0ffee000001";
  host.add_container(container);
  int64_t shell = host.add_process(1, "/bin/bash", {}, "", 1000, 34816);
  int64_t in_container = host.add_process(1, "/bin/sh", {}, "c0ffee000001");
  ThreadTable table;
  host.snapshot(table);
  EXPECT_EQ(table.find(in_container)->container_id, "c0ffee000001");
  EXPECT_NE(table.container("c0ffee000001"), nullptr);

  int64_t cat = host.spawn(shell, "/usr/bin/cat", {"/etc/shadow"});
  int64_t fd = host.open(cat, "/etc/shadow", 0);
  host.read(cat, fd, 100);
  host.close(cat, fd);
  host.exit(cat);
  int64_t child = host.spawn(in_container, "/usr/bin/curl", {"x"});
  EXPECT_EQ(host.container_of(child), "c0ffee000001");
  EXPECT_THROW(host.open(999999, "/x", 0), Error);

  ThreadTable replay;
  host.snapshot(replay);  // only the still-living ones, enough here
  for (const OwnedEvent& event : events) {
    ThreadInfo* thread = replay.apply(event.event());
    if (event.event().type == EventType::read) {
      const FdInfo* info = replay.fd(*thread, 3);
      ASSERT_NE(info, nullptr);
      EXPECT_EQ(info->name, "/etc/shadow");
      EXPECT_EQ(thread->comm, "cat");
      EXPECT_EQ(replay.parent_of(*thread)->comm, "bash");
    }
  }
  EXPECT_EQ(replay.find(child)->container_id, "c0ffee000001");
  EXPECT_EQ(replay.find(child)->exepath, "/usr/bin/curl");
}

TEST(CaptureSynthetic, EveryAttackScenarioRuns) {
  uint64_t count = 0;
  SyntheticHost host([&](const Event&) { ++count; });
  ContainerInfo container;
  container.id = "abc";
  host.add_container(container);
  int64_t shell = host.add_process(1, "/bin/bash", {}, "", 0, 34816);
  int64_t container_shell = host.add_process(1, "/bin/sh", {}, "abc");
  for (std::string_view name : attack_scenario_names()) {
    uint64_t before = count;
    run_attack_scenario(host, name, shell, container_shell);
    EXPECT_GT(count, before) << name;
  }
  EXPECT_THROW(run_attack_scenario(host, "nope", shell, container_shell), Error);
}

TEST(CaptureSynthetic, GeneratorIsDeterministicExactAndCoversEveryEventType) {
  GeneratorOptions options;
  options.seed = 42;
  options.events = 60000;
  options.mix.attack = 5;
  std::set<EventType> seen;
  uint64_t count = 0;
  ThreadTable initial;
  ThreadTable state;
  uint64_t unresolved_reads = 0;
  bool state_ready = false;
  generate_events(options, initial, [&](const Event& event) {
    if (!state_ready) {
      // Replaying through a table seeded with the same snapshot.
      initial.for_each_container([&](const ContainerInfo& c) { state.add_container(c); });
      initial.for_each_thread([&](const ThreadInfo& t) { state.insert(t); });
      state_ready = true;
    }
    seen.insert(event.type);
    ++count;
    ThreadInfo* thread = state.apply(event);
    if ((event.type == EventType::read || event.type == EventType::write) && event.result >= 0) {
      const Param* fd = event.param("fd");
      if (state.fd(*thread, static_cast<int64_t>(fd->number)) == nullptr) ++unresolved_reads;
    }
  });
  EXPECT_EQ(count, options.events);
  EXPECT_EQ(seen.size(), kEventTypeCount);
  for (std::size_t i = 0; i < kEventTypeCount; ++i)
    EXPECT_TRUE(seen.contains(static_cast<EventType>(i)))
        << event_type_name(static_cast<EventType>(i)) << " never generated";
  EXPECT_EQ(unresolved_reads, 0u);
  EXPECT_GT(initial.size(), 5u);

  testing::TempDir dir;
  options.events = 20000;
  generate_capture(dir.sub("a.bhcap"), options);
  generate_capture(dir.sub("b.bhcap"), options);
  EXPECT_EQ(read_file(dir.sub("a.bhcap")), read_file(dir.sub("b.bhcap")));
  options.seed = 43;
  generate_capture(dir.sub("c.bhcap"), options);
  EXPECT_NE(read_file(dir.sub("a.bhcap")), read_file(dir.sub("c.bhcap")));

  CaptureReader reader(dir.sub("a.bhcap"));
  EXPECT_TRUE(reader.has_snapshot());
  EXPECT_EQ(reader.header().flags, kCaptureSynthetic);
  ThreadTable table;
  reader.load_snapshot(table);
  EXPECT_GT(table.size(), 5u);
  uint64_t read = 0;
  while (reader.next() != nullptr) ++read;
  EXPECT_EQ(read, options.events);
}

}  // namespace
}  // namespace bulkhead::capture
