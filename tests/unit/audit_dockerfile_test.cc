// audit_dockerfile: the Dockerfile syntax it must get right (continuations, the escape
// directive, heredocs, exec form, stages) and the four checks, with their places.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "audit/catalogue.h"
#include "audit/inputs.h"
#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::audit {
namespace {

const std::string kSourceDir = BULKHEAD_SOURCE_DIR;

std::vector<Finding> audit(const std::string& text) {
  return audit_dockerfile(text, "Dockerfile");
}

std::vector<Finding> of_check(const std::vector<Finding>& findings, const std::string& id) {
  std::vector<Finding> out;
  for (const Finding& f : findings)
    if (f.check_id == id) out.push_back(f);
  return out;
}

std::vector<Finding> audit_for(const std::string& text, const std::string& id) {
  return of_check(audit(text), id);
}

std::set<std::string> check_ids(const std::vector<Finding>& findings) {
  std::set<std::string> ids;
  for (const Finding& f : findings) ids.insert(f.check_id);
  return ids;
}

Error error_of(const std::string& text) {
  try {
    audit(text);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return Error("none");
}

void expect_at(const SourceLocation& where, int line, int column) {
  EXPECT_EQ(where.file, "Dockerfile");
  EXPECT_EQ(where.line, line);
  EXPECT_EQ(where.column, column);
}

// -- BH-RUN-AS-ROOT

TEST(AuditDockerfileUser, MissingUserIsReportedAtTheFinalFrom) {
  std::vector<Finding> found = audit_for("FROM alpine:3.20\nRUN echo hi\n", "BH-RUN-AS-ROOT");
  ASSERT_EQ(found.size(), 1u);
  expect_at(found[0].where, 1, 1);
  EXPECT_EQ(found[0].object, "Dockerfile");
  EXPECT_EQ(found[0].format, InputFormat::Dockerfile);
  EXPECT_EQ(found[0].severity, find_check("BH-RUN-AS-ROOT")->severity);
}

TEST(AuditDockerfileUser, RootUsersAreReportedAtTheirUserLine) {
  for (const char* user : {"root", "0", "0:0", "root:root", "0:1000", "00"}) {
    std::vector<Finding> found =
        audit_for(std::string("FROM alpine\nUSER app\n  user ") + user + "\n", "BH-RUN-AS-ROOT");
    ASSERT_EQ(found.size(), 1u) << user;
    expect_at(found[0].where, 3, 3);
    EXPECT_NE(found[0].message.find(user), std::string::npos) << found[0].message;
  }
  for (const char* user : {"app", "1000", "1000:0", "nobody:nogroup", "65532"})
    EXPECT_TRUE(
        audit_for(std::string("FROM alpine\nUSER root\nUSER ") + user + "\n", "BH-RUN-AS-ROOT")
            .empty())
        << user;
}

TEST(AuditDockerfileUser, OnlyTheFinalStageCounts) {
  std::string text =
      "FROM golang:1.22 AS build\n"
      "USER 1000\n"
      "RUN go build ./...\n"
      "FROM scratch\n"
      "COPY --from=build /app /app\n";
  std::vector<Finding> found = audit_for(text, "BH-RUN-AS-ROOT");
  ASSERT_EQ(found.size(), 1u);
  expect_at(found[0].where, 4, 1);
  EXPECT_EQ(found[0].object, "Dockerfile stage 1");

  // A root build stage does not matter when the final stage sets a user.
  EXPECT_TRUE(
      audit_for("FROM golang AS build\nUSER root\nFROM alpine\nUSER 1000\n", "BH-RUN-AS-ROOT")
          .empty());
}

TEST(AuditDockerfileUser, AStageBuiltFromAnotherInheritsItsUser) {
  EXPECT_TRUE(
      audit_for("FROM debian AS base\nUSER app\nFROM base AS final\nRUN true\n", "BH-RUN-AS-ROOT")
          .empty());
  std::vector<Finding> found =
      audit_for("FROM debian AS Base\nUSER root\nFROM base\nRUN true\n", "BH-RUN-AS-ROOT");
  ASSERT_EQ(found.size(), 1u);
  expect_at(found[0].where, 2, 1);
  EXPECT_EQ(found[0].object, "Dockerfile stage 1");
}

TEST(AuditDockerfileUser, VariablesAreResolvedWhenTheyCanBe) {
  EXPECT_EQ(audit_for("FROM alpine\nARG RUN_AS=root\nUSER ${RUN_AS}\n", "BH-RUN-AS-ROOT").size(),
            1u);
  EXPECT_EQ(audit_for("FROM alpine\nENV U=0\nUSER $U:$U\n", "BH-RUN-AS-ROOT").size(), 1u);
  EXPECT_EQ(audit_for("FROM alpine\nUSER ${NOBODY:-root}\n", "BH-RUN-AS-ROOT").size(), 1u);
  EXPECT_TRUE(audit_for("FROM alpine\nARG UID=1000\nUSER $UID\n", "BH-RUN-AS-ROOT").empty());
  // A build argument without a default: chosen at build time, not judged.
  EXPECT_TRUE(audit_for("FROM alpine\nARG UID\nUSER ${UID}\n", "BH-RUN-AS-ROOT").empty());
  // A global ARG's default reaches a stage that declares it again.
  EXPECT_EQ(audit_for("ARG U=root\nFROM alpine\nARG U\nUSER $U\n", "BH-RUN-AS-ROOT").size(), 1u);
}

// -- Syntax

TEST(AuditDockerfileSyntax, ContinuationsCommentsAndEmptyLines) {
  std::string text =
      "# syntax=docker/dockerfile:1\n"
      "FROM debian:12\n"
      "run apt-get update \\\n"
      "# a comment inside the continuation\n"
      "\n"
      "    && curl -fsSL https://get.example.com \\  \n"
      "    | sh\n"
      "USER 1000\n";
  std::vector<Finding> found = audit_for(text, "BH-DOCKERFILE-CURL-PIPE-SH");
  ASSERT_EQ(found.size(), 1u);
  expect_at(found[0].where, 3, 1);
  EXPECT_NE(found[0].message.find("curl"), std::string::npos);
  EXPECT_NE(found[0].message.find("sh"), std::string::npos);
  EXPECT_TRUE(audit_for(text, "BH-RUN-AS-ROOT").empty());
}

TEST(AuditDockerfileSyntax, EscapeDirective) {
  std::string text =
      "# escape=`\n"
      "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
      "ENV INSTALL_DIR=C:\\tools `\n"
      "    API_TOKEN=abc123\n"
      "USER ContainerUser\n";
  std::vector<Finding> found = audit_for(text, "BH-DOCKERFILE-SECRET-ENV");
  ASSERT_EQ(found.size(), 1u);
  expect_at(found[0].where, 4, 5);
  // With ` as the escape character, a backslash at the end of a line is just a character.
  EXPECT_TRUE(audit("# escape=`\nFROM x\nRUN dir c:\\\nUSER u\n").empty());
}

TEST(AuditDockerfileSyntax, DirectivesStopAtTheFirstOtherLine) {
  // After a comment, "# escape=" is a comment: the backslash still continues lines.
  std::string text = "# hello\n# escape=`\nFROM x\nRUN curl -s https://x.io/i \\\n  | bash\n";
  EXPECT_EQ(audit_for(text, "BH-DOCKERFILE-CURL-PIPE-SH").size(), 1u);
}

TEST(AuditDockerfileSyntax, HeredocBodiesArePartOfTheRun) {
  std::string text =
      "FROM alpine\n"
      "RUN <<EOF\n"
      "set -eux\n"
      "apk add --no-cache curl\n"
      "curl -fsSL https://sh.rustup.rs | sh -s -- -y\n"
      "EOF\n"
      "RUN <<-'SCRIPT' cat > /etc/motd\n"
      "\t<<EOF not a heredoc here\n"
      "\tSCRIPT\n"
      "USER 1000\n";
  std::vector<Finding> found = audit_for(text, "BH-DOCKERFILE-CURL-PIPE-SH");
  ASSERT_EQ(found.size(), 1u);
  expect_at(found[0].where, 2, 1);
  // The heredoc's lines are not instructions: `USER 1000` is still found after them.
  EXPECT_TRUE(audit_for(text, "BH-RUN-AS-ROOT").empty());
  // Two heredocs on one line, read in order.
  std::string two =
      "FROM alpine\nRUN <<A <<B\necho a\nA\nwget -qO- https://x.io/i | ash\nB\nUSER 1\n";
  EXPECT_EQ(audit_for(two, "BH-DOCKERFILE-CURL-PIPE-SH").size(), 1u);
  EXPECT_TRUE(audit_for(two, "BH-RUN-AS-ROOT").empty());
}

TEST(AuditDockerfileSyntax, ExecAndShellForms) {
  EXPECT_EQ(audit_for("FROM a\nRUN [\"/bin/sh\", \"-c\", \"curl -s https://x | sh\"]\nUSER 1\n",
                      "BH-DOCKERFILE-CURL-PIPE-SH")
                .size(),
            1u);
  // An exec form without a shell has no pipe: "|" is just an argument.
  EXPECT_TRUE(audit_for("FROM a\nRUN [\"curl\", \"-s\", \"https://x\", \"|\", \"sh\"]\n",
                        "BH-DOCKERFILE-CURL-PIPE-SH")
                  .empty());
  // A shell test is not JSON.
  EXPECT_TRUE(audit("FROM a\nRUN [ -f /etc/x ] && rm /etc/x\nRUN [ \"$A\" = b ] || true\nUSER 1\n")
                  .empty());
  EXPECT_TRUE(audit("FROM a\nRUN [\"echo\", \"\\u00e9\\ud83d\\ude00\"]\nUSER 1\n").empty());
}

TEST(AuditDockerfileSyntax, InstructionNamesInAnyCaseAndUnknownOnesIgnored) {
  std::string text =
      "from alpine as Builder\n"
      "Frobnicate --everything\n"
      "add http://example.com/a.tgz /a\n"
      "FROM alpine\n"
      "uSeR 1000\n";
  std::vector<Finding> findings = audit(text);
  std::vector<Finding> add = of_check(findings, "BH-DOCKERFILE-ADD-URL");
  ASSERT_EQ(add.size(), 1u);
  expect_at(add[0].where, 3, 5);
  EXPECT_EQ(add[0].object, "Dockerfile stage builder");
  EXPECT_TRUE(of_check(findings, "BH-RUN-AS-ROOT").empty());
}

TEST(AuditDockerfileSyntax, EmptyAndCommentOnlyFilesHaveNoFindings) {
  EXPECT_TRUE(audit("").empty());
  EXPECT_TRUE(audit("# just a comment\n\n").empty());
}

// -- BH-DOCKERFILE-ADD-URL

TEST(AuditDockerfileAdd, RemoteSourcesAnyStage) {
  std::string text =
      "FROM alpine AS fetch\n"
      "ADD --chown=1000 https://user:hunter2@example.com/tool.tgz /opt/\n"
      "ADD [\"http://example.com/a\", \"local.txt\", \"/dst/\"]\n"
      "ADD git@github.com:moby/buildkit.git /src\n"
      "ADD https://github.com/moby/moby.git#v25.0.0 /moby\n"
      "ADD --checksum=sha256:0123 https://example.com/verified.tgz /v/\n"
      "ADD local.tgz /opt/\n"
      "COPY https://example.com/not-fetched /x\n"
      "FROM alpine\n"
      "USER 1000\n";
  std::vector<Finding> found = audit_for(text, "BH-DOCKERFILE-ADD-URL");
  ASSERT_EQ(found.size(), 4u);
  expect_at(found[0].where, 2, 18);  // the URL itself
  // Credentials in a URL are not repeated in the report.
  EXPECT_EQ(found[0].message.find("hunter2"), std::string::npos) << found[0].message;
  EXPECT_NE(found[0].message.find("example.com/tool.tgz"), std::string::npos);
  EXPECT_EQ(found[1].where.line, 3);
  EXPECT_EQ(found[2].where.line, 4);
  EXPECT_EQ(found[3].where.line, 5);
  for (const Finding& f : found) EXPECT_EQ(f.object, "Dockerfile stage fetch");
}

// -- BH-DOCKERFILE-CURL-PIPE-SH

TEST(AuditDockerfileCurlPipe, ThePatterns) {
  for (const char* run : {
           "curl -fsSL https://get.docker.com | sh",
           "wget -qO- https://x.io/install | sudo bash",
           "wget -O - https://x.io/i|sudo -E -u root bash -s -- --yes",
           "curl https://x.io/i.py | python3",
           "curl https://x.io/i.pl | /usr/bin/perl",
           "bash <(curl -s https://x.io/i)",
           "sh -c \"$(curl -fsSL "
           "https://raw.githubusercontent.com/ohmyzsh/ohmyzsh/master/install.sh)\"",
           "sh -c \"`wget -O- https://x.io/i`\"",
           "eval \"$(curl -s https://x.io/env)\"",
           "cd /tmp && (curl -s https://x.io/i) | env FOO=1 zsh",
           "true; /usr/bin/curl -s https://x.io/i | tee /tmp/log | dash",
           "echo $(curl -s https://x.io/i | sh)",
       }) {
    std::string text = std::string("FROM a\nRUN ") + run + "\nUSER 1\n";
    EXPECT_EQ(audit_for(text, "BH-DOCKERFILE-CURL-PIPE-SH").size(), 1u) << run;
  }
  for (const char* run : {
           "curl -fsSLo /tmp/i.sh https://x.io/i && sh /tmp/i.sh",
           "curl -s https://x.io/a.tgz | tar xz -C /opt",
           "echo 'curl https://x.io | sh'",
           "wget https://x.io/f || bash -c 'echo failed'",
           "bash -c \"echo $(date)\"",
           "curl -s https://x.io/a.tgz > a.tgz; sh ./install.sh",
           "apt-get install -y shellcheck curl bash",
       }) {
    std::string text = std::string("FROM a\nRUN ") + run + "\nUSER 1\n";
    EXPECT_TRUE(audit_for(text, "BH-DOCKERFILE-CURL-PIPE-SH").empty()) << run;
  }
}

TEST(AuditDockerfileCurlPipe, RunFlagsAndOnbuild) {
  std::vector<Finding> found = audit_for(
      "FROM a\nRUN --mount=type=cache,target=/root/.cache --network=default curl -s https://x | "
      "sh\nONBUILD RUN curl -s https://x | bash\nUSER 1\n",
      "BH-DOCKERFILE-CURL-PIPE-SH");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].where.line, 2);
  EXPECT_EQ(found[1].where.line, 3);
  EXPECT_EQ(found[1].message.rfind("ONBUILD", 0), 0u) << found[1].message;
}

