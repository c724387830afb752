// docker run's command line on a CLI11 subcommand: Docker's spellings, -h for --hostname,
// combined short flags, and the command after ROOTFS passed through untouched.
#include "cli/run_flags.h"

#include <gtest/gtest.h>

namespace bulkhead::cli {
namespace {

// Parses `bulkhead run ARGS…` with the flags registered on a `run` subcommand.
spec::RunFlags parse(std::vector<std::string> args) {
  CLI::App app{"test", "bulkhead"};
  app.require_subcommand(1);
  spec::RunFlags flags;
  auto* run = app.add_subcommand("run", "Run a container");
  add_docker_run_flags(*run, flags);
  std::vector<std::string> argv = {"bulkhead", "run"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<const char*> c_argv;
  for (const auto& a : argv) c_argv.push_back(a.c_str());
  app.parse(static_cast<int>(c_argv.size()), c_argv.data());
  return flags;
}

TEST(RunFlags, SeedCommand) {
  auto f = parse({"--cap-drop=ALL", "--cap-add=NET_BIND_SERVICE", "--security-opt",
                  "no-new-privileges", "builtin:busybox", "sh", "-c", "id -u"});
  EXPECT_EQ(f.cap_drop, std::vector<std::string>{"ALL"});
  EXPECT_EQ(f.cap_add, std::vector<std::string>{"NET_BIND_SERVICE"});
  EXPECT_EQ(f.security_opt, std::vector<std::string>{"no-new-privileges"});
  EXPECT_EQ(f.rootfs, "builtin:busybox");
  EXPECT_EQ(f.command, (std::vector<std::string>{"sh", "-c", "id -u"}));
}

TEST(RunFlags, CommandOptionsBelongToTheCommand) {
  auto f = parse({"-it", "/r", "ls", "-la", "--color=never", "-h", "-v", "/x:/y"});
  EXPECT_TRUE(f.interactive);
  EXPECT_TRUE(f.tty);
  EXPECT_EQ(f.rootfs, "/r");
  EXPECT_EQ(f.command,
            (std::vector<std::string>{"ls", "-la", "--color=never", "-h", "-v", "/x:/y"}));
  EXPECT_TRUE(f.hostname.empty());
  EXPECT_TRUE(f.volumes.empty());
}

TEST(RunFlags, NoCommand) {
  auto f = parse({"--rm", "/r"});
  EXPECT_TRUE(f.rm);
  EXPECT_TRUE(f.command.empty());
}

TEST(RunFlags, EveryFlag) {
  auto f = parse({"--cap-add",
                  "SYS_PTRACE,KILL",
                  "--cap-add",
                  "CHOWN",
                  "--cap-drop",
                  "MKNOD",
                  "--security-opt",
                  "seccomp=unconfined",
                  "--security-opt=label=disable",
                  "--privileged",
                  "-u",
                  "1000:1000",
                  "--group-add",
                  "5",
                  "--read-only",
                  "-v",
                  "/a:/b:ro",
                  "--volume=/c:/d",
                  "--tmpfs",
                  "/run:size=1m",
                  "-e",
                  "A=1",
                  "--env",
                  "B",
                  "--env-file",
                  "/tmp/env",
                  "-w",
                  "/srv",
                  "-h",
                  "box",
                  "--net",
                  "host",
                  "--pid",
                  "host",
                  "-m",
                  "512m",
                  "--pids-limit",
                  "-1",
                  "--cpus",
                  "1.5",
                  "--ulimit",
                  "nofile=10:20",
                  "--name",
                  "web",
                  "--init",
                  "--userns=auto",
                  "/rootfs",
                  "true"});
  EXPECT_EQ(f.cap_add, (std::vector<std::string>{"SYS_PTRACE,KILL", "CHOWN"}));
  EXPECT_EQ(f.cap_drop, std::vector<std::string>{"MKNOD"});
  EXPECT_EQ(f.security_opt, (std::vector<std::string>{"seccomp=unconfined", "label=disable"}));
  EXPECT_TRUE(f.privileged);
  EXPECT_EQ(f.user, "1000:1000");
  EXPECT_EQ(f.group_add, std::vector<std::string>{"5"});
  EXPECT_TRUE(f.read_only);
  EXPECT_EQ(f.volumes, (std::vector<std::string>{"/a:/b:ro", "/c:/d"}));
  EXPECT_EQ(f.tmpfs, std::vector<std::string>{"/run:size=1m"});
  EXPECT_EQ(f.env, (std::vector<std::string>{"A=1", "B"}));
  EXPECT_EQ(f.env_files, std::vector<std::string>{"/tmp/env"});
  EXPECT_EQ(f.workdir, "/srv");
  EXPECT_EQ(f.hostname, "box");
  EXPECT_EQ(f.network, "host");
  EXPECT_EQ(f.pid, "host");
  EXPECT_EQ(f.memory, "512m");
  EXPECT_EQ(f.pids_limit, "-1");
  EXPECT_EQ(f.cpus, "1.5");
  EXPECT_EQ(f.ulimits, std::vector<std::string>{"nofile=10:20"});
  EXPECT_EQ(f.name, "web");
  EXPECT_TRUE(f.init);
  EXPECT_EQ(f.userns, "auto");
  EXPECT_FALSE(f.interactive);
  EXPECT_FALSE(f.tty);
  EXPECT_EQ(f.rootfs, "/rootfs");
  EXPECT_EQ(f.command, std::vector<std::string>{"true"});
}

TEST(RunFlags, LongSpellings) {
  auto f = parse({"--interactive", "--tty", "--user=7", "--workdir=/w", "--hostname=h",
                  "--network=none", "--memory=1g", "/r"});
  EXPECT_TRUE(f.interactive);
  EXPECT_TRUE(f.tty);
  EXPECT_EQ(f.user, "7");
  EXPECT_EQ(f.workdir, "/w");
  EXPECT_EQ(f.hostname, "h");
  EXPECT_EQ(f.network, "none");
  EXPECT_EQ(f.memory, "1g");
}

TEST(RunFlags, UnknownOptionsAreErrors) {
  // Before ROOTFS: a typo must not turn into (part of) the command.
  EXPECT_THROW(parse({"--cap-ad", "NET_ADMIN", "/r", "sh"}), CLI::ParseError);
  EXPECT_THROW(parse({"--security-opts=seccomp=unconfined", "/r"}), CLI::ParseError);
  EXPECT_THROW(parse({"/r", "--bogus"}), CLI::ParseError);
}

TEST(RunFlags, RootfsIsRequired) {
  EXPECT_THROW(parse({"--rm"}), CLI::ParseError);
}

TEST(RunFlags, HelpIsLongOnly) {
  EXPECT_THROW(parse({"--help"}), CLI::CallForHelp);
}

}  // namespace
}  // namespace bulkhead::cli
