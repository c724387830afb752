// Fuzzes the OCI config.json reader: arbitrary bytes through parse_spec().
//
// Rejecting input with bulkhead::Error is the reader doing its job; anything else (a crash, a
// sanitizer report, any other exception) is a bug. A spec that parses must survive a round trip
// through spec_to_json() unchanged: `bulkhead run --dry-run` prints specs in that form, the
// runtime stores them as config.json, and both are read back by parse_spec(), so what the
// writer produces must mean to the reader exactly what was parsed.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "base/error.h"
#include "spec/spec.h"

namespace {

using namespace bulkhead;

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "fuzz_spec: %s\ninput (%zu bytes):\n%.*s\n", what.c_str(), input.size(),
               static_cast<int>(input.size()), input.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  spec::Spec parsed;
  try {
    parsed = spec::parse_spec(input, "fuzz-input");
  } catch (const Error&) {
    return 0;
  }

  // Writing may throw for a spec the model cannot express, but the reader must never have
  // accepted one, so every failure from here on is a bug; catching std::exception turns a
  // library exception (nlohmann's) into a report that shows the input.
  nlohmann::json written;
  std::string text;
  try {
    written = spec::spec_to_json(parsed);
    text = written.dump(2);
  } catch (const std::exception& e) {
    fail(std::string("spec_to_json() failed on a spec parse_spec() accepted: ") + e.what(), input);
  }
  spec::Spec reread;
  try {
    reread = spec::parse_spec(text, "round-trip");
  } catch (const std::exception& e) {
    fail(std::string("spec_to_json() wrote a spec parse_spec() rejects: ") + e.what() +
             "\nwritten:\n" + text,
         input);
  }
  nlohmann::json rewritten = spec::spec_to_json(reread);
  if (rewritten != written)
    fail("round trip changed the spec:\nfirst:\n" + text + "\nsecond:\n" + rewritten.dump(2),
         input);
  return 0;
}