// -- BH-DOCKERFILE-SECRET-ENV

TEST(AuditDockerfileSecrets, NamesThatLookLikeSecretsWithLiteralValues) {
  std::string text =
      "ARG GITHUB_TOKEN=ghp_abcdefabcdefabcdef\n"  // 1: global ARG
      "FROM node:20\n"
      "ENV DB_PASSWORD=hunter2 PORT=8080\n"        // 3
      "ENV apiKey \"my api key\"\n"                // 4: legacy form, camelCase
      "ARG NPM_TOKEN\n"                            // 5: no default: fine
      "ENV AWS_SECRET_ACCESS_KEY=${AWS_SECRET}\n"  // 6: a reference: fine
      "ENV PASSWORD_FILE=/run/secrets/pw\n"        // 7: a pointer: fine
      "ENV MYSQL_PWD=\"\"\n"                       // 8: empty: fine
      "ENV PWD=/app\n"                             // 9: the working directory
      "ARG private-key=-----BEGIN\n"               // 10
      "ENV TOKENIZER_MODEL=bert\n"                 // 11: not a component
      "ENV X=1 \\\n"
      "    Client_Secret='s p a c e'\n"      // 13
      "ENV SECRET_KEY_BASE $RAILS_SECRET\n"  // 14: a reference (legacy form)
      "USER node\n";
  std::vector<Finding> found = audit_for(text, "BH-DOCKERFILE-SECRET-ENV");
  std::vector<std::pair<int, int>> places;
  for (const Finding& f : found) places.emplace_back(f.where.line, f.where.column);
  EXPECT_EQ(places, (std::vector<std::pair<int, int>>{{1, 5}, {3, 5}, {4, 5}, {10, 5}, {13, 5}}));
  for (const Finding& f : found) {
    for (const char* secret : {"ghp_", "hunter2", "my api key", "BEGIN", "s p a c e"})
      EXPECT_EQ(f.message.find(secret), std::string::npos) << f.message;
    EXPECT_EQ(f.severity, find_check("BH-DOCKERFILE-SECRET-ENV")->severity);
  }
  EXPECT_EQ(found[0].object, "Dockerfile");
  EXPECT_NE(found[1].message.find("DB_PASSWORD"), std::string::npos);
  EXPECT_NE(found[2].message.find("apiKey"), std::string::npos);
}

