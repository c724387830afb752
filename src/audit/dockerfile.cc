// Dockerfile / Containerfile → findings of the Dockerfile checks (BH-RUN-AS-ROOT,
// BH-DOCKERFILE-ADD-URL, BH-DOCKERFILE-CURL-PIPE-SH, BH-DOCKERFILE-SECRET-ENV).
//
// The file is read the way BuildKit reads it: parser directives at the top (`# escape=`),
// comments, continuation lines (comment and empty lines inside them dropped), instruction
// names in any case, exec (JSON) and shell forms, heredocs (`RUN <<EOF … EOF`), stages.
// Instructions it does not know are skipped (BuildKit grows new ones).
//
// Decisions worth knowing when reading findings:
// - The user of the image is the final stage's last USER; a stage built FROM an earlier stage
//   of the same file inherits that stage's user (as the image config is inherited). A USER
//   whose value depends on a build argument without a default cannot be judged and is taken
//   as not root; one with a default is judged by the default.
// - ADD --checksum=… of a URL is not reported: the download is verified, which is what the
//   check asks for.
// - ENV/ARG secrets are reported at the variable's name, and the message never repeats the
//   value. Names ending in _FILE, _PATH, _URL, … (pointers to a secret, not the secret) are not
//   secrets; nor are values that are only a variable reference.
// - ONBUILD's RUN/ADD/ENV/ARG are checked too: they run in every image built from this one.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/catalogue.h"
#include "audit/inputs.h"
#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::audit {

namespace {

constexpr int kMaxShellDepth = 16;  // nested $( … ) looked into

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool iequals(std::string_view a, std::string_view b) {
  return to_lower(a) == to_lower(b);
}

// ---------------------------------------------------------------------------------------------
// Instructions
// ---------------------------------------------------------------------------------------------

// Where text[offset…] of a logical line came from: continuation lines are glued together, so
// one instruction's text spans several places in the file.
struct Piece {
  std::size_t offset;
  int line;    // 1-based
  int column;  // 1-based
};

struct Instruction {
  std::string keyword;  // upper case: "RUN"
  std::string text;     // the instruction's text, continuations joined
  std::vector<Piece> pieces;
  std::size_t args_offset = 0;        // where the arguments begin in text
  std::vector<std::string> heredocs;  // bodies of `<<EOF` documents, in order
  std::string file;

  std::string_view args() const { return std::string_view(text).substr(args_offset); }
  SourceLocation at(std::size_t offset) const {
    auto it = std::upper_bound(pieces.begin(), pieces.end(), offset,
                               [](std::size_t value, const Piece& p) { return value < p.offset; });
    if (it == pieces.begin()) return SourceLocation{file, 0, 0};
    --it;
    return SourceLocation{file, it->line, it->column + static_cast<int>(offset - it->offset)};
  }
  SourceLocation where() const { return at(0); }
};

// A heredoc opened on an instruction line: `<<EOF`, `<<-EOF` (leading tabs stripped from the
// body), `<<"EOF"`, `<<'EOF'`.
struct HeredocMarker {
  std::string name;
  bool strip_tabs = false;
  std::size_t offset = 0;  // of the `<<` in the instruction's text
};

std::vector<HeredocMarker> heredoc_markers(std::string_view args, std::size_t args_offset) {
  std::vector<HeredocMarker> markers;
  char quote = 0;
  for (std::size_t i = 0; i < args.size(); ++i) {
    char c = args[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      continue;
    }
    if (c != '<' || i + 1 >= args.size() || args[i + 1] != '<') continue;
    if ((i > 0 && args[i - 1] == '<') || (i + 2 < args.size() && args[i + 2] == '<')) {
      while (i < args.size() && args[i] == '<') ++i;  // `<<<` is a here-string
      continue;
    }
    HeredocMarker marker;
    marker.offset = args_offset + i;
    std::size_t j = i + 2;
    if (j < args.size() && args[j] == '-') {
      marker.strip_tabs = true;
      ++j;
    }
    if (j < args.size() && (args[j] == '"' || args[j] == '\'')) {
      char q = args[j];
      std::size_t close = args.find(q, j + 1);
      if (close == std::string_view::npos) continue;
      marker.name = std::string(args.substr(j + 1, close - j - 1));
      j = close + 1;
    } else {
      std::size_t start = j;
      while (j < args.size() && !is_blank(args[j]) &&
             std::string_view(";|&<>()").find(args[j]) == std::string_view::npos)
        ++j;
      marker.name = std::string(args.substr(start, j - start));
    }
    i = j > 0 ? j - 1 : j;
    if (!marker.name.empty()) markers.push_back(std::move(marker));
  }
  return markers;
}

// `# name=value` at the top of the file (BuildKit's parser directives).
struct Directive {
  std::string name;  // lower case
  std::string value;
  std::size_t value_column;  // 1-based
};

std::optional<Directive> parse_directive(std::string_view line) {
  std::size_t i = 0;
  if (line.empty() || line[0] != '#') return std::nullopt;
  ++i;
  while (i < line.size() && is_blank(line[i])) ++i;
  std::size_t name_start = i;
  if (i >= line.size() || !std::isalpha(static_cast<unsigned char>(line[i]))) return std::nullopt;
  while (i < line.size() && std::isalnum(static_cast<unsigned char>(line[i]))) ++i;
  std::string name = to_lower(line.substr(name_start, i - name_start));
  while (i < line.size() && is_blank(line[i])) ++i;
  if (i >= line.size() || line[i] != '=') return std::nullopt;
  ++i;
  while (i < line.size() && is_blank(line[i])) ++i;
  std::string_view value = line.substr(i);
  while (!value.empty() && is_blank(value.back())) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  return Directive{name, std::string(value), i + 1};
}

// Leading `--flag[=value]` words (RUN --mount=…, ADD --checksum=…): where the rest begins.
std::size_t skip_flags(std::string_view args) {
  std::size_t i = 0;
  while (args.substr(i).starts_with("--")) {
    while (i < args.size() && !is_blank(args[i])) ++i;
    while (i < args.size() && is_blank(args[i])) ++i;
  }
  return i;
}
// `["…` : the start of a JSON array of strings (a shell test `[ -f x ]` is not one).
bool looks_like_exec_form(std::string_view args) {
  if (args.empty() || args[0] != '[') return false;
  std::size_t i = 1;
  while (i < args.size() && is_blank(args[i])) ++i;
  return i < args.size() && (args[i] == '"' || args[i] == ']');
}

class DockerfileLexer {
 public:
  DockerfileLexer(std::string_view text, const std::string& file) : file_(file) {
    if (text.starts_with("\xEF\xBB\xBF")) {  // a UTF-8 byte order mark is not content
      text.remove_prefix(3);
      bom_ = true;
    }
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(pos, end - pos);
      if (line.ends_with('\r')) line.remove_suffix(1);
      lines_.push_back(line);
      if (end == text.size()) break;
      pos = end + 1;
    }
  }

