// The fields conditions and outputs can name (Falco's field names: evt.*, proc.*, thread.*,
// user.*, group.*, fd.*, container.*, k8s.*), their types and descriptions (`bulkhead rules
// fields`), and their extraction from an event plus the thread table.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "capture/event.h"
#include "capture/thread_table.h"
#include "detect/value.h"

namespace bulkhead::detect {

enum class FieldArgKind : uint8_t {
  None,           // no argument allowed
  Index,          // numeric index required: proc.aname[2]
  OptionalIndex,  // numeric index or none: proc.aname (no index = every ancestor), proc.args
  Key,            // name required: evt.arg[flags] / evt.arg.flags / evt.arg[0]
  OptionalKey,
};

struct FieldInfo {
  std::string_view name;  // "proc.aname"
  FieldType type;
  FieldArgKind arg;
  std::string_view description;
  // True when the field (with no index) yields several values: proc.aname, proc.anames?
  // Comparison is then true when any value matches (Falco's semantics for list fields
  // such as proc.aname without index, compared with `in`/`=`), and `intersects` compares sets.
  bool multi_valued = false;
  // For fields only meaningful for some events (fd.* needs an fd, evt.is_open_read needs an
  // open), nothing here: extraction simply yields no value.
};

// Every field, in display order for `bulkhead rules fields`.
std::span<const FieldInfo> all_fields();
const FieldInfo* find_field(std::string_view name);

// A field reference bound at compile time.
struct BoundField {
  const FieldInfo* info = nullptr;
  uint16_t id = 0;                     // index into all_fields()
  std::optional<int64_t> index;        // [N]
  std::string key;                     // [name] / .name
  FieldType type = FieldType::String;  // the type this reference yields (evt.arg.X depends on X)
  bool multi_valued = false;
  // evt.arg / evt.rawarg: per event type, the index of the bound parameter in Event::params
  // (-1: that event type has no such parameter), resolved once here so extraction is an array
  // lookup instead of a name search.
  std::array<int8_t, capture::kEventTypeCount> param_slot{};
};

// Resolves `name` with an optional bracket argument (`proc.aname`, "2") to a bound field.
// Handles the dotted key form (`evt.arg.flags`, `evt.rawarg.res`). Returns an error message
// (not an exception: the caller adds file/line/column) when the field is unknown or the
// argument does not fit.
struct FieldResolution {
  std::optional<BoundField> field;
  std::string error;
};
FieldResolution resolve_field(std::string_view name, std::optional<std::string_view> argument);

// What extraction sees for one event.
struct EventContext {
  const capture::Event* event = nullptr;
  const capture::ThreadTable* threads = nullptr;
  const capture::ThreadInfo* thread = nullptr;  // the caller, after ThreadTable::apply
  std::string_view hostname;
  // Resolves user.name / group.name (per container). Without it only uid/gid 0 ("root") and
  // 65534 ("nobody") have names.
  capture::UserNames* user_names = nullptr;
};

// Extracts field values. Owns scratch storage for computed strings (proc.cmdline, fd.name of a
// socket, rendered flags) so that, after warm-up, extraction does not allocate.
class FieldExtractor {
 public:
  FieldExtractor();
  // Clears per-event scratch; call once per event before extracting.
  void begin_event();
  // Appends the field's values for this event to `out` (nothing when the field has no value for
  // this event: Falco's <NA>). Multi-valued fields append several.
  void extract(const BoundField& field, const EventContext& context, std::vector<Value>& out);
  // The value rendered as Falco prints it in outputs (`%field`): strings as is (byte buffers
  // with non-printable bytes as '.'), numbers in decimal, booleans as true/false, IPs in their
  // usual text form. Flags, modes and times are already text in the Value. Appends to out.
  static void render(const BoundField& field, const Value& value, std::string& out);

 private:
  // Stable storage for computed strings: a list of reusable buffers (deque-like, not moved).
  std::vector<std::unique_ptr<std::string>> scratch_;
  std::size_t scratch_used_ = 0;
  std::string& scratch();

  uint64_t event_number_ = 0;  // evt.num: counts begin_event() calls
  // Per-event cache of the event's fd (fd.* fields are often read several times per event).
  const capture::Event* fd_event_ = nullptr;
  int64_t fd_number_ = -1;
  bool fd_known_ = false;  // fd_number_ is meaningful
  const capture::FdInfo* fd_info_ = nullptr;
  capture::FdInfo failed_open_;  // a failed open's would-be fd (name = the path asked for)

  const capture::FdInfo* event_fd(const EventContext& context, int64_t& number);
};

}  // namespace bulkhead::detect
