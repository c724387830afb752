// Where `bulkhead watch` writes its alerts: stdout or a file, one line each. The caller flushes
// after every batch of events (live) or at the end (replay), so an alert reaches its reader
// within the batch's time without a write per alert.
#pragma once

#include <cstdio>
#include <string>

namespace bulkhead::cli {

class AlertWriter {
 public:
  // "" or "-": stdout.
  explicit AlertWriter(const std::string& path);
  ~AlertWriter();
  AlertWriter(const AlertWriter&) = delete;
  AlertWriter& operator=(const AlertWriter&) = delete;

  void line(const std::string& text);
  // Writes out what line() buffered (nothing to do when nothing was).
  void flush();

 private:
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  bool pending_ = false;
};

}  // namespace bulkhead::cli
