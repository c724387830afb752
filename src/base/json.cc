#include "base/json.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace bulkhead {

namespace {

// Line starts of the text, so an offset becomes (line, column).
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') starts_.push_back(i + 1);
  }
  std::pair<int, int> at(size_t offset) const {
    auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
    size_t line = static_cast<size_t>(it - starts_.begin());
    return {static_cast<int>(line), static_cast<int>(offset - starts_[line - 1] + 1)};
  }

 private:
  std::vector<size_t> starts_;
};

// An input iterator over the text that publishes how far the lexer has read, so the SAX
// callbacks below know where each token ended.
class TrackingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackingIterator() = default;
  TrackingIterator(const char* pos, const char** progress) : pos_(pos), progress_(progress) {}
  reference operator*() const {
    *progress_ = pos_;
    return *pos_;
  }
  TrackingIterator& operator++() {
    ++pos_;
    return *this;
  }
  TrackingIterator operator++(int) {
    auto copy = *this;
    ++pos_;
    return copy;
  }
  bool operator==(const TrackingIterator& other) const { return pos_ == other.pos_; }
  bool operator!=(const TrackingIterator& other) const { return pos_ != other.pos_; }

 private:
  const char* pos_ = nullptr;
  const char** progress_ = nullptr;
};

}  // namespace

// Builds the DOM (like nlohmann's own SAX DOM parser) and records the position of every value.
class JsonPositionRecorder : public nlohmann::json_sax<nlohmann::json> {
 public:
  JsonPositionRecorder(JsonDocument& doc, std::string_view text, const char** progress)
      : doc_(doc), text_(text), lines_(text), progress_(progress) {}

  bool null() override { return value(nullptr); }
  bool boolean(bool v) override { return value(v); }
  bool number_integer(number_integer_t v) override { return value(v); }
  bool number_unsigned(number_unsigned_t v) override { return value(v); }
  bool number_float(number_float_t v, const string_t&) override { return value(v); }
  bool string(string_t& v) override {
    place(nlohmann::json(v), '"');
    return true;
  }
  bool binary(binary_t& v) override { return value(nlohmann::json::binary(v)); }

  bool start_object(std::size_t) override {
    auto* node = place(nlohmann::json::object());
    stack_.push_back({node, current_pointer(), ""});
    return true;
  }
  bool key(string_t& k) override {
    auto& top = stack_.back();
    top.key = k;
    std::string pointer = top.pointer + "/" + escape_pointer_token(k);
    auto [line, col] = lines_.at(token_start('"'));
    // Parsers disagree on which of two equal keys counts; a policy must mean one thing.
    if (top.node->contains(k))
      throw Error(SourceLocation{doc_.source_, line, col}, readable_pointer(pointer),
                  "duplicate key \"" + k + "\"");
    doc_.positions_.try_emplace(pointer, line, col);
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    auto* node = place(nlohmann::json::array());
    stack_.push_back({node, current_pointer(), ""});
    return true;
  }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t byte, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    size_t offset = byte == 0 ? 0 : std::min(byte - 1, text_.size());
    auto [line, col] = lines_.at(offset);
    std::string message = ex.what();
    // nlohmann's message repeats the position; keep only the description.
    if (auto p = message.find("syntax error"); p != std::string::npos) message = message.substr(p);
    throw Error(SourceLocation{doc_.source_, line, col}, "", "malformed JSON: " + message);
  }

 private:
  struct Frame {
    nlohmann::json* node;
    std::string pointer;
    std::string key;
  };

  // Offset of the start of the token just read: for strings, the opening quote.
  size_t token_start(char quote) const {
    size_t end = static_cast<size_t>(*progress_ - text_.data());
    if (end >= text_.size()) end = text_.size() - 1;
    if (quote && text_[end] == quote && end > 0) {
      for (size_t i = end; i-- > 0;) {
        if (text_[i] == quote) {
          size_t backslashes = 0;
          for (size_t j = i; j-- > 0 && text_[j] == '\\';) ++backslashes;
          if (backslashes % 2 == 0) return i;
        }
      }
    }
    return end;
  }

  std::string current_pointer() const {
    if (stack_.empty()) return "";
    const auto& top = stack_.back();
    if (top.node->is_array()) return top.pointer + "/" + std::to_string(top.node->size() - 1);
    return top.pointer + "/" + escape_pointer_token(top.key);
  }

  nlohmann::json* place(nlohmann::json v, char quote = 0) {
    if (stack_.empty()) {
      doc_.root_ = std::move(v);
      record("", token_start(quote));
      return &doc_.root_;
    }
    auto& top = stack_.back();
    nlohmann::json* slot;
    if (top.node->is_array()) {
      top.node->push_back(std::move(v));
      slot = &top.node->back();
      record(current_pointer(), token_start(quote));
    } else {
      slot = &(*top.node)[top.key];
      *slot = std::move(v);
    }
    return slot;
  }

  template <typename T>
  bool value(T&& v) {
    place(nlohmann::json(std::forward<T>(v)));
    return true;
  }

  void record(const std::string& pointer, size_t offset) {
    doc_.positions_.try_emplace(pointer, lines_.at(offset));
  }

  JsonDocument& doc_;
  std::string_view text_;
  LineIndex lines_;
  const char** progress_;
  std::vector<Frame> stack_;
};

JsonDocument JsonDocument::parse(std::string_view text, std::string source) {
  JsonDocument doc;
  doc.source_ = std::move(source);
  if (text.empty())
    throw Error(SourceLocation{doc.source_, 1, 1}, "", "empty input, expected JSON");
  const char* progress = text.data();
  JsonPositionRecorder recorder(doc, text, &progress);
  TrackingIterator first(text.data(), &progress), last(text.data() + text.size(), &progress);
  nlohmann::json::sax_parse(first, last, &recorder);
  return doc;
}

SourceLocation JsonDocument::where(std::string pointer) const {
  while (true) {
    if (auto it = positions_.find(pointer); it != positions_.end())
      return SourceLocation{source_, it->second.first, it->second.second};
    if (pointer.empty()) return SourceLocation{source_, 0, 0};
    pointer.erase(pointer.rfind('/'));
  }
}

Error JsonDocument::error(const std::string& pointer, const std::string& message) const {
  return Error(where(pointer), readable_pointer(pointer), message);
}

std::string escape_pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string readable_pointer(std::string_view pointer) {
  std::string out;
  size_t pos = 0;
  while (pos < pointer.size()) {
    size_t next = pointer.find('/', pos + 1);
    std::string token(
        pointer.substr(pos + 1, next == std::string_view::npos ? next : next - pos - 1));
    bool index = !token.empty() && std::all_of(token.begin(), token.end(), [](unsigned char c) {
      return std::isdigit(c) != 0;
    });
    if (index)
      out += "[" + token + "]";
    else
      out += (out.empty() ? "" : ".") + token;
    if (next == std::string_view::npos) break;
    pos = next;
  }
  return out.empty() ? "(top level)" : out;
}

}  // namespace bulkhead