  char escape() const { return escape_; }

  std::vector<Instruction> read() {
    std::size_t index = read_directives();
    std::vector<Instruction> instructions;
    while (index < lines_.size()) {
      std::string_view line = lines_[index];
      std::size_t indent = first_non_blank(line);
      if (indent == line.size() || line[indent] == '#') {
        ++index;
        continue;
      }
      instructions.push_back(read_instruction(index));
    }
    return instructions;
  }

 private:
  const std::string& file_;
  std::vector<std::string_view> lines_;
  char escape_ = '\\';
  bool bom_ = false;

  static std::size_t first_non_blank(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && is_blank(line[i])) ++i;
    return i;
  }

  int column_of(std::size_t line_index, std::size_t byte) const {
    return static_cast<int>(byte) + 1 + (bom_ && line_index == 0 ? 3 : 0);
  }

  std::size_t read_directives() {
    std::size_t index = 0;
    bool seen_escape = false, seen_syntax = false, seen_check = false;
    for (; index < lines_.size(); ++index) {
      std::optional<Directive> directive = parse_directive(lines_[index]);
      if (!directive) break;
      bool* seen = directive->name == "escape"   ? &seen_escape
                   : directive->name == "syntax" ? &seen_syntax
                   : directive->name == "check"  ? &seen_check
                                                 : nullptr;
      if (seen == nullptr) break;  // an unknown directive is a comment, and ends the directives
      SourceLocation at{file_, static_cast<int>(index) + 1,
                        column_of(index, directive->value_column - 1)};
      if (*seen)
        throw Error(at, directive->name,
                    "only one " + directive->name + " parser directive can be used");
      *seen = true;
      if (directive->name == "escape") {
        if (directive->value != "\\" && directive->value != "`")
          throw Error(at, "escape",
                      "the escape character must be \\ or `, found \"" + directive->value + "\"");
        escape_ = directive->value[0];
      }
    }
    return index;
  }

  // A line continues on the next when it ends with the escape character (blanks after it are
  // allowed). Returns the line without it.
  std::optional<std::string_view> continued(std::string_view line) const {
    std::string_view trimmed = line;
    while (!trimmed.empty() && is_blank(trimmed.back())) trimmed.remove_suffix(1);
    if (trimmed.empty() || trimmed.back() != escape_) return std::nullopt;
    trimmed.remove_suffix(1);
    return trimmed;
  }

  Instruction read_instruction(std::size_t& index) {
    Instruction instruction;
    instruction.file = file_;
    std::size_t start = first_non_blank(lines_[index]);
    bool first = true;
    while (index < lines_.size()) {
      std::string_view line = lines_[index];
      std::size_t from = first ? start : 0;
      if (!first) {
        std::size_t indent = first_non_blank(line);
        // Comment and empty lines inside a continuation are dropped.
        if (indent == line.size() || line[indent] == '#') {
          ++index;
          continue;
        }
      }
      first = false;
      std::string_view body = line.substr(from);
      std::optional<std::string_view> rest = continued(body);
      instruction.pieces.push_back(
          Piece{instruction.text.size(), static_cast<int>(index) + 1, column_of(index, from)});
      instruction.text += rest ? *rest : body;
      ++index;
      if (!rest) break;
    }

    std::string_view text = instruction.text;
    std::size_t word_end = 0;
    while (word_end < text.size() && !is_blank(text[word_end])) ++word_end;
    instruction.keyword = to_upper(text.substr(0, word_end));
    std::size_t args = word_end;
    while (args < text.size() && is_blank(text[args])) ++args;
    instruction.args_offset = args;

    read_heredocs(instruction, index);
    return instruction;
  }

  // The bodies of the heredocs the instruction opens follow it, each up to its name alone on a
  // line.
  void read_heredocs(Instruction& instruction, std::size_t& index) {
    std::string keyword = instruction.keyword;
    std::size_t offset = instruction.args_offset;
    std::string_view args = instruction.args();
    if (keyword == "ONBUILD") {  // ONBUILD RUN <<EOF: the inner instruction's heredocs
      std::size_t word_end = 0;
      while (word_end < args.size() && !is_blank(args[word_end])) ++word_end;
      keyword = to_upper(args.substr(0, word_end));
      while (word_end < args.size() && is_blank(args[word_end])) ++word_end;
      offset += word_end;
      args = args.substr(word_end);
    }
    if (keyword != "RUN" && keyword != "COPY" && keyword != "ADD") return;
    std::size_t flags = skip_flags(args);
    if (looks_like_exec_form(args.substr(flags))) return;
    for (const HeredocMarker& marker : heredoc_markers(args, offset)) {
      std::string body;
      bool terminated = false;
      while (index < lines_.size()) {
        std::string_view line = lines_[index++];
        std::string_view compare = line;
        if (marker.strip_tabs)
          while (!compare.empty() && compare.front() == '\t') compare.remove_prefix(1);
        if (compare == marker.name) {
          terminated = true;
          break;
        }
        body += std::string(compare) + "\n";
      }
      if (!terminated)
        throw Error(
            instruction.at(marker.offset), instruction.keyword,
            "heredoc <<" + marker.name + " is never terminated (no line \"" + marker.name + "\")");
      instruction.heredocs.push_back(std::move(body));
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Exec form: ["executable", "arg", …]
// ---------------------------------------------------------------------------------------------

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// Reads the JSON array at instruction.text[start…]. BuildKit runs an argument that is not
// valid JSON as a shell command; one that began as an array of strings (`["a",` or `["a"]`) and
// then breaks is a mistake, and an error here. nullopt: not an exec form (shell form).
class ExecFormParser {
 public:
  ExecFormParser(const Instruction& instruction, std::size_t start)
      : instruction_(instruction), text_(instruction.text), pos_(start) {}

  std::optional<std::vector<std::string>> parse() {
    if (pos_ >= text_.size() || text_[pos_] != '[') return std::nullopt;
    ++pos_;
    skip_blanks();
    std::vector<std::string> argv;
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      skip_blanks();
      if (pos_ != text_.size()) return std::nullopt;
      return argv;
    }
    bool committed = false;
    for (;;) {
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        if (!committed) return std::nullopt;
        fail("expected a string in the exec-form array");
      }
      std::size_t string_start = pos_;
      std::optional<std::string> value = read_string();
      if (!value) {
        pos_ = string_start;
        fail("unterminated or invalid string in the exec-form array");
      }
      argv.push_back(std::move(*value));
      skip_blanks();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        committed = true;
        ++pos_;
        skip_blanks();
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        skip_blanks();
        if (pos_ != text_.size()) fail("text after the exec-form array");
        return argv;
      }
      if (!committed) return std::nullopt;  // `[ "$a" = b ]`: a shell test
      fail(pos_ >= text_.size() ? "unterminated exec-form array (no closing ])"
                                : "expected , or ] in the exec-form array");
    }
  }

 private:
  const Instruction& instruction_;
  std::string_view text_;
  std::size_t pos_;

  [[noreturn]] void fail(const std::string& message) const {
    throw Error(instruction_.at(pos_), instruction_.keyword, message);
  }
  void skip_blanks() {
    while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
  }
  std::optional<uint32_t> hex4() {
    if (pos_ + 4 > text_.size()) return std::nullopt;
    uint32_t code = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_++];
      code <<= 4;
      if (c >= '0' && c <= '9')
        code |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        code |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        code |= static_cast<uint32_t>(c - 'A' + 10);
      else
        return std::nullopt;
    }
    return code;
  }
  std::optional<std::string> read_string() {
    ++pos_;  // the opening quote
    std::string out;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) return std::nullopt;
      char e = text_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::optional<uint32_t> code = hex4();
          if (!code) return std::nullopt;
          if (*code >= 0xD800 && *code < 0xDC00 && text_.substr(pos_).starts_with("\\u")) {
            std::size_t saved = pos_;
            pos_ += 2;
            std::optional<uint32_t> low = hex4();
            if (low && *low >= 0xDC00 && *low < 0xE000)
              code = 0x10000 + ((*code - 0xD800) << 10) + (*low - 0xDC00);
            else
              pos_ = saved;
          }
          append_utf8(out, *code);
          break;
        }
        default:
          return std::nullopt;
      }
    }
    return std::nullopt;
  }
};

