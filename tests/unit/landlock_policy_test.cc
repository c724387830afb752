// The Landlock policy file: what each form parses to, the errors (with file, line, column and
// field) for bad input, the JSON round trip, and which kernel ABI a policy needs.
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "mac/landlock.h"

namespace bulkhead::mac {
namespace {

constexpr const char* kNginxPolicy = R"(# bulkhead landlock policy, version 1
version: 1
best_effort: false
paths:
  - path: /var/www/html
    access: [read]
  - path: /var/log/nginx
    access: [read, write]
  - path: [/bin, /lib, /usr]      # one entry may list several paths
    access: [read, execute]
network:
  bind: [80]
  connect: [443, 5432]
)";

// The error `text` gives, or a failure when it parses.
Error parse_error(const std::string& text) {
  try {
    parse_landlock_policy(text, "policy.yaml");
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "parsed without an error:\n" << text;
  return Error("no error");
}

void expect_error_at(const std::string& text, int line, int column, const std::string& field,
                     const std::string& message_part) {
  SCOPED_TRACE(text);
  Error e = parse_error(text);
  ASSERT_TRUE(e.where().has_value()) << e.what();
  EXPECT_EQ(e.where()->file, "policy.yaml");
  EXPECT_EQ(e.where()->line, line) << e.what();
  EXPECT_EQ(e.where()->column, column) << e.what();
  EXPECT_EQ(e.field(), field) << e.what();
  EXPECT_NE(e.message().find(message_part), std::string::npos) << e.what();
}

TEST(LandlockPolicy, ParsesTheNginxExample) {
  LandlockPolicy policy = parse_landlock_policy(kNginxPolicy, "nginx.yaml");
  EXPECT_EQ(policy.source, "nginx.yaml");
  EXPECT_FALSE(policy.best_effort);
  ASSERT_EQ(policy.paths.size(), 3u);
  EXPECT_EQ(policy.paths[0].paths, std::vector<std::string>{"/var/www/html"});
  EXPECT_EQ(policy.paths[0].access, kFsReadFile | kFsReadDir);
  EXPECT_EQ(policy.paths[0].where.line, 5);
  EXPECT_EQ(policy.paths[0].where.column, 5);
  EXPECT_EQ(policy.paths[1].access, kAccessRead | kAccessWrite);
  EXPECT_EQ(policy.paths[2].paths, (std::vector<std::string>{"/bin", "/lib", "/usr"}));
  EXPECT_EQ(policy.paths[2].access, kFsReadFile | kFsReadDir | kFsExecute);
  EXPECT_TRUE(policy.restrict_network);
  EXPECT_EQ(policy.bind_ports, std::vector<uint16_t>{80});
  EXPECT_EQ(policy.connect_ports, (std::vector<uint16_t>{443, 5432}));
  EXPECT_EQ(policy.scopes, 0u);
  EXPECT_EQ(policy.required_abi(), 4);  // TCP port rules
}

TEST(LandlockPolicy, WriteGrantsWhatAWritableDirectoryNeeds) {
  // Appending to, truncating, creating, rotating (rename into a subdirectory) and removing
  // files; but not device nodes or device ioctls, and not reading.
  EXPECT_EQ(kAccessWrite, kFsWriteFile | kFsTruncate | kFsMakeReg | kFsMakeDir | kFsMakeSym |
                              kFsMakeSock | kFsMakeFifo | kFsRemoveFile | kFsRemoveDir | kFsRefer);
  EXPECT_EQ(kAccessWrite & (kFsMakeChar | kFsMakeBlock | kFsIoctlDev | kFsReadFile), 0u);
}

TEST(LandlockPolicy, JsonIsReadToo) {
  LandlockPolicy policy = parse_landlock_policy(R"({
	"version": 1,
	"best_effort": true,
	"paths": [{"path": "/data", "access": "write"}, {"path": ["/a", "/b"], "access": ["read_file"]}],
	"network": {"connect": [53]}
})",
                                                "p.json");
  EXPECT_TRUE(policy.best_effort);
  ASSERT_EQ(policy.paths.size(), 2u);
  EXPECT_EQ(policy.paths[0].access, kAccessWrite);
  EXPECT_EQ(policy.paths[1].paths, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(policy.paths[1].access, kFsReadFile);
  EXPECT_TRUE(policy.bind_ports.empty());
  EXPECT_EQ(policy.connect_ports, std::vector<uint16_t>{53});
}

TEST(LandlockPolicy, FineGrainedWordsAndScopes) {
  LandlockPolicy policy = parse_landlock_policy(R"(version: 1
paths:
  - path: /dev
    access: [read_file, read_dir, write_file, remove_dir, remove_file, make_char, make_dir,
             make_reg, make_sock, make_fifo, make_block, make_sym, refer, truncate, ioctl_dev]
scope: [abstract_unix_socket, signal]
)",
                                                "p.yaml");
  EXPECT_EQ(policy.paths[0].access, fs_rights_for_abi(5) & ~kFsExecute);
  EXPECT_EQ(policy.scopes, kScopeAbstractUnixSocket | kScopeSignal);
  EXPECT_FALSE(policy.restrict_network);
  EXPECT_EQ(policy.required_abi(), 6);
}

