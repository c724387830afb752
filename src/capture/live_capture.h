// Live syscall capture with eBPF (bpf/capture.bpf.c): loads and attaches the programs, selects
// in the kernel which events reach user space, and decodes the ring buffer's records into
// capture::Event. Needs root (CAP_BPF + CAP_PERFMON) and a kernel with BTF, tp_btf programs and
// BPF ring buffers; the constructor says which is missing.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "capture/event.h"
#include "capture/record_decoder.h"

namespace bulkhead::capture {

struct LiveCaptureOptions {
  // Event types sent to user space (the caller ORs in state_event_types()).
  std::bitset<kEventTypeCount> event_types;
  std::size_t ring_buffer_bytes = 16u << 20;  // power of two >= page size
};

struct LiveCounters {
  uint64_t syscalls_seen = 0, events_sent = 0, events_dropped = 0;
};

// The event types the thread table needs to follow processes, fds and sockets.
std::bitset<kEventTypeCount> state_event_types();

class LiveCapture {
 public:
  // Checks the kernel (BTF present, BPF allowed) and loads + attaches; throws bulkhead::Error
  // naming the missing feature.
  explicit LiveCapture(const LiveCaptureOptions& options);
  ~LiveCapture();  // detaches
  LiveCapture(const LiveCapture&) = delete;
  LiveCapture& operator=(const LiveCapture&) = delete;

  // Reload: rewrites the in-kernel filter in place (each syscall's entry is one byte, so a
  // syscall sees either the old or the new selection).
  void set_event_types(const std::bitset<kEventTypeCount>& types);
  int ring_buffer_fd() const;  // epoll-able: readable when records are waiting
  // Consumes the available records (waits up to timeout_ms for the first, 0 = no wait), calling
  // visit for each decoded event; the Event's views stay valid during the call. Returns the
  // number of records consumed (malformed ones included).
  std::size_t poll(int timeout_ms,
                   const std::function<void(const Event&, const LiveEventContext&)>& visit);
  LiveCounters counters() const;  // summed over CPUs
  std::size_t ring_buffer_bytes() const;
  std::size_t ring_buffer_used() const;  // bytes not yet consumed (producer - consumer position)
  // Records the decoder rejected (a kernel/user-space format mismatch; should stay 0).
  uint64_t malformed_records() const;
  std::string_view last_malformed_reason() const;  // empty while malformed_records() is 0

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace bulkhead::capture