// ---------------------------------------------------------------------------------------------
// Words of ENV, ARG, ADD, FROM, USER
// ---------------------------------------------------------------------------------------------

struct Word {
  std::string value;  // quotes removed, escapes applied
  std::string raw;    // as written
  std::size_t offset;
};

// Splits at blanks outside quotes; the escape character protects the next character (not inside
// single quotes).
std::vector<Word> split_words(std::string_view text, std::size_t base, char escape) {
  std::vector<Word> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_blank(text[i])) ++i;
    if (i >= text.size()) break;
    Word word{"", "", base + i};
    std::size_t start = i;
    char quote = 0;
    for (; i < text.size(); ++i) {
      char c = text[i];
      if (quote == '\'') {
        if (c == '\'')
          quote = 0;
        else
          word.value += c;
        continue;
      }
      if (c == escape && i + 1 < text.size()) {
        word.value += text[++i];
        continue;
      }
      if (quote == '"') {
        if (c == '"')
          quote = 0;
        else
          word.value += c;
        continue;
      }
      if (is_blank(c)) break;
      if (c == '\'' || c == '"') {
        quote = c;
        continue;
      }
      word.value += c;
    }
    word.raw = std::string(text.substr(start, i - start));
    words.push_back(std::move(word));
  }
  return words;
}

// Values of ENV and ARG a stage knows; nullopt: a build argument without a default (unknown).
using Variables = std::map<std::string, std::optional<std::string>>;