TEST(LandlockPolicy, NetworkSectionAloneDeniesAllTcp) {
  LandlockPolicy policy = parse_landlock_policy("version: 1\nnetwork:\n", "p.yaml");
  EXPECT_TRUE(policy.restrict_network);
  EXPECT_TRUE(policy.bind_ports.empty());
  EXPECT_TRUE(policy.connect_ports.empty());
  EXPECT_TRUE(policy.paths.empty());  // and no path rule: every file access is denied
}

TEST(LandlockPolicy, RequiredAbiIsTheNewestFeatureUsed) {
  auto abi_of = [](const std::string& body) {
    return parse_landlock_policy("version: 1\n" + body, "p.yaml").required_abi();
  };
  EXPECT_EQ(abi_of(""), 1);
  EXPECT_EQ(abi_of("paths: [{path: /a, access: [read, execute]}]"), 1);
  EXPECT_EQ(abi_of("paths: [{path: /a, access: [make_reg, remove_file]}]"), 1);
  EXPECT_EQ(abi_of("paths: [{path: /a, access: [refer]}]"), 2);
  EXPECT_EQ(abi_of("paths: [{path: /a, access: [truncate]}]"), 3);
  EXPECT_EQ(abi_of("paths: [{path: /a, access: [write]}]"), 3);
  EXPECT_EQ(abi_of("network: {bind: [8080]}"), 4);
  EXPECT_EQ(abi_of("paths: [{path: /dev/null, access: [ioctl_dev]}]"), 5);
  EXPECT_EQ(abi_of("scope: [signal]"), 6);
  EXPECT_EQ(abi_of("min_abi: 7\npaths: [{path: /a, access: [read]}]"), 7);
  EXPECT_EQ(abi_of("min_abi: 2\nnetwork:"), 4);
}

TEST(LandlockPolicy, RightsPerAbi) {
  EXPECT_EQ(fs_rights_for_abi(0), 0u);
  EXPECT_EQ(fs_rights_for_abi(1), 0x1fffu);
  EXPECT_EQ(fs_rights_for_abi(2), 0x3fffu);
  EXPECT_EQ(fs_rights_for_abi(3), 0x7fffu);
  EXPECT_EQ(fs_rights_for_abi(4), 0x7fffu);
  EXPECT_EQ(fs_rights_for_abi(5), 0xffffu);
  EXPECT_EQ(fs_rights_for_abi(7), 0xffffu);
  EXPECT_EQ(scopes_for_abi(5), 0u);
  EXPECT_EQ(scopes_for_abi(6), 3u);
}

TEST(LandlockPolicy, FeaturesAboveAbiNameWhatIsMissing) {
  LandlockPolicy policy = parse_landlock_policy(kNginxPolicy, "nginx.yaml");
  EXPECT_TRUE(features_above_abi(policy, 4).empty());
  auto missing = features_above_abi(policy, 2);
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0], "access rights truncate (ABI 3)");
  EXPECT_EQ(missing[1], "TCP port rules (ABI 4)");
}

TEST(LandlockPolicy, AccessNamesPreferTheCoarseWords) {
  EXPECT_EQ(access_names(kAccessRead | kAccessWrite), (std::vector<std::string>{"read", "write"}));
  EXPECT_EQ(access_names(kFsReadFile | kFsExecute | kFsIoctlDev),
            (std::vector<std::string>{"execute", "read_file", "ioctl_dev"}));
  EXPECT_EQ(access_names(kAccessWrite & ~kFsTruncate).size(), 9u);  // no "write" without all of it
}

