#include "base/yaml_documents.h"

#include <yaml-cpp/eventhandler.h>

#include <sstream>
#include <string>

#include "base/error.h"

namespace bulkhead {
namespace {

// Records where the current document's content begins.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    start_ = mark;
    first_node_.reset();
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { seen(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { seen(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    seen(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    seen(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    seen(mark);
  }
  void OnMapEnd() override {}

  YAML::Mark where() const { return first_node_.value_or(start_); }

 private:
  void seen(const YAML::Mark& mark) {
    if (!first_node_) first_node_ = mark;
  }
  YAML::Mark start_;
  std::optional<YAML::Mark> first_node_;
};

}  // namespace

std::optional<YAML::Mark> find_second_yaml_document(std::string_view text) {
  std::istringstream stream{std::string(text)};
  YAML::Parser parser(stream);
  DocumentStarts starts;
  if (!parser.HandleNextDocument(starts)) return std::nullopt;
  if (!parser.HandleNextDocument(starts)) return std::nullopt;
  return starts.where();
}

SourceLocation yaml_location(const YAML::Mark& mark, const std::string& source) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return SourceLocation{source, 0, 0};
  return SourceLocation{source, mark.line + 1, mark.column + 1};
}

YAML::Node load_single_yaml_document(std::string_view text, const std::string& source,
                                     std::string_view what) {
  YAML::Node document;
  std::optional<YAML::Mark> second_document;
  try {
    document = YAML::Load(std::string(text));
    second_document = find_second_yaml_document(text);
  } catch (const YAML::Exception& e) {
    throw Error(yaml_location(e.mark, source), "", "not valid YAML: " + e.msg);
  }
  if (second_document)
    throw Error(yaml_location(*second_document, source), "",
                std::string(what) + " holds one document, found a second one");
  return document;
}

}  // namespace bulkhead
