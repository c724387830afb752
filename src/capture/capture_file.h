// Capture files: a recorded event stream that can be replayed through the rules
// (`bulkhead watch --replay FILE`). The format is documented in docs/CAPTURE-FORMAT.md: a
// preamble, a header section, an optional thread-table snapshot, then blocks of event records,
// each section checksummed (CRC-32C).
//
// The reader is on the replay hot path: it reads the file a block (about 1 MiB) at a time into
// one reusable buffer and hands out Event views into it, so no allocation happens per event.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/unique_fd.h"
#include "capture/event.h"
#include "capture/thread_table.h"

namespace bulkhead::capture {

inline constexpr uint8_t kCaptureFormatVersion = 1;

struct CaptureHeader {
  uint8_t version = kCaptureFormatVersion;  // set by the reader; the writer always writes its own
  std::string hostname;
  uint64_t boot_time_ns = 0;      // CLOCK_REALTIME of the capturing host's boot
  uint64_t creation_time_ns = 0;  // CLOCK_REALTIME when the capture was started
  uint32_t flags = 0;             // kCaptureSynthetic, ...
};
inline constexpr uint32_t kCaptureSynthetic = 1;  // produced by the generator, not a live host

// This host's name, boot time and the current time.
CaptureHeader current_host_header();

// CRC-32C (Castagnoli) as the format uses it; exposed for tests and tools.
uint32_t crc32c(std::string_view data, uint32_t crc = 0);

class CaptureWriter {
 public:
  // Creates (truncates) `path`.
  explicit CaptureWriter(const std::string& path,
                         const CaptureHeader& header = current_host_header());
  // Writes to an open fd; `name` is used in error messages.
  CaptureWriter(UniqueFd fd, std::string name, const CaptureHeader& header);
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;
  // Closes the file if close() was not called; errors are lost then, so call close().
  ~CaptureWriter();

  // At most once, before the first event.
  void write_snapshot(const ThreadTable& table);
  void write(const Event& event);
  // Writes the buffered events as one block.
  void flush();
  // Flushes, writes the end section (with the event count) and closes the file.
  void close();
  uint64_t events_written() const { return events_; }

 private:
  void write_section(uint8_t type, std::string_view payload);
  void write_all(std::string_view bytes);

  UniqueFd fd_;
  std::string name_;
  std::string block_;
  std::string record_;
  uint64_t previous_timestamp_ = 0;
  uint64_t events_ = 0;
  bool snapshot_allowed_ = true;
  bool closed_ = false;
};

class CaptureReader {
 public:
  // Opens `path` and reads its header (and snapshot, if any); throws bulkhead::Error naming the
  // file, the byte offset and the problem for anything malformed.
  explicit CaptureReader(const std::string& path);
  // Reads a capture held in memory (tests, fuzzing); `data` must outlive the reader.
  CaptureReader(std::string_view data, std::string name);
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  const CaptureHeader& header() const { return header_; }
  bool has_snapshot() const { return has_snapshot_; }
  // Inserts the snapshot's containers and threads (with their fd tables) into `table`.
  void load_snapshot(ThreadTable& table) const;

  // The next event, or nullptr at the end. The event and its byte params stay valid until the
  // next call. Throws bulkhead::Error on malformed data.
  const Event* next();
  uint64_t events_read() const { return events_; }

 private:
  void open_sections();
  // Reads the next section header and payload into `section_`; false at a clean end of file.
  bool read_section(uint8_t& type);
  std::size_t fill(char* out, std::size_t size);
  [[noreturn]] void fail(uint64_t offset, const std::string& what) const;

  std::string name_;
  UniqueFd fd_;
  std::string_view memory_;      // memory mode
  uint64_t size_ = 0;            // total bytes of the capture
  uint64_t position_ = 0;        // bytes consumed from the source
  std::string section_;          // current section payload (reused)
  uint64_t section_offset_ = 0;  // file offset of section_[0]
  std::size_t cursor_ = 0;       // next record in section_ (events sections)
  bool in_events_ = false;
  bool ended_ = false;
  uint64_t previous_timestamp_ = 0;
  CaptureHeader header_;
  bool has_snapshot_ = false;
  std::string snapshot_;
  uint64_t snapshot_offset_ = 0;
  Event event_;
  uint64_t events_ = 0;
};

}  // namespace bulkhead::capture