// -- Errors

TEST(AuditDockerfileErrors, MalformedInputIsLocated) {
  struct Case {
    std::string text;
    std::string field;
    int line;
    int column;
  };
  for (const Case& c : std::vector<Case>{
           {"# escape=x\nFROM a\n", "escape", 1, 10},
           {"#escape = \\\n# escape=`\nFROM a\n", "escape", 2, 10},
           {"FROM a\nRUN [\"curl\", \"x\"\n", "RUN", 2, 17},
           {"FROM a\nCMD [\"a\",\n", "", 0, 0},  // CMD is not read: no error
           {"FROM a\nADD [\"http://x\", 5]\n", "ADD", 2, 18},
           {"FROM a\nRUN [\"a\"] extra\n", "RUN", 2, 11},
           {"FROM a\nRUN [\"unterminated]\n", "RUN", 2, 6},
           {"FROM a\nRUN <<EOF\necho hi\n", "RUN", 2, 5},
           {"FROM a\nENV\n", "ENV", 2, 1},
           {"FROM a\nENV LONELY\n", "ENV", 2, 5},
           {"FROM a\nENV A=1 B\n", "ENV", 2, 9},
           {"RUN echo no stage\n", "FROM", 1, 1},
       }) {
    if (c.line == 0) {
      EXPECT_NO_THROW(audit(c.text)) << c.text;
      continue;
    }
    Error e = error_of(c.text);
    EXPECT_EQ(e.field(), c.field) << c.text;
    ASSERT_TRUE(e.where()) << c.text;
    EXPECT_EQ(e.where()->file, "Dockerfile");
    EXPECT_EQ(e.where()->line, c.line) << c.text << " " << e.what();
    EXPECT_EQ(e.where()->column, c.column) << c.text << " " << e.what();
  }
}

// -- Realistic

TEST(AuditDockerfileRealistic, MultiStageBuild) {
  std::string path = kSourceDir + "/tests/data/audit/realistic/Dockerfile";
  ASSERT_EQ(detect_input_format(path, read_file(path)), InputFormat::Dockerfile);
  std::vector<Finding> findings = audit_file(path);
  std::set<std::string> ids = check_ids(findings);
  EXPECT_EQ(ids, (std::set<std::string>{"BH-DOCKERFILE-ADD-URL", "BH-DOCKERFILE-CURL-PIPE-SH",
                                        "BH-DOCKERFILE-SECRET-ENV"}));
  for (const Finding& f : findings) {
    EXPECT_EQ(f.where.file, path);
    EXPECT_GT(f.where.line, 0);
    EXPECT_EQ(f.object.rfind("Dockerfile stage ", 0), 0u) << f.object;
  }
}

}  // namespace
}  // namespace bulkhead::audit
