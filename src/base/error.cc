#include "base/error.h"

#include <cerrno>
#include <cstring>

namespace bulkhead {

std::string SourceLocation::str() const {
  std::string out = file.empty() ? "<input>" : file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  return out;
}

namespace {
std::string compose(const SourceLocation& where, const std::string& field,
                    const std::string& message) {
  std::string out = where.str() + ": ";
  if (!field.empty()) out += field + ": ";
  return out + message;
}
}  // namespace

Error::Error(std::string message) : std::runtime_error(message), message_(std::move(message)) {}

Error::Error(SourceLocation where, std::string field, std::string message)
    : std::runtime_error(compose(where, field, message)),
      where_(std::move(where)),
      field_(std::move(field)),
      message_(std::move(message)) {}

SystemError::SystemError(std::string what, int err)
    : Error(what + ": " + std::strerror(err)), code_(err) {}

void throw_errno(const std::string& what) {
  throw SystemError(what, errno);
}

}  // namespace bulkhead
