// Clock readings as nanosecond counts, the unit event timestamps and retention times are kept in.
#pragma once

#include <time.h>

#include <cstdint>

namespace bulkhead {

inline uint64_t timespec_ns(const timespec& t) {
  return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(t.tv_nsec);
}

// CLOCK_REALTIME unless told otherwise.
inline uint64_t clock_now_ns(clockid_t clock = CLOCK_REALTIME) {
  timespec now{};
  ::clock_gettime(clock, &now);
  return timespec_ns(now);
}

}  // namespace bulkhead