TEST(LandlockPolicy, RoundTripsThroughJson) {
  const char* policies[] = {
      kNginxPolicy,
      "version: 1\n",
      "version: 1\nbest_effort: true\nnetwork:\n",
      "version: 1\nmin_abi: 5\nscope: [signal]\n"
      "paths: [{path: [/x, \"/with space\", \"/quote\\\"d\"], access: [read_dir, make_block]}]\n",
      "version: 1\npaths:\n  - path: /dev\n    access: [read, write, ioctl_dev, make_char]\n"
      "  - path: /a\n    access: [write_file, truncate]\nnetwork: {bind: [1, 65535], connect: "
      "[]}\n",
  };
  for (const char* text : policies) {
    SCOPED_TRACE(text);
    LandlockPolicy policy = parse_landlock_policy(text, "p.yaml");
    nlohmann::json json = landlock_policy_to_json(policy);
    LandlockPolicy again = parse_landlock_policy(json.dump(), "round trip");
    EXPECT_EQ(landlock_policy_to_json(again), json);
    EXPECT_EQ(again.best_effort, policy.best_effort);
    EXPECT_EQ(again.restrict_network, policy.restrict_network);
    EXPECT_EQ(again.bind_ports, policy.bind_ports);
    EXPECT_EQ(again.connect_ports, policy.connect_ports);
    EXPECT_EQ(again.scopes, policy.scopes);
    EXPECT_EQ(again.min_abi, policy.min_abi);
    EXPECT_EQ(again.required_abi(), policy.required_abi());
    ASSERT_EQ(again.paths.size(), policy.paths.size());
    for (size_t i = 0; i < policy.paths.size(); ++i) {
      EXPECT_EQ(again.paths[i].paths, policy.paths[i].paths);
      EXPECT_EQ(again.paths[i].access, policy.paths[i].access);
    }
    // Pretty-printed JSON is read as well as the compact form.
    EXPECT_EQ(landlock_policy_to_json(parse_landlock_policy(json.dump(2), "pretty")), json);
  }
}

TEST(LandlockPolicy, ErrorsNameFileLineColumnAndField) {
  expect_error_at("version: 1\nfiles: []\n", 2, 1, "files", "unknown key");
  expect_error_at("version: 1\npaths:\n  - path: /a\n    acess: [read]\n", 4, 5, "paths[0].acess",
                  "unknown key");
  expect_error_at("version: 1\npaths:\n  - path: /a\n    access: [read, wrte]\n", 4, 20,
                  "paths[0].access[1]", "unknown access right \"wrte\"");
  expect_error_at("version: 1\npaths:\n  - path: /a\n    access: reed\n", 4, 13, "paths[0].access",
                  "unknown access right");
  expect_error_at("version: 1\npaths:\n  - path: var/www\n    access: [read]\n", 3, 11,
                  "paths[0].path", "not an absolute path");
  expect_error_at("version: 1\npaths:\n  - path: [/a, b]\n    access: [read]\n", 3, 16,
                  "paths[0].path[1]", "not an absolute path");
  expect_error_at("version: 1\npaths:\n  - path: /a\n    access: []\n", 4, 13, "paths[0].access",
                  "at least one");
  expect_error_at("version: 1\npaths:\n  - access: [read]\n", 3, 5, "paths[0].path", "missing");
  expect_error_at("version: 1\npaths:\n  - path: /a\n", 3, 5, "paths[0].access", "missing");
  expect_error_at("version: 1\nnetwork:\n  bind: [0]\n", 3, 10, "network.bind[0]", "1 to 65535");
  expect_error_at("version: 1\nnetwork:\n  connect: [80, 65536]\n", 3, 17, "network.connect[1]",
                  "1 to 65535");
  expect_error_at("version: 1\nnetwork:\n  bind: [-1]\n", 3, 10, "network.bind[0]", "1 to 65535");
  expect_error_at("version: 1\nnetwork:\n  bind: [\"80\"]\n", 3, 10, "network.bind[0]",
                  "1 to 65535");
  expect_error_at("version: 1\nnetwork:\n  udp: [53]\n", 3, 3, "network.udp", "unknown key");
  expect_error_at("version: 1\nnetwork: [80]\n", 2, 10, "network", "mapping");
  expect_error_at("version: 1\nbest_effort: yes\n", 2, 14, "best_effort", "true or false");
  expect_error_at("version: 2\n", 1, 10, "version", "unsupported policy version");
  expect_error_at("best_effort: true\n", 1, 1, "version", "missing");
  expect_error_at("version: 1\nversion: 1\n", 2, 1, "version", "duplicate key");
  expect_error_at("version: 1\nmin_abi: 99\n", 2, 10, "min_abi", "ABI version");
  expect_error_at("version: 1\nscope: [signals]\n", 2, 9, "scope[0]", "unknown scope");
  expect_error_at("version: 1\npaths: {path: /a}\n", 2, 8, "paths", "list");
  expect_error_at("- 1\n", 1, 1, "", "mapping");
  expect_error_at("version: 1\npaths: [\n", 3, 1, "", "not valid YAML");
  expect_error_at("{\"version\": 1, \"paths\": [{\"path\": \"/a\", \"access\": [\"rd\"]}]}", 1, 52,
                  "paths[0].access[0]", "unknown access right");
  expect_error_at("", 1, 1, "", "empty");
  expect_error_at("version: 1\n---\nversion: 1\n", 3, 1, "", "one document");
}

