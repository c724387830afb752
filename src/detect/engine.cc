#include "detect/engine.h"

#include "base/error.h"
#include "detect/compiled_expr.h"
#include "detect/output.h"

namespace bulkhead::detect {

CompiledRule::CompiledRule() = default;
CompiledRule::~CompiledRule() = default;
CompiledRule::CompiledRule(CompiledRule&&) noexcept = default;
CompiledRule& CompiledRule::operator=(CompiledRule&&) noexcept = default;

namespace {

std::string describe_errors(const std::vector<Diagnostic>& diagnostics) {
  std::string text = "the rules do not load:";
  int shown = 0;
  for (const auto& diagnostic : diagnostics) {
    if (diagnostic.severity != Diagnostic::Severity::Error) continue;
    if (++shown > 20) {
      text += "\n  ...";
      break;
    }
    text += "\n  " + diagnostic.str();
  }
  return text;
}

}  // namespace

Engine::Engine(RuleSet set, EngineOptions options) : options_(std::move(options)) {
  std::size_t field_slots = 0;
  rules_ = compile_rules(set, &field_slots);
  state_ = std::make_unique<EvalState>(extractor_, field_slots);
  diagnostics_ = std::move(set.diagnostics);
  if (std::any_of(diagnostics_.begin(), diagnostics_.end(),
                  [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::Error; }))
    throw Error(describe_errors(diagnostics_));
  for (auto& rule : rules_) {
    if (!rule.enabled || rule.priority > options_.min_priority) continue;
    for (std::size_t type = 0; type < capture::kEventTypeCount; ++type)
      if (rule.event_types.test(type)) by_event_type_[type].push_back(&rule);
  }
}

Engine::~Engine() = default;

std::unique_ptr<Engine> Engine::from_files(const std::vector<std::string>& paths,
                                           EngineOptions options) {
  RuleSet set;
  for (const auto& path : paths) load_rules_file(set, path);
  return std::make_unique<Engine>(std::move(set), std::move(options));
}

std::bitset<capture::kEventTypeCount> Engine::interesting_event_types() const {
  std::bitset<capture::kEventTypeCount> types;
  for (std::size_t type = 0; type < capture::kEventTypeCount; ++type)
    if (!by_event_type_[type].empty()) types.set(type);
  return types;
}

void Engine::process(const capture::Event& event, const AlertSink& sink) {
  ++stats_.events;
  const capture::ThreadInfo* thread = threads_.apply(event);
  extractor_.begin_event();  // every event, so that evt.num counts them all
  const auto& candidates = by_event_type_[static_cast<std::size_t>(event.type)];
  if (candidates.empty()) return;
  EventContext context{&event, &threads_, thread, options_.hostname};
  context.user_names = options_.user_names.get();
  state_->begin(context);
  for (CompiledRule* rule : candidates) {
    ++stats_.evaluations;
    if (!rule->condition->eval(*state_)) continue;
    ++rule->matches;
    ++stats_.alerts;
    rule->output->format(extractor_, context, output_buffer_, output_fields_, field_value_buffers_);
    Alert alert;
    alert.rule = rule;
    alert.time_ns = event.timestamp_ns;
    alert.output = output_buffer_;
    alert.fields = output_fields_;
    sink(alert);
    if (options_.matching == RuleMatching::First) break;
  }
}

}  // namespace bulkhead::detect