// $NAME, ${NAME}, ${NAME:-word}, ${NAME:+word}; quotes removed. nullopt when the result depends
// on something unknown. Undeclared variables expand to "" as BuildKit expands them.
std::optional<std::string> expand(std::string_view text, const Variables& variables, char escape) {
  std::string out;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote == '\'') {
      if (c == '\'')
        quote = 0;
      else
        out += c;
      continue;
    }
    if (c == escape && i + 1 < text.size()) {
      out += text[++i];
      continue;
    }
    if (c == '"') {
      quote = quote == '"' ? 0 : '"';
      continue;
    }
    if (c == '\'' && quote == 0) {
      quote = '\'';
      continue;
    }
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      continue;
    }
    std::string name, operation, word;
    if (text[i + 1] == '{') {
      std::size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) return std::nullopt;
      std::string_view inside = text.substr(i + 2, close - i - 2);
      std::size_t n = 0;
      while (n < inside.size() && is_name_char(inside[n])) ++n;
      name = std::string(inside.substr(0, n));
      std::string_view rest = inside.substr(n);
      if (rest.starts_with(":-") || rest.starts_with(":+")) {
        operation = std::string(rest.substr(0, 2));
        word = std::string(rest.substr(2));
      } else if (!rest.empty()) {
        return std::nullopt;  // ${a#pattern} and friends: not worth guessing
      }
      i = close;
    } else if (is_name_char(text[i + 1])) {
      std::size_t n = i + 1;
      while (n < text.size() && is_name_char(text[n])) ++n;
      name = std::string(text.substr(i + 1, n - i - 1));
      i = n - 1;
    } else {
      out += c;
      continue;
    }
    auto it = variables.find(name);
    std::optional<std::string> value =
        it == variables.end() ? std::optional<std::string>("") : it->second;
    if (operation == ":-") {
      if (!value) return std::nullopt;
      out += value->empty() ? word : *value;
    } else if (operation == ":+") {
      if (!value) return std::nullopt;
      out += value->empty() ? "" : word;
    } else {
      if (!value) return std::nullopt;
      out += *value;
    }
  }
  return out;
}

// The whole value is one variable reference ("$TOKEN", "${TOKEN}", "${TOKEN:-x}"): the secret
// comes from elsewhere.
bool is_variable_reference(std::string_view raw) {
  std::string_view text = trim(raw);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    text = text.substr(1, text.size() - 2);
  if (text.size() < 2 || text[0] != '$') return false;
  if (text[1] == '{') return text.back() == '}' && text.find('}') == text.size() - 1;
  return std::all_of(text.begin() + 1, text.end(), is_name_char);
}

// ---------------------------------------------------------------------------------------------
// Secrets by name
// ---------------------------------------------------------------------------------------------

// "dbPassword", "DB_PASSWORD", "db-password" → {"DB", "PASSWORD"}.
std::vector<std::string> name_components(std::string_view name) {
  std::vector<std::string> parts;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) parts.push_back(to_upper(current));
    current.clear();
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '_' || c == '-' || c == '.') {
      flush();
      continue;
    }
    bool upper = c >= 'A' && c <= 'Z';
    if (upper && i > 0) {
      char previous = name[i - 1];
      if ((previous >= 'a' && previous <= 'z') || (previous >= '0' && previous <= '9')) flush();
    }
    current += c;
  }
  flush();
  return parts;
}

// One-word secret names, and two-word ones (API_KEY …) written as components.
constexpr std::string_view kSecretWords[] = {
    "PASSWORD", "PASSWD",      "PASSPHRASE", "SECRET",     "SECRETS",   "TOKEN",
    "APIKEY",   "CREDENTIALS", "CREDENTIAL", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY",
};
constexpr std::pair<std::string_view, std::string_view> kSecretPairs[] = {
    {"API", "KEY"},     {"ACCESS", "KEY"},     {"PRIVATE", "KEY"},   {"AUTH", "KEY"},
    {"SIGNING", "KEY"}, {"ENCRYPTION", "KEY"}, {"CLIENT", "SECRET"}, {"MASTER", "KEY"},
};
// Last components that make a name about a secret rather than the secret: where it is, how
// long it must be, whether it is on.
constexpr std::string_view kNotSecretSuffixes[] = {
    "FILE",      "FILES",   "PATH",     "DIR",     "DIRECTORY", "URL",        "URI",
    "ENDPOINT",  "HOST",    "HOSTNAME", "PORT",    "NAME",      "USER",       "USERNAME",
    "LENGTH",    "TYPE",    "HEADER",   "FIELD",   "ENABLED",   "DISABLED",   "REQUIRED",
    "ALGORITHM", "VERSION", "TTL",      "TIMEOUT", "EXPIRY",    "EXPIRATION", "MODE",
    "POLICY",    "METHOD",  "PROVIDER", "FORMAT",  "REGION",
};

bool looks_like_secret_name(std::string_view name) {
  std::vector<std::string> parts = name_components(name);
  if (parts.empty()) return false;
  const std::string& last = parts.back();
  if (std::find(std::begin(kNotSecretSuffixes), std::end(kNotSecretSuffixes), last) !=
      std::end(kNotSecretSuffixes))
    return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (std::find(std::begin(kSecretWords), std::end(kSecretWords), part) != std::end(kSecretWords))
      return true;
    // MYSQL_PWD is a password; PWD alone is the working directory.
    if (part == "PWD" && parts.size() > 1) return true;
    if (i + 1 < parts.size())
      for (const auto& [first, second] : kSecretPairs)
        if (part == first && parts[i + 1] == second) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Shell: downloads piped into interpreters
// ---------------------------------------------------------------------------------------------

struct ShellWord;
using ShellCommand = std::vector<ShellWord>;
using ShellPipeline = std::vector<ShellCommand>;
using ShellScript = std::vector<ShellPipeline>;

struct ShellWord {
  std::string text;                        // quotes removed; substitutions kept as written
  std::vector<ShellScript> substitutions;  // $( … ), ` … `, <( … ), >( … )
};

// The index of the ')' closing the '(' at `open`, skipping quoted text; npos when none.
std::size_t matching_paren(std::string_view s, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      ++i;
    } else if (c == '\'') {
      std::size_t close = s.find('\'', i + 1);
      if (close == std::string_view::npos) return std::string_view::npos;
      i = close;
    } else if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i)
        if (s[i] == '\\') ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth == 0) return i;
    }
  }
  return std::string_view::npos;
}