TEST(LandlockPolicy, ErrorMessageReadsAsFileLineColumnField) {
  Error e = parse_error("version: 1\npaths:\n  - path: /a\n    access: [read, wrte]\n");
  EXPECT_EQ(std::string(e.what()).rfind("policy.yaml:4:20: paths[0].access[1]: ", 0), 0u)
      << e.what();
}

TEST(LandlockPolicy, LoadReadsAFileAndNamesIt) {
  EXPECT_THROW(load_landlock_policy("/nonexistent/policy.yaml"), SystemError);
}

TEST(LandlockRuleset, TooLowAnAbiIsRefusedWithTheReason) {
  // Refused before any system call, so this needs no Landlock in the kernel.
  LandlockPolicy policy = parse_landlock_policy(kNginxPolicy, "nginx.yaml");
  try {
    LandlockRuleset::build(policy, 3);
    FAIL() << "built a ruleset with ABI 3 for a policy with TCP rules";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("nginx.yaml"), std::string::npos) << what;
    EXPECT_NE(what.find("needs ABI 4"), std::string::npos) << what;
    EXPECT_NE(what.find("TCP port rules"), std::string::npos) << what;
    EXPECT_NE(what.find("this kernel has ABI 3"), std::string::npos) << what;
    EXPECT_NE(what.find("best_effort"), std::string::npos) << what;
  }
  EXPECT_THROW(LandlockRuleset::build(policy, 0), Error);
}

TEST(LandlockRuleset, BestEffortWithoutLandlockEnforcesNothing) {
  LandlockPolicy policy = parse_landlock_policy(kNginxPolicy, "nginx.yaml");
  policy.best_effort = true;
  LandlockRuleset ruleset = LandlockRuleset::build(policy, 0);
  EXPECT_EQ(ruleset.abi(), 0);
  EXPECT_EQ(ruleset.handled_fs(), 0u);
  EXPECT_EQ(ruleset.handled_net(), 0u);
  ruleset.restrict_self();  // a no-op: the test process stays unrestricted
}

// Found by fuzz_landlock_policy: yaml-cpp's LoadAll never returns (allocating until the
// process dies) on a stray flow-context comma; the parser must answer with an Error.
TEST(LandlockPolicy, StrayCommasAreErrorsNotHangs) {
  for (const char* text : {",", "{version: 1, paths: []},\n", "paths: []\n,"}) {
    SCOPED_TRACE(text);
    EXPECT_THROW(parse_landlock_policy(text, "policy.yaml"), Error);
  }
}

// Found by fuzz_landlock_policy: a policy is written back as JSON (the spec annotation), which
// cannot hold bytes that are not UTF-8; such a path is refused where it stands.
TEST(LandlockPolicy, PathsMustBeUtf8) {
  try {
    parse_landlock_policy("paths:\n  - path: \"/srv/\xff\"\n    access: [read]\n", "p.yaml");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("p.yaml:2:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("UTF-8"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace bulkhead::mac
