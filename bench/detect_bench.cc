// Detection engine throughput: a capture file replayed (1) through the reader alone, (2) through
// the reader and the thread table, (3) through the whole engine with the shipped rules (and
// optionally more rule sets), several rounds each, in one process on one core. Reports medians
// of events/s and the engine's own cost per event (total minus reading), plus peak RSS.
//
//   bulkhead_detect_bench --capture FILE [--rounds N] [--rules FILE ...] [--label NAME ...]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "capture/capture_file.h"
#include "capture/thread_table.h"
#include "detect/engine.h"
#include "detect/shipped_rules.h"

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

struct Pass {
  double seconds = 0;
  uint64_t events = 0;
  uint64_t alerts = 0;
};

Pass read_only(const std::string& path) {
  bulkhead::capture::CaptureReader reader(path);
  bulkhead::capture::ThreadTable table;
  reader.load_snapshot(table);
  Pass pass;
  uint64_t checksum = 0;
  auto start = Clock::now();
  while (const auto* event = reader.next()) {
    checksum += static_cast<uint64_t>(event->type);
    ++pass.events;
  }
  pass.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (checksum == 1) std::puts("");  // keep the loop from being optimized away
  return pass;
}

Pass with_thread_table(const std::string& path) {
  bulkhead::capture::CaptureReader reader(path);
  bulkhead::capture::ThreadTable table;
  reader.load_snapshot(table);
  Pass pass;
  auto start = Clock::now();
  while (const auto* event = reader.next()) {
    table.apply(*event);
    ++pass.events;
  }
  pass.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return pass;
}

Pass with_engine(const std::string& path, const std::vector<std::string>& rule_files) {
  bulkhead::detect::RuleSet set;
  if (rule_files.empty())
    bulkhead::detect::load_rules_text(set, bulkhead::detect::shipped_rules_yaml(),
                                      std::string(bulkhead::detect::kShippedRulesName));
  for (const auto& file : rule_files) bulkhead::detect::load_rules_file(set, file);
  bulkhead::detect::Engine engine(std::move(set), bulkhead::detect::EngineOptions{});
  bulkhead::capture::CaptureReader reader(path);
  reader.load_snapshot(engine.threads());
  Pass pass;
  std::size_t output_bytes = 0;
  bulkhead::detect::AlertSink sink = [&](const bulkhead::detect::Alert& alert) {
    output_bytes += alert.output.size();
  };
  auto start = Clock::now();
  while (const auto* event = reader.next()) engine.process(*event, sink);
  pass.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  pass.events = engine.stats().events;
  pass.alerts = engine.stats().alerts;
  return pass;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Detection engine throughput on a replayed capture"};
  std::string capture;
  int rounds = 5;
  std::vector<std::string> extra_rules;
  app.add_option("--capture", capture, "Capture file (bulkhead capture generate)")->required();
  app.add_option("--rounds", rounds, "Rounds per configuration (medians are reported)");
  app.add_option("--rules", extra_rules,
                 "An extra rule set to measure besides the shipped rules (loaded on its own)");
  CLI11_PARSE(app, argc, argv);

  try {
    std::vector<double> read_s, table_s, shipped_s, extra_s;
    Pass last_shipped, last_extra;
    for (int round = 0; round < rounds; ++round) {
      auto read = read_only(capture);
      auto table = with_thread_table(capture);
      last_shipped = with_engine(capture, {});
      read_s.push_back(read.seconds);
      table_s.push_back(table.seconds);
      shipped_s.push_back(last_shipped.seconds);
      if (!extra_rules.empty()) {
        last_extra = with_engine(capture, extra_rules);
        extra_s.push_back(last_extra.seconds);
      }
      std::fprintf(stderr, "round %d: read %.3f s, +threads %.3f s, +shipped rules %.3f s%s\n",
                   round + 1, read.seconds, table.seconds, last_shipped.seconds,
                   extra_rules.empty()
                       ? ""
                       : (", +extra rules " + std::to_string(last_extra.seconds) + " s").c_str());
    }
    double events = static_cast<double>(last_shipped.events);
    double read = median(read_s), table = median(table_s), shipped = median(shipped_s);
    auto rate = [&](double seconds) { return seconds > 0 ? events / seconds : 0.0; };
    auto ns = [&](double seconds) { return seconds * 1e9 / events; };
    std::printf(
        "| configuration | median s | events/s | ns/event |\n| --- | ---: | ---: | ---: |\n");
    std::printf("| read capture only | %.3f | %.0f | %.1f |\n", read, rate(read), ns(read));
    std::printf("| read + thread/fd table | %.3f | %.0f | %.1f |\n", table, rate(table), ns(table));
    std::printf("| read + engine, shipped rules (%llu alerts) | %.3f | %.0f | %.1f |\n",
                static_cast<unsigned long long>(last_shipped.alerts), shipped, rate(shipped),
                ns(shipped));
    std::printf("| engine alone (shipped rules, minus reading) | %.3f | %.0f | %.1f |\n",
                shipped - read, rate(shipped - read), ns(shipped - read));
    if (!extra_s.empty()) {
      double extra = median(extra_s);
      std::printf("| read + engine, extra rules (%llu alerts) | %.3f | %.0f | %.1f |\n",
                  static_cast<unsigned long long>(last_extra.alerts), extra, rate(extra),
                  ns(extra));
      std::printf("| engine alone (extra rules, minus reading) | %.3f | %.0f | %.1f |\n",
                  extra - read, rate(extra - read), ns(extra - read));
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("\nevents: %.0f, rounds: %d, peak RSS of this process: %ld KiB\n", events, rounds,
                usage.ru_maxrss);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bulkhead_detect_bench: %s\n", error.what());
    return 1;
  }
  return 0;
}
