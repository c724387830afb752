#include "detect/output.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>
#include <ctime>

#include "detect/compiled_expr.h"

namespace bulkhead::detect {
namespace {

bool is_field_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

// Falco's %container.info shorthand, expanded to the fields it stands for.
constexpr std::string_view kContainerInfo = "container.info";
constexpr std::string_view kContainerInfoExpansion =
    "container_id=%container.id container_name=%container.name";

}  // namespace

OutputFormat::CompileResult OutputFormat::compile(std::string_view input) {
  CompileResult result;
  std::string expanded;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (input[i] == '%' && input.substr(i + 1).starts_with(kContainerInfo) &&
        (i + 1 + kContainerInfo.size() == input.size() ||
         !is_field_char(input[i + 1 + kContainerInfo.size()]))) {
      expanded += kContainerInfoExpansion;
      i += kContainerInfo.size();
    } else {
      expanded += input[i];
    }
  }
  // Outputs written as folded YAML scalars end in a newline; an alert is one line.
  while (!expanded.empty() && std::isspace(static_cast<unsigned char>(expanded.back())))
    expanded.pop_back();
  std::string_view text = expanded;
  OutputFormat format;
  Segment current;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '%' || i + 1 >= text.size() || !(is_field_char(text[i + 1]))) {
      current.literal += c;
      ++i;
      continue;
    }
    std::size_t start = i;
    ++i;
    // Transformers: %tolower(proc.name), nested.
    std::vector<Transformer> transformers;
    std::size_t open_parens = 0;
    for (;;) {
      std::size_t end = i;
      while (end < text.size() && std::isalnum(static_cast<unsigned char>(text[end]))) ++end;
      if (end < text.size() && text[end] == '(') {
        auto transformer = transformer_from_name(text.substr(i, end - i));
        if (!transformer) break;
        transformers.insert(transformers.begin(), *transformer);
        ++open_parens;
        i = end + 1;
        continue;
      }
      break;
    }
    std::size_t name_end = i;
    while (name_end < text.size() && is_field_char(text[name_end])) ++name_end;
    std::string_view name = text.substr(i, name_end - i);
    // A sentence may end right after a field: "... by %proc.pname."
    while (!name.empty() && name.back() == '.') {
      name.remove_suffix(1);
      --name_end;
    }
    std::optional<std::string_view> argument;
    std::size_t next = name_end;
    if (next < text.size() && text[next] == '[') {
      auto close = text.find(']', next);
      if (close == std::string_view::npos) {
        result.error = "unterminated '[' after %" + std::string(name);
        result.error_offset = start;
        return result;
      }
      argument = text.substr(next + 1, close - next - 1);
      next = close + 1;
    }
    for (std::size_t p = 0; p < open_parens; ++p) {
      if (next >= text.size() || text[next] != ')') {
        result.error = "missing ')' after %" + std::string(name);
        result.error_offset = start;
        return result;
      }
      ++next;
    }
    auto resolution = resolve_field(name, argument);
    if (!resolution.field) {
      result.error = resolution.error;
      result.error_offset = start;
      return result;
    }
    current.has_field = true;
    current.field = std::move(*resolution.field);
    current.field_name = std::string(text.substr(start + 1, next - start - 1));
    current.transformers = std::move(transformers);
    format.segments_.push_back(std::move(current));
    current = Segment{};
    i = next;
  }
  if (!current.literal.empty()) format.segments_.push_back(std::move(current));
  result.format = std::move(format);
  return result;
}