// A small POSIX-shell reader: enough to find commands, pipelines and command substitutions in
// RUN lines. Never fails: unbalanced quotes run to the end of the text.
class ShellReader {
 public:
  explicit ShellReader(int depth) : depth_(depth) {}

  ShellScript read(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
      char c = s[i];
      char next = i + 1 < s.size() ? s[i + 1] : '\0';
      if (is_blank(c)) {
        end_word();
        ++i;
      } else if (c == '\n' || c == ';') {
        end_pipeline();
        ++i;
      } else if (c == '&' && next != '>') {
        end_pipeline();
        i += next == '&' ? 2 : 1;
      } else if (c == '|') {
        if (next == '|') {
          end_pipeline();
          i += 2;
        } else {
          end_command();
          i += next == '&' ? 2 : 1;
        }
      } else if ((c == '$' || c == '<' || c == '>') && next == '(') {
        std::size_t open = i + 1;
        std::size_t close = matching_paren(s, open);
        std::size_t end = close == std::string_view::npos ? s.size() : close;
        substitution(s.substr(open + 1, end - open - 1));
        word_.text += std::string(s.substr(i, std::min(end + 1, s.size()) - i));
        i = end + 1;
      } else if (c == '(' || c == ')') {
        end_word();  // subshells: their commands are read as if unbracketed
        ++i;
      } else if (c == '#' && !in_word_) {
        while (i < s.size() && s[i] != '\n') ++i;
      } else if (c == '\'') {
        std::size_t close = s.find('\'', i + 1);
        std::size_t end = close == std::string_view::npos ? s.size() : close;
        word_.text += std::string(s.substr(i + 1, end - i - 1));
        in_word_ = true;
        i = end + 1;
      } else if (c == '"') {
        i = double_quoted(s, i + 1);
      } else if (c == '`') {
        std::size_t close = s.find('`', i + 1);
        std::size_t end = close == std::string_view::npos ? s.size() : close;
        substitution(s.substr(i + 1, end - i - 1));
        i = end + 1;
      } else if (c == '\\') {
        if (next != '\n' && i + 1 < s.size()) {
          word_.text += next;
          in_word_ = true;
        }
        i += 2;
      } else {
        word_.text += c;
        in_word_ = true;
        ++i;
      }
    }
    end_pipeline();
    return std::move(script_);
  }

 private:
  int depth_;
  ShellScript script_;
  ShellPipeline pipeline_;
  ShellCommand command_;
  ShellWord word_;
  bool in_word_ = false;

  void substitution(std::string_view inner) {
    in_word_ = true;
    if (depth_ < kMaxShellDepth) word_.substitutions.push_back(ShellReader(depth_ + 1).read(inner));
  }
  // Inside "…": only \, $( … ) and ` … ` are special. Returns the index after the closing quote.
  std::size_t double_quoted(std::string_view s, std::size_t i) {
    in_word_ = true;
    while (i < s.size() && s[i] != '"') {
      char c = s[i];
      if (c == '\\' && i + 1 < s.size()) {
        word_.text += s[i + 1];
        i += 2;
      } else if (c == '$' && i + 1 < s.size() && s[i + 1] == '(') {
        std::size_t close = matching_paren(s, i + 1);
        std::size_t end = close == std::string_view::npos ? s.size() : close;
        substitution(s.substr(i + 2, end - i - 2));
        i = end + 1;
      } else if (c == '`') {
        std::size_t close = s.find('`', i + 1);
        std::size_t end = close == std::string_view::npos ? s.size() : close;
        substitution(s.substr(i + 1, end - i - 1));
        i = end + 1;
      } else {
        word_.text += c;
        ++i;
      }
    }
    return i + 1;
  }
  void end_word() {
    if (!in_word_) return;
    command_.push_back(std::move(word_));
    word_ = ShellWord{};
    in_word_ = false;
  }
  void end_command() {
    end_word();
    if (!command_.empty()) pipeline_.push_back(std::move(command_));
    command_.clear();
  }
  void end_pipeline() {
    end_command();
    if (!pipeline_.empty()) script_.push_back(std::move(pipeline_));
    pipeline_.clear();
  }
};

bool is_assignment(std::string_view word) {
  std::size_t eq = word.find('=');
  if (eq == 0 || eq == std::string_view::npos) return false;
  return std::all_of(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(eq), is_name_char);
}

