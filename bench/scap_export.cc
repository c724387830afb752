// Converts a Bulkhead capture (.bhcap) into a libscap capture (.scap) that sysdig can read, for
// the sysdig peer benchmark (bench/run_sysdig_peer.sh) and for comparing filters by hand.
//
//   bulkhead_scap_export --capture IN.bhcap --output OUT.scap
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "capture/capture_file.h"
#include "capture/scap_writer.h"
#include "capture/thread_table.h"

int main(int argc, char** argv) {
  CLI::App app{"Write a Bulkhead capture as a .scap file (sysdig -r)"};
  std::string capture, output;
  app.add_option("--capture", capture, "Bulkhead capture file")->required();
  app.add_option("--output,-o", output, "The .scap file to write")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    bulkhead::capture::CaptureReader reader(capture);
    bulkhead::capture::ThreadTable initial;
    reader.load_snapshot(initial);
    bulkhead::capture::ScapWriter writer(output, initial);
    uint64_t events = 0;
    while (const bulkhead::capture::Event* event = reader.next()) {
      writer.write(*event);
      ++events;
    }
    writer.close();
    std::fprintf(stderr, "%llu events -> %llu scap events in %s\n",
                 static_cast<unsigned long long>(events),
                 static_cast<unsigned long long>(writer.scap_events_written()), output.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bulkhead_scap_export: %s\n", e.what());
    return 1;
  }
}
