#include "cli/alert_writer.h"

#include "base/error.h"

namespace bulkhead::cli {

AlertWriter::AlertWriter(const std::string& path) {
  if (path.empty() || path == "-") {
    file_ = stdout;
  } else {
    file_ = std::fopen(path.c_str(), "we");
    if (!file_) throw_errno("opening the alert output " + path);
    owned_ = true;
  }
}

AlertWriter::~AlertWriter() {
  if (owned_) std::fclose(file_);
}

void AlertWriter::line(const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() ||
      std::fputc('\n', file_) == EOF)
    throw_errno("writing an alert");
  pending_ = true;
}

void AlertWriter::flush() {
  if (!pending_) return;
  if (std::fflush(file_) != 0) throw_errno("writing alerts");
  pending_ = false;
}

}  // namespace bulkhead::cli
