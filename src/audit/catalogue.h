// The catalogue of audit checks: every finding Bulkhead reports, from files, from the live host
// or at container start, names one of these ids. Ids are stable: tools and policy files key on
// them, so an id is never renamed or reused.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/finding.h"

namespace bulkhead::audit {

struct Reference {
  std::string scheme;  // "CIS-Docker" (CIS Docker Benchmark 1.6 section 5), "PSS" (Kubernetes Pod
                       // Security Standards), "Trivy" (KSV ids), "Checkov", "Hadolint"
  std::string id;      // "5.4", "baseline/privileged", "KSV017"
};

struct Check {
  std::string id;           // "BH-PRIVILEGED"
  Severity severity;        // default severity of every finding of this check
  std::string title;        // one line: "Container runs privileged"
  std::string rationale;    // why it matters: one paragraph
  std::string remediation;  // how to fix it, naming the setting in each format it applies to
  std::vector<Reference> references;
  std::vector<InputFormat> applies_to;  // the inputs this check can find something in
};

// All checks, ordered by id.
std::span<const Check> catalogue();
// nullptr when unknown.
const Check* find_check(std::string_view id);
bool check_applies_to(const Check& check, InputFormat format);

}  // namespace bulkhead::audit
