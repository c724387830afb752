#include "base/json.h"
#include "base/strings.h"

#include <gtest/gtest.h>

namespace bulkhead {
namespace {

TEST(JsonDocument, RecordsPositionsOfKeysAndArrayElements) {
  auto doc = JsonDocument::parse(
      "{\n  \"a\": 1,\n  \"list\": [\n    \"x\",\n    {\"b\": true}\n  ]\n}", "f.json");
  auto key = doc.where("/a");
  EXPECT_EQ(key.line, 2);
  EXPECT_EQ(key.column, 3);
  auto element = doc.where("/list/0");
  EXPECT_EQ(element.line, 4);
  EXPECT_EQ(element.column, 5);
  auto nested = doc.where("/list/1/b");
  EXPECT_EQ(nested.line, 5);
  EXPECT_EQ(nested.column, 6);
  EXPECT_EQ(doc.root()["list"][1]["b"], true);
}

TEST(JsonDocument, UnknownPointerFallsBackToNearestParent) {
  auto doc = JsonDocument::parse("{\n \"o\": {\"k\": 1}}", "f.json");
  EXPECT_EQ(doc.where("/o/missing").line, 2);
}

TEST(JsonDocument, MalformedJsonNamesFileLineAndColumn) {
  try {
    JsonDocument::parse("{\n  \"a\": 1,\n  \"b\": ]\n}", "bad.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    ASSERT_TRUE(e.where().has_value());
    EXPECT_EQ(e.where()->file, "bad.json");
    EXPECT_EQ(e.where()->line, 3);
    EXPECT_NE(std::string(e.what()).find("bad.json:3:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("malformed JSON"), std::string::npos) << e.what();
  }
}

TEST(JsonDocument, DuplicateKeysAreAnError) {
  try {
    JsonDocument::parse("{\"a\": {\"action\": 1,\n \"action\": 2}}", "dup.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    ASSERT_TRUE(e.where().has_value());
    EXPECT_EQ(e.where()->line, 2);
    EXPECT_EQ(e.field(), "a.action");
    EXPECT_NE(std::string(e.what()).find("duplicate key"), std::string::npos) << e.what();
  }
}

TEST(JsonDocument, EmptyInputIsAnError) {
  EXPECT_THROW(JsonDocument::parse("", "e.json"), Error);
}

TEST(JsonDocument, ReadablePointer) {
  EXPECT_EQ(readable_pointer("/syscalls/3/args/0/op"), "syscalls[3].args[0].op");
  EXPECT_EQ(readable_pointer(""), "(top level)");
}

}  // namespace
}  // namespace bulkhead

namespace bulkhead {
namespace {

TEST(Utf8, AcceptsWellFormedAndRefusesTheRest) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("/var/www/html"));
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("a\x80z"));            // stray continuation byte
}

}  // namespace
}  // namespace bulkhead
