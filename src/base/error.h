// Error values that carry their cause (and, for bad input, the file, line, column and field)
// up to the one place that prints them: the CLI's main().
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace bulkhead {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown

  std::string str() const;
};

class Error : public std::runtime_error {
 public:
  explicit Error(std::string message);
  // An error in user input: `field` is the JSON-pointer-like path of the offending field.
  Error(SourceLocation where, std::string field, std::string message);

  const std::optional<SourceLocation>& where() const { return where_; }
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }

 private:
  std::optional<SourceLocation> where_;
  std::string field_;
  std::string message_;
};

// A failed system call: keeps errno so callers (and tests) can tell causes apart.
class SystemError : public Error {
 public:
  SystemError(std::string what, int err);
  int code() const { return code_; }

 private:
  int code_;
};

// An error that also decides the process's exit status (e.g. 127 when a container's command
// cannot be found, as docker and shells report it).
class ExitStatusError : public Error {
 public:
  ExitStatusError(std::string message, int exit_status)
      : Error(std::move(message)), exit_status_(exit_status) {}
  int exit_status() const { return exit_status_; }

 private:
  int exit_status_;
};

[[noreturn]] void throw_errno(const std::string& what);

}  // namespace bulkhead
