// Docker profiles carry conditions (`includes`/`excludes` on capabilities, architectures and the
// kernel version) and an `archMap`; the OCI runtime spec has neither. dockerd decides them when
// it writes a container's config.json, and so does Bulkhead: flatten() turns a profile into the
// plain OCI form for one container, so any OCI runtime that reads the spec enforces the filter
// resolve() would have built from the original.
#pragma once

#include "seccomp/filter.h"
#include "seccomp/profile.h"

namespace bulkhead::seccomp {

// The profile as `options` (capabilities, native architecture, kernel) sees it:
// - only the rules whose conditions hold, with the conditions removed (decided by
//   rule_applies(), the same decision resolve() makes);
// - `archMap` replaced by `architectures`: the native architecture and its sub-architectures
//   (options.only_arches, when given, instead);
// - for an allow-list profile, the syscall names that only dropped rules mentioned, in one
//   extra rule with the default action. resolve() treats numbers above the highest name a
//   profile mentions as "newer than the profile" (ENOSYS); keeping those names keeps that
//   boundary where it was, without changing what any named syscall gets.
// resolve(flatten(p, o), o) gives every syscall the same rules as resolve(p, o).
// Throws Error for an unknown capability or a bad minKernel in a condition.
Profile flatten(const Profile& profile, const ResolveOptions& options);

}  // namespace bulkhead::seccomp
