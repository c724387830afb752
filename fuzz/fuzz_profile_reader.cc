// Fuzzes the profile reader: arbitrary bytes through parse_profile().
//
// Rejecting input with bulkhead::Error is the reader doing its job; anything else (a crash, a
// sanitizer report, any other exception) is a bug. A profile that parses must survive a round
// trip through profile_to_json() unchanged, and resolve to the same Filter before and after it,
// because `bulkhead seccomp default` prints profiles in that form for other tools to read back.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "seccomp/filter.h"
#include "seccomp/profile.h"

namespace {

using namespace bulkhead;
using namespace bulkhead::seccomp;

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "fuzz_profile_reader: %s\ninput (%zu bytes):\n%.*s\n", what.c_str(),
               input.size(), static_cast<int>(input.size()), input.data());
  std::abort();
}

bool same_rules(const std::vector<ResolvedRule>& a, const std::vector<ResolvedRule>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(a[i].action == b[i].action) || a[i].args != b[i].args ||
        a[i].source_index != b[i].source_index || a[i].multiplexed != b[i].multiplexed)
      return false;
  return true;
}

bool same_filter(const Filter& a, const Filter& b) {
  if (!(a.default_action == b.default_action) || !(a.bad_arch_action == b.bad_arch_action) ||
      a.unknown_action != b.unknown_action || a.flags != b.flags ||
      a.skipped_names != b.skipped_names || a.arches.size() != b.arches.size())
    return false;
  for (size_t i = 0; i < a.arches.size(); ++i) {
    const auto& x = a.arches[i];
    const auto& y = b.arches[i];
    if (x.arch != y.arch || x.highest_known != y.highest_known ||
        x.syscalls.size() != y.syscalls.size())
      return false;
    for (auto xi = x.syscalls.begin(), yi = y.syscalls.begin(); xi != x.syscalls.end(); ++xi, ++yi)
      if (xi->first != yi->first || xi->second.name != yi->second.name ||
          !same_rules(xi->second.rules, yi->second.rules))
        return false;
  }
  return true;
}

// Resolving may reject a profile that parsed (an unknown capability in a condition, a bad
// minKernel): that is an Error too, and must then happen for the round-tripped profile alike.
std::optional<Filter> try_resolve(const Profile& profile, Arch native) {
  ResolveOptions options;
  options.native = native;
  options.kernel = KernelVersion{5, 10};  // fixed, so the outcome does not depend on the host
  options.ignore_unknown = true;
  try {
    return resolve(profile, options);
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Profile profile;
  try {
    profile = parse_profile(input, "fuzz-input");
  } catch (const Error&) {
    return 0;
  }

  nlohmann::json written = profile_to_json(profile);
  std::string text = written.dump(2);
  Profile reread;
  try {
    reread = parse_profile(text, "round-trip");
  } catch (const Error& e) {
    fail(std::string("profile_to_json() wrote a profile parse_profile() rejects: ") + e.what() +
             "\nwritten:\n" + text,
         input);
  }
  nlohmann::json rewritten = profile_to_json(reread);
  if (rewritten != written)
    fail("round trip changed the profile:\nfirst:\n" + text + "\nsecond:\n" + rewritten.dump(2),
         input);

  for (Arch native : {Arch::X86_64, Arch::AArch64}) {
    auto original = try_resolve(profile, native);
    auto round_tripped = try_resolve(reread, native);
    if (original.has_value() != round_tripped.has_value())
      fail("resolve() accepted only one of the profile and its round trip", input);
    if (original && !same_filter(*original, *round_tripped))
      fail("the round-tripped profile resolves to a different filter:\n" + text, input);
  }
  return 0;
}
