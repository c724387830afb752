// Differential test of the condition engine against an independent implementation of the same
// language: libsinsp's filters, run by sysdig 0.29 (libs 0.1.1dev+git20220316) over the same
// synthetic events written as a .scap file (capture/scap_writer.h). For every condition the set
// of events our engine matches must equal the set sysdig matches, except for documented
// differences of that libs version, which are asserted as such (see kKnownDifferences).
//
// Operators sysdig 0.29 does not have and that are therefore not compared here: `intersects`,
// `regex`, `iglob`, `bcontains`, `bstartswith`, transformers (`tolower(...)` ...) and `val()`.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

#include "capture/scap_writer.h"
#include "capture/synthetic.h"
#include "detect/engine.h"
#include "support/temp_dir.h"

namespace bulkhead {
namespace {

using capture::Event;
using capture::EventType;
using capture::OwnedEvent;

// sysdig's path, or empty when it is not installed.
std::string find_sysdig() {
  for (const char* candidate : {"/usr/bin/sysdig", "/usr/local/bin/sysdig"})
    if (::access(candidate, X_OK) == 0) return candidate;
  return {};
}

// Runs sysdig over `scap` with `filter`, returning the %evt.num of every matching event.
std::set<uint64_t> sysdig_matches(const std::string& sysdig, const std::string& scap,
                                  const std::string& filter, std::string& error) {
  int out[2];
  if (::pipe(out) != 0) throw_errno("pipe");
  pid_t child = ::fork();
  if (child < 0) throw_errno("fork");
  if (child == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::close(out[0]);
    ::close(out[1]);
    // "*" prints events even when a field of the format has no value.
    ::execl(sysdig.c_str(), "sysdig", "-r", scap.c_str(), "-p", "*%evt.num", filter.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buffer[65536];
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) > 0;)
    text.append(buffer, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::set<uint64_t> numbers;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    char* end = nullptr;
    unsigned long long value = std::strtoull(line.c_str(), &end, 10);
    if (end == line.c_str() || *end != '\0') {
      error += line + "\n";
      continue;
    }
    numbers.insert(value);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    error += "sysdig exited with status " + std::to_string(status) + "\n";
  return numbers;
}

// A condition, and for the ones where libs 0.1.1 behaves differently by design, which events to
// leave out of the comparison and why.
struct Case {
  std::string condition;
  std::function<bool(const Event&)> excluded = nullptr;
  std::string why = {};
};

bool is_type(const Event& e, std::initializer_list<EventType> types) {
  for (EventType t : types)
    if (e.type == t) return true;
  return false;
}

// Syscalls that libs version reports under another evt.type (accept4 -> accept, dup2/dup3 ->
// dup, pipe2 -> pipe, umount2 -> umount), or not at all (memfd_create), or only as a generic
// event without arguments.
bool renamed_or_missing(const Event& e) {
  return is_type(e, {EventType::accept4, EventType::dup2, EventType::dup3, EventType::pipe2,
                     EventType::umount2, EventType::memfd_create});
}

std::vector<Case> cases() {
  return {
      {"evt.type = openat"},
      {"evt.type in (open, openat, openat2, creat)"},
      {"evt.type != close", renamed_or_missing,
       "libs 0.1.1 names accept4/dup2/dup3/pipe2/umount2 after accept/dup/pipe/umount and has no "
       "memfd_create event"},
      {"evt.type in (accept, accept4)", renamed_or_missing, "accept4 is 'accept' in libs 0.1.1"},
      {"evt.type = execve and proc.name = sh"},
      {"evt.type = procexit"},
      {"evt.type = clone and evt.rawres = 0"},
      {"evt.type in (mount, unshare, setns)"},
      {"evt.type in (unlinkat, renameat2, rename, unlink)"},
      {"evt.type in (init_module, finit_module)"},
      {"evt.res = SUCCESS and evt.type = connect"},
      {"evt.res != SUCCESS"},
      {"evt.rawres < 0"},
      {"evt.rawres >= 3 and evt.type = openat"},
      {"evt.rawres <= 2 and evt.type in (openat, socket)"},
      {"evt.rawres > 0 and evt.type = read"},
      {"proc.name = nginx"},
      {"proc.name != nginx and evt.type = read"},
      {"proc.name in (sh, bash, dash)"},
      {"proc.name startswith gc"},
      {"proc.name endswith sh"},
      {"proc.pname = bash"},
      {"proc.aname[2] = sh"},
      {"proc.aname = systemd"},
      {"proc.cmdline contains apt"},
      {"proc.cmdline startswith \"gcc \""},
      {"proc.exepath endswith /gcc"},
      {"proc.exe startswith /usr/bin"},
      {"proc.args contains \"-c\""},
      {"proc.pcmdline contains nginx",
       [](const Event& e) { return e.type == EventType::clone && e.result == 0; },
       "on the new thread's side of clone(CLONE_THREAD) libs 0.1.1 names the creating process as "
       "parent; ours the process's parent"},
      {"user.uid = 1000"},
      {"user.uid != 0",
       [](const Event& e) {
         return is_type(e, {EventType::setreuid, EventType::setregid, EventType::setgid});
       },
       "setreuid/setregid/capset are generic events without arguments in libs 0.1.1, so they "
       "change no credentials there"},
      {"user.loginuid = 1000"},
      {"fd.name = /etc/shadow"},
      {"fd.name startswith /usr/bin/"},
      {"fd.name pmatch (/etc, /root/.ssh)"},
      {"fd.name glob \"/usr/include/*.h\""},
      {"fd.name icontains SHADOW"},
      {"fd.name contains \".so\""},
      {"fd.name exists and evt.type = close",
       [](const Event& e) { return e.type == EventType::close; },
       "an fd without a name (an unnamed pipe) has fd.name \"\" in libs 0.1.1 and no value in "
       "ours"},
      {"fd.name endswith docker.sock"},
      {"fd.directory = /etc"},
      {"fd.filename in (passwd, shadow, hosts)"},
      {"fd.filename endswith \".o\""},
      {"fd.typechar = 4",
       [](const Event& e) {
         return is_type(e, {EventType::bind, EventType::listen});
       },
       "libs 0.1.1 turns an IPv6 socket bound to :: into an IPv4 one; ours keeps it '6'"},
      {"fd.typechar = f and evt.type = read"},
      {"fd.typechar = u",
       [](const Event& e) {
         return is_type(e, {EventType::userfaultfd, EventType::close});
       },
       "libs 0.1.1 has no userfaultfd fd type"},
      {"fd.type = ipv4",
       [](const Event& e) {
         return is_type(e, {EventType::bind, EventType::listen});
       },
       "libs 0.1.1 turns an IPv6 socket bound to :: into an IPv4 one; ours keeps it ipv6"},
      {"fd.num = 0"},
      {"fd.num >= 10"},
      {"fd.sip = 10.0.0.1"},
      {"fd.sport = 80"},
      {"fd.sport in (443, 5432)"},
      {"fd.sport > 1024 and evt.type = connect"},
      {"fd.l4proto = tcp", [](const Event& e) { return e.type == EventType::socket; },
       "libs 0.1.1 does not mask SOCK_NONBLOCK/SOCK_CLOEXEC off socket()'s type, so a "
       "SOCK_STREAM|SOCK_CLOEXEC socket has no l4proto until it is bound or connected"},
      {"fd.snet = \"10.0.0.0/8\""},
      {"fd.connected = true"},
      {"evt.arg.flags contains O_WRONLY"},
      {"evt.arg.flags contains O_CREAT and evt.type in (open, openat)"},
      {"evt.is_open_read = true"},
      {"evt.is_open_write = true", [](const Event& e) { return e.type == EventType::creat; },
       "creat has no flags param in libs 0.1.1, so it is never an open for writing there"},
      {"evt.type = chmod and evt.arg.mode contains S_ISUID"},
      {"evt.type = ptrace and evt.arg.request = PTRACE_ATTACH",
       [](const Event& e) { return e.type == EventType::ptrace; },
       "ptrace's request is a parameter of the enter event only in libs 0.1.1"},
      {"container.id != host"},
      {"proc.name exists and not proc.pname exists"},
      {"evt.type = execve and proc.tty != 0", [](const Event& e) { return e.result < 0; },
       "that .scap version has no tty in its process list: a failed execve by a process of the "
       "snapshot keeps tty 0 in libs"},
  };
}

TEST(DetectSysdigDifferential, ConditionsMatchTheSameEventsAsLibsinsp) {
  std::string sysdig = find_sysdig();
  if (sysdig.empty()) {
    if (std::getenv("CI")) FAIL() << "sysdig is not installed (Debian package sysdig)";
    GTEST_SKIP() << "sysdig is not installed (Debian package sysdig)";
  }
  testing::TempDir dir("bulkhead-sysdig");

  capture::GeneratorOptions options;
  options.seed = 20240611;
  options.events = 6000;
  options.mix.attack = 80;  // every attack scenario, several times, in a few thousand events
  std::vector<OwnedEvent> events;
  capture::ThreadTable initial;
  capture::generate_events(options, initial, [&](const Event& e) {
    OwnedEvent copy(e.type, e.tid, e.pid, e.result, e.timestamp_ns);
    const capture::EventSpec& spec = capture::event_spec(e.type);
    for (std::size_t i = 1; i < e.param_count; ++i) {
      if (!e.params[i].present) continue;
      switch (spec.params[i].type) {
        case capture::ParamType::Path:
        case capture::ParamType::String:
        case capture::ParamType::Bytes:
        case capture::ParamType::StringList:
        case capture::ParamType::SockAddr:
        case capture::ParamType::SockTuple:
          copy.set_bytes(spec.params[i].name, e.params[i].bytes);
          break;
        default:
          copy.set(spec.params[i].name, static_cast<int64_t>(e.params[i].number));
      }
    }
    copy.set_cpu(e.cpu);
    events.push_back(std::move(copy));
  });
  std::string scap = dir.sub("events.scap");
  std::vector<uint64_t> numbers = capture::write_scap(scap, initial, events);
  std::unordered_map<uint64_t, std::size_t> index_of_number;
  for (std::size_t i = 0; i < numbers.size(); ++i)
    if (numbers[i] != 0) index_of_number[numbers[i]] = i;

  // One rule per condition; every rule is evaluated for every event (rule_matching: all).
  std::vector<Case> all = cases();
  std::string rules_path = dir.sub("rules.yaml");
  {
    std::ofstream rules(rules_path);
    for (std::size_t i = 0; i < all.size(); ++i) {
      std::string quoted;
      for (char c : all[i].condition) {
        if (c == '\'') quoted += '\'';
        quoted += c;
      }
      rules << "- rule: c" << i << "\n  desc: c\n  condition: '" << quoted
            << "'\n  output: '%evt.num'\n  priority: WARNING\n";
    }
  }
  detect::EngineOptions engine_options;
  engine_options.matching = detect::RuleMatching::All;
  auto engine = detect::Engine::from_files({rules_path}, engine_options);
  capture::ThreadTable& table = engine->threads();
  {
    // The same deterministic snapshot, into the engine's table.
    capture::GeneratorOptions snapshot_only = options;
    snapshot_only.events = 0;
    capture::generate_events(snapshot_only, table, [](const Event&) {});
  }
  // Events the .scap cannot hold (memfd_create: no event in libs 0.1.1) are evaluated by our
  // engine, for its state, but left out of the comparison.
  std::vector<std::set<std::size_t>> ours(all.size());
  std::size_t current = 0;
  std::size_t not_in_scap = 0;
  for (; current < events.size(); ++current) {
    bool comparable = numbers[current] != 0;
    if (!comparable) ++not_in_scap;
    engine->process(events[current].event(), [&](const detect::Alert& alert) {
      if (comparable) ours[std::stoul(alert.rule->name.substr(1))].insert(current);
    });
  }

  std::size_t agreed = 0;
  for (std::size_t c = 0; c < all.size(); ++c) {
    const Case& test = all[c];
    std::string error;
    std::set<std::size_t> theirs;
    for (uint64_t number : sysdig_matches(sysdig, scap, test.condition, error)) {
      auto it = index_of_number.find(number);
      if (it != index_of_number.end()) theirs.insert(it->second);  // else: an enter event
    }
    ASSERT_TRUE(error.empty()) << test.condition << ": " << error;
    std::set<std::size_t> mine = ours[c];
    std::size_t excluded = 0;
    if (test.excluded) {
      auto drop = [&](std::set<std::size_t>& set) {
        for (auto it = set.begin(); it != set.end();)
          if (test.excluded(events[*it].event())) {
            it = set.erase(it);
            ++excluded;
          } else {
            ++it;
          }
      };
      drop(mine);
      drop(theirs);
      EXPECT_GT(excluded, 0u) << test.condition << ": the known difference (" << test.why
                              << ") no longer occurs; drop the exclusion";
    }
    std::vector<std::size_t> only_ours, only_theirs;
    for (std::size_t i : mine)
      if (!theirs.contains(i)) only_ours.push_back(i);
    for (std::size_t i : theirs)
      if (!mine.contains(i)) only_theirs.push_back(i);
    auto describe = [&](const std::vector<std::size_t>& list) {
      std::string out;
      for (std::size_t k = 0; k < list.size() && k < 5; ++k) {
        const Event& e = events[list[k]].event();
        out += "\n    #" + std::to_string(list[k]) + " (scap evt.num " +
               std::to_string(numbers[list[k]]) + ") " +
               std::string(capture::event_type_name(e.type)) + " tid " + std::to_string(e.tid) +
               " res " + std::to_string(e.result);
      }
      return out;
    };
    EXPECT_TRUE(only_ours.empty() && only_theirs.empty())
        << test.condition << ": ours " << mine.size() << ", sysdig " << theirs.size()
        << "; only ours " << only_ours.size() << describe(only_ours) << "\n  only sysdig "
        << only_theirs.size() << describe(only_theirs);
    if (only_ours.empty() && only_theirs.empty()) ++agreed;
    std::printf("[differential] %-60s ours %5zu sysdig %5zu %s\n", test.condition.c_str(),
                mine.size(), theirs.size(),
                only_ours.empty() && only_theirs.empty() ? "agree" : "DIFFER");
  }
  std::printf("[differential] %zu of %zu conditions agree over %zu events (%zu not in the .scap)\n",
              agreed, all.size(), events.size(), not_in_scap);
}

}  // namespace
}  // namespace bulkhead
