// Compiled conditions: a tree of expression nodes evaluated per event. Operands are converted
// once at compile time to the field's type (numbers parsed, IPs and CIDRs decoded, lists turned
// into hash sets, path-prefix lists into a prefix set, globs and regexes compiled).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "detect/fields.h"

namespace bulkhead::detect {

// Per-event evaluation state: the extractor and, per field reference, the values extracted for
// the current event. Rules share field references (every rule asks for container.id, fd.name,
// proc.name ...): each is extracted once per event, whatever the number of rules asking. The
// buffers are reused, so nothing is allocated once warm.
class EvalState {
 public:
  struct Memo {
    uint64_t generation = 0;  // the event the values belong to
    std::vector<Value> values;
  };

  EvalState(FieldExtractor& extractor, std::size_t field_slots)
      : extractor_(extractor), memo_(field_slots) {}

  FieldExtractor& extractor() { return extractor_; }
  const EventContext& context() const { return *context_; }
  // Starts an event: scratch storage of the previous one is reused from here on.
  void begin(const EventContext& context);
  // The memo of a field reference (slots are numbered by the compiler).
  Memo& memo(uint32_t slot) { return memo_[slot]; }
  uint64_t generation() const { return generation_; }
  // A scratch string that lives until the next event (transformers' results).
  std::string& scratch_string();

 private:
  FieldExtractor& extractor_;
  const EventContext* context_ = nullptr;
  std::vector<Memo> memo_;
  uint64_t generation_ = 0;
  std::vector<std::unique_ptr<std::string>> strings_;
  std::size_t strings_used_ = 0;
};

class Expr {
 public:
  virtual ~Expr() = default;
  virtual bool eval(EvalState& state) const = 0;
  // Relative evaluation cost, used to order the children of and/or cheapest first.
  virtual int cost() const = 0;
};

}  // namespace bulkhead::detect
