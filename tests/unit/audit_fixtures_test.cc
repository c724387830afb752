// Every check has a positive and a negative fixture in every file format it applies to
// (tests/data/audit/<format>/<CHECK-ID>.pos.<ext> and .neg.<ext>), audited exactly as
// `bulkhead audit FILE` audits them: the positive must raise the check, with a line, and the
// negative (the minimal fix of the positive) must not. The cases come from the catalogue, so a
// new check or a new format for a check fails here until its fixtures exist.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "audit/catalogue.h"
#include "base/strings.h"

namespace bulkhead::audit {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtureRoot = fs::path(BULKHEAD_SOURCE_DIR) / "tests/data/audit";

std::string extension(InputFormat format) {
  switch (format) {
    case InputFormat::DockerRun:
      return "sh";
    case InputFormat::Compose:
    case InputFormat::Kubernetes:
      return "yaml";
    case InputFormat::OciConfig:
      return "json";
    case InputFormat::Dockerfile:
      return "Dockerfile";
    case InputFormat::Host:
      break;
  }
  return "";
}

struct FixtureCase {
  std::string check_id;
  InputFormat format;
};

std::vector<FixtureCase> all_cases() {
  std::vector<FixtureCase> cases;
  for (const Check& check : catalogue())
    for (InputFormat format : check.applies_to)
      if (format != InputFormat::Host) cases.push_back({check.id, format});
  return cases;
}

std::string case_name(const testing::TestParamInfo<FixtureCase>& info) {
  std::string name = std::string(input_format_name(info.param.format)) + "_" + info.param.check_id;
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
  return name;
}

fs::path fixture(const FixtureCase& c, std::string_view polarity) {
  return kFixtureRoot / input_format_name(c.format) /
         (c.check_id + "." + std::string(polarity) + "." + extension(c.format));
}

std::vector<Finding> findings_of(const std::vector<Finding>& all, const std::string& id) {
  std::vector<Finding> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out),
               [&](const Finding& f) { return f.check_id == id; });
  return out;
}

class AuditFixtures : public testing::TestWithParam<FixtureCase> {};

TEST_P(AuditFixtures, PositiveRaisesTheCheckWithALine) {
  const FixtureCase& c = GetParam();
  fs::path path = fixture(c, "pos");
  ASSERT_TRUE(fs::exists(path)) << "missing fixture " << path;
  // The file is recognised as its format, as `bulkhead audit` would.
  EXPECT_EQ(detect_input_format(path.string(), read_file(path.string())), c.format) << path;
  std::vector<Finding> found = findings_of(audit_file(path.string(), c.format), c.check_id);
  ASSERT_FALSE(found.empty()) << path << " does not raise " << c.check_id;
  for (const Finding& f : found) {
    EXPECT_EQ(f.where.file, path.string());
    EXPECT_GT(f.where.line, 0) << path << ": " << f.message;
    EXPECT_FALSE(f.object.empty());
    EXPECT_FALSE(f.message.empty());
    EXPECT_EQ(f.format, c.format);
    EXPECT_EQ(f.severity, find_check(c.check_id)->severity);
  }
}

TEST_P(AuditFixtures, NegativeDoesNotRaiseTheCheck) {
  const FixtureCase& c = GetParam();
  fs::path path = fixture(c, "neg");
  ASSERT_TRUE(fs::exists(path)) << "missing fixture " << path;
  EXPECT_EQ(detect_input_format(path.string(), read_file(path.string())), c.format) << path;
  std::vector<Finding> found = findings_of(audit_file(path.string(), c.format), c.check_id);
  for (const Finding& f : found)
    ADD_FAILURE() << path << ":" << f.where.line << " raises " << c.check_id << ": " << f.message;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, AuditFixtures, testing::ValuesIn(all_cases()), case_name);

// No stray fixture: every file names a check that applies to its directory's format, so a
// renamed check cannot leave fixtures that test nothing.
TEST(AuditFixtureFiles, EveryFixtureBelongsToACheck) {
  for (InputFormat format : kAllInputFormats) {
    if (format == InputFormat::Host) continue;
    fs::path dir = kFixtureRoot / input_format_name(format);
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::string name = entry.path().filename().string();
      size_t dot = name.find('.');
      const Check* check = find_check(name.substr(0, dot));
      ASSERT_NE(check, nullptr) << entry.path() << " names no check";
      EXPECT_TRUE(check_applies_to(*check, format)) << entry.path();
      std::string rest = name.substr(dot);
      EXPECT_TRUE(rest == ".pos." + extension(format) || rest == ".neg." + extension(format))
          << entry.path();
    }
  }
}

}  // namespace
}  // namespace bulkhead::audit
