// The rules engine: compiled rules indexed by event type, a thread table, and the evaluation of
// every event against the rules that can match it (Falco's `rule_matching: first` or `all`).
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "capture/event.h"
#include "capture/thread_table.h"
#include "detect/fields.h"
#include "detect/rules_file.h"

namespace bulkhead::detect {

class Expr;          // compiled condition (compiled_expr.h)
class OutputFormat;  // compiled output string (output.h)
class EvalState;     // per-event evaluation scratch (compiled_expr.h)

enum class RuleMatching : uint8_t { First, All };

struct EngineOptions {
  RuleMatching matching = RuleMatching::First;
  Priority min_priority = Priority::Debug;  // rules less severe than this are not evaluated
  std::string hostname;                     // evt.hostname and the JSON `hostname`
  // user.name / group.name resolution; null: only root and nobody have names.
  std::shared_ptr<capture::UserNames> user_names;
};

struct CompiledRule {
  std::string name;
  std::string desc;
  Priority priority = Priority::Debug;
  std::vector<std::string> tags;
  std::string source;
  bool enabled = true;
  Located where;
  std::bitset<capture::kEventTypeCount> event_types;  // events this rule can match
  std::unique_ptr<Expr> condition;
  std::unique_ptr<OutputFormat> output;
  uint64_t matches = 0;  // alerts raised (statistics)

  CompiledRule();
  ~CompiledRule();
  CompiledRule(CompiledRule&&) noexcept;
  CompiledRule& operator=(CompiledRule&&) noexcept;
};

// One alert, valid during the sink callback (views into the engine's buffers).
struct Alert {
  const CompiledRule* rule = nullptr;
  uint64_t time_ns = 0;
  std::string_view output;  // the formatted output string
  // The output's fields in order of appearance: name ("proc.name", "proc.aname[2]") and rendered
  // value; `missing` = the field had no value (<NA>), `numeric` = render as a JSON number.
  struct Field {
    std::string_view name;
    std::string_view value;
    bool missing = false;
    bool numeric = false;
  };
  std::span<const Field> fields;
};
using AlertSink = std::function<void(const Alert&)>;

struct EngineStats {
  uint64_t events = 0;
  uint64_t evaluations = 0;  // rule conditions evaluated
  uint64_t alerts = 0;
};

class Engine {
 public:
  // Compiles a loaded rule set. Errors and warnings are appended to set.diagnostics (and so to
  // the caller's view of them); throws bulkhead::Error listing the errors when there are any.
  Engine(RuleSet set, EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Loads the files in order and compiles them.
  static std::unique_ptr<Engine> from_files(const std::vector<std::string>& paths,
                                            EngineOptions options);

  // Applies the event to the thread table, then evaluates the rules indexed under its type.
  void process(const capture::Event& event, const AlertSink& sink);

  capture::ThreadTable& threads() { return threads_; }
  // Takes over another engine's thread table (a rules reload keeps what is known about running
  // processes, their files and containers). `previous` is left with an empty table.
  void adopt_threads(Engine& previous) { threads_ = std::move(previous.threads_); }
  const std::vector<CompiledRule>& rules() const { return rules_; }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  const EngineStats& stats() const { return stats_; }
  // Event types at least one enabled rule needs (the live capture's in-kernel filter).
  std::bitset<capture::kEventTypeCount> interesting_event_types() const;

 private:
  EngineOptions options_;
  std::vector<CompiledRule> rules_;
  std::vector<Diagnostic> diagnostics_;
  std::array<std::vector<CompiledRule*>, capture::kEventTypeCount> by_event_type_;
  capture::ThreadTable threads_;
  FieldExtractor extractor_;
  std::unique_ptr<EvalState> state_;
  std::string output_buffer_;
  std::vector<Alert::Field> output_fields_;
  std::vector<std::string> field_value_buffers_;
  EngineStats stats_;
};

// Compiles a rule set without building an engine (rules validate): returns the compiled rules
// and appends diagnostics to `set.diagnostics`; `field_slots` receives the number of distinct
// field references (the size of EvalState's memo).
std::vector<CompiledRule> compile_rules(RuleSet& set, std::size_t* field_slots = nullptr);

}  // namespace bulkhead::detect
