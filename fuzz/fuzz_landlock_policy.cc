// Fuzzes the Landlock policy reader: arbitrary bytes (YAML or JSON) through
// parse_landlock_policy().
//
// Rejecting input with bulkhead::Error is the reader doing its job; anything else (a crash, a
// sanitizer report, a yaml-cpp or any other exception) is a bug. A policy that parses must
// survive a round trip through landlock_policy_to_json() unchanged, because that JSON is what
// `bulkhead run` stores in the spec's run.bulkhead.landlock annotation for the runtime to read
// back. Its required ABI must be a known one, enough for features_above_abi() to find nothing
// missing, and the ABI below it must lack something, or the runtime would refuse or accept a
// kernel for the wrong reason.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/strings.h"
#include "mac/landlock.h"

namespace {

using namespace bulkhead;
using namespace bulkhead::mac;

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "fuzz_landlock_policy: %s\ninput (%zu bytes):\n%.*s\n", what.c_str(),
               input.size(), static_cast<int>(input.size()), input.data());
  std::abort();
}

void check_required_abi(const LandlockPolicy& policy, std::string_view input) {
  int abi = policy.required_abi();
  if (abi < 1 || abi > kMaxKnownAbi)
    fail(
        "required_abi() is " + std::to_string(abi) + ", outside 1.." + std::to_string(kMaxKnownAbi),
        input);
  auto missing = features_above_abi(policy, abi);
  if (!missing.empty())
    fail("features_above_abi(required_abi() = " + std::to_string(abi) +
             ") still finds: " + join(missing, "; "),
         input);
  if (features_above_abi(policy, abi - 1).empty())
    fail("required_abi() is " + std::to_string(abi) + " but ABI " + std::to_string(abi - 1) +
             " lacks nothing the policy uses",
         input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  LandlockPolicy policy;
  try {
    policy = parse_landlock_policy(input, "fuzz-input");
  } catch (const Error&) {
    return 0;
  }
  check_required_abi(policy, input);

  // Every failure from here on is a bug; catching std::exception turns a library exception
  // (nlohmann's, yaml-cpp's) into a report that shows the input.
  nlohmann::json written;
  std::string text;
  try {
    written = landlock_policy_to_json(policy);
    text = written.dump();  // compact, as build_spec() stores it in the annotation
  } catch (const std::exception& e) {
    fail(std::string("landlock_policy_to_json() failed on a policy the reader accepted: ") +
             e.what(),
         input);
  }
  LandlockPolicy reread;
  try {
    reread = parse_landlock_policy(text, "round-trip");
  } catch (const std::exception& e) {
    fail(std::string("landlock_policy_to_json() wrote a policy the reader rejects: ") + e.what() +
             "\nwritten:\n" + text,
         input);
  }
  nlohmann::json rewritten = landlock_policy_to_json(reread);
  if (rewritten != written)
    fail("round trip changed the policy:\nfirst:\n" + text + "\nsecond:\n" + rewritten.dump(),
         input);
  if (reread.required_abi() != policy.required_abi())
    fail("round trip changed required_abi() from " + std::to_string(policy.required_abi()) +
             " to " + std::to_string(reread.required_abi()),
         input);
  return 0;
}
