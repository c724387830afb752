// Evaluating the catalogue's checks on one workload. Pure: no I/O, no host state.
#pragma once

#include <vector>

#include "audit/finding.h"
#include "audit/workload.h"

namespace bulkhead::audit {

// Every finding for `workload`, each carrying the location of the setting it is about (or the
// workload's own location for something missing) and the workload's object.
std::vector<Finding> evaluate_checks(const Workload& workload);

}  // namespace bulkhead::audit