void OutputFormat::format(FieldExtractor& extractor, const EventContext& context, std::string& out,
                          std::vector<Alert::Field>& fields,
                          std::vector<std::string>& value_storage) const {
  out.clear();
  fields.clear();
  // Sized before any view into it is taken: growing it later would move the strings (short
  // ones live inside the vector's elements) under the views already in `fields`.
  std::size_t field_count = 0;
  for (const auto& segment : segments_) field_count += segment.has_field;
  if (value_storage.size() < field_count) value_storage.resize(field_count);
  std::size_t storage_used = 0;
  std::vector<Value> values;
  std::string transformed;
  for (const auto& segment : segments_) {
    out += segment.literal;
    if (!segment.has_field) continue;
    values.clear();
    extractor.extract(segment.field, context, values);
    std::string& rendered = value_storage[storage_used++];
    rendered.clear();
    bool numeric = false;
    for (std::size_t v = 0; v < values.size(); ++v) {
      Value value = values[v];
      for (Transformer transformer : segment.transformers) {
        switch (transformer) {
          case Transformer::ToLower:
          case Transformer::ToUpper:
            transformed.assign(value.text);
            for (char& ch : transformed)
              ch = static_cast<char>(transformer == Transformer::ToLower
                                         ? std::tolower(static_cast<unsigned char>(ch))
                                         : std::toupper(static_cast<unsigned char>(ch)));
            value.text = transformed;
            break;
          case Transformer::Basename:
            if (auto slash = value.text.rfind('/'); slash != std::string_view::npos)
              value.text = value.text.substr(slash + 1);
            break;
          case Transformer::Len:
            value.type = FieldType::Uint64;
            value.unsigned_integer = value.text.size();
            break;
          case Transformer::B64:
            break;  // outputs show the field as is
        }
      }
      if (v > 0) rendered += ' ';
      FieldExtractor::render(segment.field, value, rendered);
      numeric = values.size() == 1 &&
                (value.type == FieldType::Int64 || value.type == FieldType::Uint64 ||
                 value.type == FieldType::AbsTime || value.type == FieldType::RelTime);
    }
    bool missing = values.empty();
    if (missing) rendered = "<NA>";
    if (numeric) {
      // Only a plain decimal rendering is a JSON number (flags render as names).
      int64_t parsed;
      auto [end, error] =
          std::from_chars(rendered.data(), rendered.data() + rendered.size(), parsed);
      numeric = error == std::errc() && end == rendered.data() + rendered.size();
      if (!numeric) {
        uint64_t parsed_unsigned;
        auto [uend, uerror] =
            std::from_chars(rendered.data(), rendered.data() + rendered.size(), parsed_unsigned);
        numeric = uerror == std::errc() && uend == rendered.data() + rendered.size();
      }
    }
    out += rendered;
    fields.push_back(Alert::Field{segment.field_name, rendered, missing, numeric});
  }
}

std::string rfc3339_nanoseconds(uint64_t time_ns) {
  std::time_t seconds = static_cast<std::time_t>(time_ns / 1000000000ULL);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::size_t length = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buffer + length, sizeof buffer - length, ".%09lluZ",
                static_cast<unsigned long long>(time_ns % 1000000000ULL));
  return buffer;
}

std::string alert_to_text(const Alert& alert) {
  std::time_t seconds = static_cast<std::time_t>(alert.time_ns / 1000000000ULL);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::size_t length = std::strftime(buffer, sizeof buffer, "%H:%M:%S", &utc);
  std::snprintf(buffer + length, sizeof buffer - length, ".%09llu",
                static_cast<unsigned long long>(alert.time_ns % 1000000000ULL));
  std::string line = buffer;
  line += ": ";
  line += priority_name(alert.rule->priority);
  line += ' ';
  line += alert.output;
  return line;
}

std::string alert_to_json(const Alert& alert, std::string_view hostname) {
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();
  for (const auto& field : alert.fields) {
    std::string key(field.name);
    if (field.missing) {
      fields[key] = nullptr;
    } else if (field.numeric) {
      if (!field.value.empty() && field.value.front() == '-')
        fields[key] = std::stoll(std::string(field.value));
      else
        fields[key] = std::stoull(std::string(field.value));
    } else {
      fields[key] = std::string(field.value);
    }
  }
  nlohmann::ordered_json json;
  json["hostname"] = std::string(hostname);
  json["output"] = std::string(alert.output);
  json["output_fields"] = std::move(fields);
  json["priority"] = std::string(priority_name(alert.rule->priority));
  json["rule"] = alert.rule->name;
  json["source"] = alert.rule->source;
  json["tags"] = alert.rule->tags;
  json["time"] = rfc3339_nanoseconds(alert.time_ns);
  // Strings from events may hold any bytes; replace invalid UTF-8 rather than throw.
  return json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace bulkhead::detect
