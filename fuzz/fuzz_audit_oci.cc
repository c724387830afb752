// Fuzzes the audit's OCI config.json reader: arbitrary bytes through read_oci_config(), then the
// checks on what it read.
//
// Rejecting input with bulkhead::Error is the reader doing its job; anything else (a crash, a
// sanitizer report, any other exception) is a bug. What it accepts must give one workload whose
// findings all point into the file. And the reader is lenient where spec::parse_spec() is
// strict, so every config the runtime's reader accepts must be read here too, and must mean the
// same to the checks as the spec `bulkhead run` would audit (workload_from_spec): the only
// difference allowed is that a file without linux.seccomp is "missing" a profile, while a
// spec without one runs unconfined.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <set>
#include <string>
#include <string_view>

#include "audit/checks.h"
#include "audit/inputs.h"
#include "base/error.h"
#include "spec/spec.h"

namespace {

using namespace bulkhead;
using namespace bulkhead::audit;

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "fuzz_audit_oci: %s\ninput (%zu bytes):\n%.*s\n", what.c_str(), input.size(),
               static_cast<int>(input.size()), input.data());
  std::abort();
}

std::string listed(const std::set<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) out += " " + id;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<Workload> workloads;
  bool read = false;
  try {
    workloads = read_oci_config(input, "bundle/fuzz-input");
    read = true;
  } catch (const Error&) {
  } catch (const std::exception& e) {
    fail(std::string("read_oci_config() threw a non-bulkhead exception: ") + e.what(), input);
  }

  // The strict reader accepting what the lenient one refuses is a bug in the lenient one.
  std::optional<spec::Spec> strict;
  try {
    strict = spec::parse_spec(input, "bundle/fuzz-input");
  } catch (const std::exception&) {
  }
  if (!read) {
    if (strict) fail("parse_spec() accepts a config read_oci_config() refuses", input);
    return 0;
  }

  if (workloads.size() != 1) fail("not exactly one workload", input);
  const Workload& workload = workloads.front();
  if (workload.format != InputFormat::OciConfig) fail("format is not OciConfig", input);
  if (workload.object != "fuzz-input") fail("object is not the file's base name", input);
  std::set<std::string> from_file;
  try {
    for (const Finding& finding : evaluate_checks(workload)) {
      if (finding.where.file != "bundle/fuzz-input" || finding.where.line < 1 ||
          finding.where.column < 1)
        fail(finding.check_id + " points outside the file: " + finding.where.str(), input);
      from_file.insert(finding.check_id == "BH-SECCOMP-MISSING" ? "BH-SECCOMP-UNCONFINED"
                                                                : finding.check_id);
    }
  } catch (const std::exception& e) {
    fail(std::string("evaluate_checks() threw: ") + e.what(), input);
  }

  if (strict) {
    std::set<std::string> from_spec;
    for (const Finding& finding : evaluate_checks(workload_from_spec(*strict, "spec")))
      from_spec.insert(finding.check_id);
    if (from_file != from_spec)
      fail("the file and its parsed spec audit differently:\n  file:" + listed(from_file) +
               "\n  spec:" + listed(from_spec),
           input);
  }
  return 0;
}