// The program a simple command runs, past assignments, `sudo -u x`, `env A=b`, `exec` and the
// like; its base name ("/usr/bin/curl" → "curl").
std::string command_name(const ShellCommand& command) {
  static constexpr std::string_view kPrefixes[] = {
      "!",     "{",    "then", "do",      "else",    "elif",  "if",     "while",
      "until", "time", "exec", "command", "builtin", "nohup", "busybox"};
  static constexpr std::string_view kSudoOptionsWithValue[] = {"-u", "-g", "-U", "-C", "-D",
                                                               "-h", "-p", "-r", "-t", "-T"};
  std::size_t i = 0;
  while (i < command.size()) {
    const std::string& word = command[i].text;
    if (is_assignment(word) ||
        std::find(std::begin(kPrefixes), std::end(kPrefixes), word) != std::end(kPrefixes)) {
      ++i;
    } else if (word == "sudo" || word == "doas") {
      for (++i; i < command.size() && command[i].text.starts_with("-"); ++i)
        if (std::find(std::begin(kSudoOptionsWithValue), std::end(kSudoOptionsWithValue),
                      command[i].text) != std::end(kSudoOptionsWithValue))
          ++i;
    } else if (word == "env") {
      for (++i; i < command.size(); ++i) {
        const std::string& option = command[i].text;
        if (option == "-u" || option == "-C" || option == "-S") {
          ++i;
        } else if (!option.starts_with("-") && !is_assignment(option)) {
          break;
        }
      }
    } else if (word == "nice") {
      for (++i; i < command.size() && command[i].text.starts_with("-"); ++i)
        if (command[i].text == "-n") ++i;
    } else {
      std::size_t slash = word.rfind('/');
      return slash == std::string::npos ? word : word.substr(slash + 1);
    }
  }
  return "";
}

bool is_downloader(std::string_view name) {
  return name == "curl" || name == "wget";
}

