// Fuzzes the runtime floor's policy reader: arbitrary bytes (YAML or JSON) through
// parse_floor_policy().
//
// Rejecting input with bulkhead::Error is the reader doing its job; anything else (a crash, a
// sanitizer report, a yaml-cpp or any other exception) is a bug. A policy it accepts names only
// catalogue checks, and gives every check an action.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "audit/catalogue.h"
#include "audit/policy.h"
#include "base/error.h"

namespace {

using namespace bulkhead;
using namespace bulkhead::audit;

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "fuzz_audit_policy: %s\ninput (%zu bytes):\n%.*s\n", what.c_str(),
               input.size(), static_cast<int>(input.size()), input.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  FloorPolicy policy;
  try {
    policy = parse_floor_policy(input, "fuzz-input");
  } catch (const Error&) {
    return 0;
  } catch (const std::exception& e) {
    fail(std::string("parse_floor_policy() threw a non-bulkhead exception: ") + e.what(), input);
  }
  if (policy.source != "fuzz-input") fail("the policy does not name its file", input);
  for (const auto& [id, action] : policy.per_check) {
    if (!find_check(id)) fail("per_check names an unknown check: " + id, input);
    if (!floor_action_from_name(floor_action_name(action)))
      fail("an action without a name for check " + id, input);
  }
  for (const Check& check : catalogue()) {
    Finding finding;
    finding.check_id = check.id;
    finding.severity = check.severity;
    FloorAction action = policy.action_for(finding);
    std::vector<Finding> findings = {finding};
    FloorVerdict verdict = apply_floor(findings, policy, {});
    size_t placed = verdict.refused.size() + verdict.allowed.size() + verdict.warned.size() +
                    verdict.silenced.size();
    if (placed != 1) fail("apply_floor() lost or duplicated " + check.id, input);
    if ((action == FloorAction::Enforce) != !verdict.may_start())
      fail("apply_floor() disagrees with action_for() on " + check.id, input);
  }
  return 0;
}
