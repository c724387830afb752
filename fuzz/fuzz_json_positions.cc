// Fuzzes JsonDocument, the JSON reader that remembers where every value came from.
//
// Arbitrary bytes go through JsonDocument::parse(); a syntax error must come out as
// bulkhead::Error. For a document that parses, where() is asked about every value in it: the
// answer must lie inside the input, and for an object member (located at its key) or a string
// array element it must point at an opening quote, which is what error messages rely on when
// they say "line L, column C".
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/json.h"

namespace {

using bulkhead::JsonDocument;
using bulkhead::SourceLocation;

class PositionChecker {
 public:
  explicit PositionChecker(std::string_view text) : text_(text) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') line_starts_.push_back(i + 1);
  }

  // `quoted`: the location must be an opening quote.
  void check(const JsonDocument& doc, const std::string& pointer, bool quoted) const {
    SourceLocation at = doc.where(pointer);
    if (at.file != doc.source()) fail(pointer, at, "wrong source name");
    if (at.line < 1 || static_cast<size_t>(at.line) > line_starts_.size())
      fail(pointer, at, "line outside the input");
    size_t start = line_starts_[static_cast<size_t>(at.line) - 1];
    size_t end = static_cast<size_t>(at.line) < line_starts_.size()
                     ? line_starts_[static_cast<size_t>(at.line)]
                     : text_.size();
    if (at.column < 1 || start + static_cast<size_t>(at.column) - 1 > end)
      fail(pointer, at, "column outside its line");
    size_t offset = start + static_cast<size_t>(at.column) - 1;
    if (quoted && (offset >= text_.size() || text_[offset] != '"'))
      fail(pointer, at, "expected the location of an opening quote");
    // The readable field name must be computable for every pointer (errors print it).
    (void)bulkhead::readable_pointer(pointer);
  }

 private:
  [[noreturn]] void fail(const std::string& pointer, const SourceLocation& at,
                         const char* what) const {
    std::fprintf(stderr, "fuzz_json_positions: %s: pointer \"%s\" at %s\ninput:\n%.*s\n", what,
                 pointer.c_str(), at.str().c_str(), static_cast<int>(text_.size()), text_.data());
    std::abort();
  }

  std::string_view text_;
  std::vector<size_t> line_starts_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<JsonDocument> doc;
  try {
    doc = JsonDocument::parse(text, "fuzz-input");
  } catch (const bulkhead::Error&) {
    return 0;
  }
  PositionChecker checker(text);
  // Iterative walk: inputs nest thousands deep, recursion here would overflow first.
  struct Item {
    const nlohmann::json* node;
    std::string pointer;
    bool quoted;
  };
  std::vector<Item> pending{{&doc->root(), "", doc->root().is_string()}};
  while (!pending.empty()) {
    Item item = std::move(pending.back());
    pending.pop_back();
    checker.check(*doc, item.pointer, item.quoted);
    if (item.node->is_object()) {
      for (const auto& [key, value] : item.node->items())
        pending.push_back({&value, item.pointer + "/" + bulkhead::escape_pointer_token(key), true});
    } else if (item.node->is_array()) {
      for (size_t i = 0; i < item.node->size(); ++i) {
        const auto& element = (*item.node)[i];
        pending.push_back({&element, item.pointer + "/" + std::to_string(i), element.is_string()});
      }
    }
  }
  return 0;
}