bool is_interpreter(std::string_view name) {
  static constexpr std::string_view kShells[] = {"sh",  "bash", "zsh",  "dash", "ash",
                                                 "ksh", "mksh", "perl", "ruby"};
  if (std::find(std::begin(kShells), std::end(kShells), name) != std::end(kShells)) return true;
  if (!name.starts_with("python")) return false;  // python, python3, python3.12
  return std::all_of(name.begin() + 6, name.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// Commands that run the text they are given: `sh -c "$(curl …)"`, `eval "$(wget …)"`,
// `. <(curl …)`.
bool runs_its_arguments(std::string_view name) {
  return is_interpreter(name) || name == "eval" || name == "source" || name == ".";
}

std::optional<std::string> downloader_in(const ShellScript& script) {
  for (const ShellPipeline& pipeline : script)
    for (const ShellCommand& command : pipeline) {
      std::string name = command_name(command);
      if (is_downloader(name)) return name;
      for (const ShellWord& word : command)
        for (const ShellScript& inner : word.substitutions)
          if (auto found = downloader_in(inner)) return found;
    }
  return std::nullopt;
}

// "curl into bash": what was downloaded and what ran it.
std::optional<std::pair<std::string, std::string>> download_run(const ShellScript& script) {
  for (const ShellPipeline& pipeline : script) {
    std::optional<std::string> downloader;
    for (const ShellCommand& command : pipeline) {
      std::string name = command_name(command);
      if (downloader && is_interpreter(name)) return std::pair{*downloader, name};
      if (is_downloader(name)) downloader = name;
    }
    for (const ShellCommand& command : pipeline) {
      std::string name = command_name(command);
      for (const ShellWord& word : command)
        for (const ShellScript& inner : word.substitutions) {
          if (runs_its_arguments(name))
            if (auto found = downloader_in(inner)) return std::pair{*found, name};
          if (auto found = download_run(inner)) return found;
        }
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// The audit
// ---------------------------------------------------------------------------------------------

bool is_remote_source(std::string_view source) {
  std::string lower = to_lower(source);
  return lower.starts_with("http://") || lower.starts_with("https://") ||
         lower.starts_with("git@") || lower.starts_with("git://") || lower.starts_with("ssh://") ||
         lower.ends_with(".git") || lower.find(".git#") != std::string::npos;
}

// A URL as a message may show it: credentials in it (https://user:token@host/…) hidden.
std::string redact_url(std::string_view url) {
  std::size_t scheme = url.find("://");
  std::size_t host = scheme == std::string_view::npos ? 0 : scheme + 3;
  std::size_t path = url.find('/', host);
  std::size_t at = url.rfind('@', path);
  if (scheme == std::string_view::npos || at == std::string_view::npos || at < host)
    return std::string(url);
  return std::string(url.substr(0, host)) + "***" + std::string(url.substr(at));
}

bool user_is_root(std::string_view user) {
  std::string_view name = trim(user);
  name = name.substr(0, name.find(':'));
  if (name == "root") return true;
  std::optional<uint64_t> uid = parse_uint64(name);
  return uid && *uid == 0;
}

struct UserSetting {
  std::optional<std::string> value;  // nullopt: depends on an unknown build argument
  std::string written;               // as in the file
  SourceLocation where;
};

struct Stage {
  std::string name;  // lower case; "" without AS
  SourceLocation from;
  std::optional<std::size_t> parent;  // FROM an earlier stage of this file
  std::optional<UserSetting> user;
  Variables variables;
};

struct PendingFinding {
  std::string check_id;
  SourceLocation where;
  std::optional<std::size_t> stage;  // nullopt: before the first FROM
  std::string message;
};

class DockerfileAuditor {
 public:
  DockerfileAuditor(char escape) : escape_(escape) {}

  void instruction(const Instruction& instruction) {
    if (!first_instruction_) first_instruction_ = instruction.where();
    handle(instruction, instruction.keyword, instruction.args_offset, false);
  }

  std::vector<Finding> finish(const std::string& file) {
    if (stages_.empty()) {
      if (!first_instruction_) return {};  // nothing but comments
      throw Error(*first_instruction_, "FROM", "no FROM instruction: not a Dockerfile");
    }
    check_final_user();
    std::vector<Finding> findings;
    for (PendingFinding& pending : pending_) {
      const Check* check = find_check(pending.check_id);
      Finding finding;
      finding.check_id = pending.check_id;
      finding.severity = check ? check->severity : Severity::Info;
      finding.format = InputFormat::Dockerfile;
      finding.where = std::move(pending.where);
      if (finding.where.file.empty()) finding.where.file = file;
      finding.object = object_of(pending.stage);
      finding.message = std::move(pending.message);
      findings.push_back(std::move(finding));
    }
    return findings;
  }

 private:
  char escape_;
  std::vector<Stage> stages_;
  Variables global_arguments_;  // ARGs before the first FROM
  std::vector<PendingFinding> pending_;
  std::optional<SourceLocation> first_instruction_;

  std::optional<std::size_t> current_stage() const {
    if (stages_.empty()) return std::nullopt;
    return stages_.size() - 1;
  }
  Variables& variables() { return stages_.empty() ? global_arguments_ : stages_.back().variables; }

  void report(std::string check_id, SourceLocation where, std::string message) {
    pending_.push_back(
        PendingFinding{std::move(check_id), std::move(where), current_stage(), std::move(message)});
  }

  std::string object_of(std::optional<std::size_t> stage) const {
    if (!stage || stages_.size() == 1) return "Dockerfile";
    const Stage& s = stages_[*stage];
    return "Dockerfile stage " + (s.name.empty() ? std::to_string(*stage) : s.name);
  }

  // `keyword` and the arguments at `args_offset` (ONBUILD hands in its inner instruction).
  void handle(const Instruction& instruction, const std::string& keyword, std::size_t args_offset,
              bool onbuild) {
    std::string_view args = std::string_view(instruction.text).substr(args_offset);
    if (keyword == "FROM" && !onbuild) {
      from(instruction, args, args_offset);
    } else if (keyword == "USER" && !onbuild) {
      user(instruction, args, args_offset);
    } else if (keyword == "ENV") {
      env(instruction, args, args_offset, onbuild);
    } else if (keyword == "ARG") {
      arg(instruction, args, args_offset, onbuild);
    } else if (keyword == "ADD") {
      add(instruction, args, args_offset, onbuild);
    } else if (keyword == "RUN") {
      run(instruction, args, args_offset, onbuild);
    } else if (keyword == "ONBUILD" && !onbuild) {
      std::size_t end = 0;
      while (end < args.size() && !is_blank(args[end])) ++end;
      std::string inner = to_upper(args.substr(0, end));
      while (end < args.size() && is_blank(args[end])) ++end;
      handle(instruction, inner, args_offset + end, true);
    }
  }

  void from(const Instruction& instruction, std::string_view args, std::size_t offset) {
    std::vector<Word> words = split_words(args, offset, escape_);
    std::size_t i = 0;
    while (i < words.size() && words[i].value.starts_with("--")) ++i;
    Stage stage;
    stage.from = instruction.where();
    if (i < words.size()) {
      std::string image = to_lower(words[i].value);
      for (std::size_t s = 0; s < stages_.size(); ++s)
        if (!stages_[s].name.empty() && stages_[s].name == image) stage.parent = s;
      if (i + 2 < words.size() && iequals(words[i + 1].value, "as"))
        stage.name = to_lower(words[i + 2].value);
    }
    if (stage.parent) stage.variables = stages_[*stage.parent].variables;
    stages_.push_back(std::move(stage));
  }

  void user(const Instruction& instruction, std::string_view args, std::size_t offset) {
    if (stages_.empty()) return;
    std::vector<Word> words = split_words(args, offset, escape_);
    if (words.empty()) return;
    UserSetting setting;
    setting.written = words[0].raw;
    setting.where = instruction.where();
    setting.value = expand(words[0].raw, stages_.back().variables, escape_);
    if (setting.value && trim(*setting.value).empty()) return;  // refused by the builder
    stages_.back().user = std::move(setting);
  }

  std::string prefix(bool onbuild) const { return onbuild ? "ONBUILD " : ""; }

  void secret(const Instruction& instruction, const Word& name_word, std::string_view name,
              std::string_view raw_value, const std::string& value, std::string_view keyword,
              bool onbuild) {
    if (!looks_like_secret_name(name) || value.empty() || is_variable_reference(raw_value) ||
        value.starts_with("/run/secrets/"))
      return;
    std::string message =
        keyword == "ENV"
            ? prefix(onbuild) + "ENV sets " + std::string(name) +
                  " to a literal value: it is stored in the image's configuration for anyone "
                  "who can pull the image"
            : prefix(onbuild) + "ARG " + std::string(name) +
                  " has a literal default: it is recorded in the image's build history";
    report("BH-DOCKERFILE-SECRET-ENV", instruction.at(name_word.offset), std::move(message));
  }

  void env(const Instruction& instruction, std::string_view args, std::size_t offset,
           bool onbuild) {
    std::vector<Word> words = split_words(args, offset, escape_);
    if (words.empty())
      throw Error(instruction.where(), "ENV", "ENV needs a name and a value (ENV NAME=value)");
    if (words[0].value.find('=') == std::string::npos) {
      // Legacy form: ENV NAME the rest of the line
      std::size_t name_end = words[0].offset - offset + words[0].raw.size();
      std::string_view raw_value = trim(args.substr(std::min(name_end, args.size())));
      if (raw_value.empty())
        throw Error(instruction.at(words[0].offset), "ENV",
                    "ENV " + words[0].value + " has no value (ENV NAME=value)");
      std::string value;
      for (std::size_t i = 1; i < words.size(); ++i) value += (i > 1 ? " " : "") + words[i].value;
      secret(instruction, words[0], words[0].value, raw_value, value, "ENV", onbuild);
      set_env(words[0].value, raw_value, onbuild);
      return;
    }
    for (const Word& word : words) {
      std::size_t eq = word.value.find('=');
      if (eq == std::string::npos || eq == 0)
        throw Error(instruction.at(word.offset), "ENV",
                    "expected NAME=value, found \"" + word.value.substr(0, 40) + "\"");
      std::string name = word.value.substr(0, eq);
      std::size_t raw_eq = word.raw.find('=');
      std::string_view raw_value =
          std::string_view(word.raw).substr(raw_eq == std::string::npos ? 0 : raw_eq + 1);
      secret(instruction, word, name, raw_value, word.value.substr(eq + 1), "ENV", onbuild);
      set_env(name, raw_value, onbuild);
    }
  }

  void set_env(const std::string& name, std::string_view raw_value, bool onbuild) {
    if (onbuild || stages_.empty()) return;
    Variables& vars = stages_.back().variables;
    vars[name] = expand(raw_value, vars, escape_);
  }

  void arg(const Instruction& instruction, std::string_view args, std::size_t offset,
           bool onbuild) {
    for (const Word& word : split_words(args, offset, escape_)) {
      std::size_t eq = word.value.find('=');
      std::string name = word.value.substr(0, eq);
      if (name.empty()) continue;
      if (eq != std::string::npos) {
        std::size_t raw_eq = word.raw.find('=');
        std::string_view raw_value =
            std::string_view(word.raw).substr(raw_eq == std::string::npos ? 0 : raw_eq + 1);
        secret(instruction, word, name, raw_value, word.value.substr(eq + 1), "ARG", onbuild);
        if (!onbuild) {
          Variables& vars = variables();
          if (!vars.contains(name) || stages_.empty())
            vars[name] = expand(raw_value, vars, escape_);
        }
      } else if (!onbuild) {
        Variables& vars = variables();
        if (vars.contains(name) && !stages_.empty()) continue;  // ENV of that name wins
        auto global = global_arguments_.find(name);
        vars[name] = !stages_.empty() && global != global_arguments_.end()
                         ? global->second
                         : std::optional<std::string>();
      }
    }
  }

  void add(const Instruction& instruction, std::string_view args, std::size_t offset,
           bool onbuild) {
    std::size_t flags = skip_flags(args);
    for (const Word& flag : split_words(args.substr(0, flags), offset, escape_))
      if (flag.value.starts_with("--checksum")) return;        // verified download
    std::vector<std::pair<std::string, std::size_t>> sources;  // value, offset
    std::size_t start = offset + flags;
    if (std::optional<std::vector<std::string>> argv = ExecFormParser(instruction, start).parse()) {
      for (std::size_t i = 0; i + 1 < argv->size(); ++i) sources.emplace_back((*argv)[i], start);
    } else {
      std::vector<Word> words = split_words(args.substr(flags), start, escape_);
      for (std::size_t i = 0; i + 1 < words.size(); ++i)
        sources.emplace_back(words[i].value, words[i].offset);
    }
    for (const auto& [source, at] : sources)
      if (is_remote_source(source))
        report("BH-DOCKERFILE-ADD-URL", instruction.at(at),
               prefix(onbuild) + "ADD downloads " + redact_url(source) +
                   " at build time without verifying it (no --checksum)");
  }

  void run(const Instruction& instruction, std::string_view args, std::size_t offset,
           bool onbuild) {
    std::size_t flags = skip_flags(args);
    std::string script;
    if (std::optional<std::vector<std::string>> argv =
            ExecFormParser(instruction, offset + flags).parse()) {
      // Only a shell given a script (-c) interprets pipes; other exec forms run one program.
      if (argv->size() >= 3 && is_interpreter(command_name({ShellWord{(*argv)[0], {}}})) &&
          (*argv)[1] == "-c")
        script = (*argv)[2];
    } else {
      script = std::string(args.substr(flags));
      for (const std::string& body : instruction.heredocs) script += "\n" + body;
    }
    if (script.empty()) return;
    ShellScript parsed = ShellReader(0).read(script);
    if (auto found = download_run(parsed))
      report("BH-DOCKERFILE-CURL-PIPE-SH", instruction.where(),
             prefix(onbuild) + "RUN runs a script downloaded by " + found->first + " with " +
                 found->second + ": whatever the server sends (or an attacker in between) runs " +
                 "in the build, unverified");
  }

  void check_final_user() {
    std::size_t final_index = stages_.size() - 1;
    const Stage& final_stage = stages_[final_index];
    // The user comes from the stage itself, else from the stage it was built FROM.
    const UserSetting* user = nullptr;
    for (std::optional<std::size_t> s = final_index; s && !user; s = stages_[*s].parent)
      if (stages_[*s].user) user = &*stages_[*s].user;
    PendingFinding finding;
    finding.check_id = "BH-RUN-AS-ROOT";
    finding.stage = final_index;
    if (!user) {
      finding.where = final_stage.from;
      finding.message =
          "no USER in the final stage: the container runs as the base image's user, usually root";
    } else if (user->value && user_is_root(*user->value)) {
      finding.where = user->where;
      finding.message = "USER " + user->written + ": the container runs as root";
    } else {
      return;
    }
    pending_.push_back(std::move(finding));
  }
};

}  // namespace

std::vector<Finding> audit_dockerfile(std::string_view text, const std::string& file) {
  DockerfileLexer lexer(text, file);
  std::vector<Instruction> instructions = lexer.read();
  DockerfileAuditor auditor(lexer.escape());  // known once read() has seen the directives
  for (const Instruction& instruction : instructions) auditor.instruction(instruction);
  return auditor.finish(file);
}

}  // namespace bulkhead::audit
