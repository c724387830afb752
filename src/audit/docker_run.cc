// `docker run` / `podman run` command lines, given as arguments or found in shell scripts.
//
// Locations: in a script every setting points to the line and column (1-based, in bytes) of
// the flag word that made it ("-v", "--volume=/x:/y", the "-itv" cluster), and the workload to
// the docker/podman word. For arguments (read_docker_run_args) there is no text to point into:
// argument i (0-based, argv[0] being the program) is located at `where.file`, `where.line` and
// column where.column + i, or i + 1 when where.column is 0, so the column is the argument's
// position on the command line.
//
// What cannot be decided is kept as written: variables ($IMAGE, ${VOL:-/srv}) stay literal, so
// `-v $X:/y` is a host mount whose source is "$X" (not a sensitive path, since its value is
// unknown), and `--privileged=$P` sets nothing. A program given through a variable is taken for
// docker/podman when its name says so ($DOCKER, ${PODMAN_BIN}, ${ENGINE:-podman}).
//
// Script scanning: backslash-newline continuations are joined, comments (# at the start of a
// word) skipped, '…', "…" and $'…' quotes honoured, commands separated by newlines, ;, &, &&,
// ||, |, |&, ( and ) found, and commands inside $(…), `…` and <(…) / >(…) found too (also
// inside double quotes). Redirections and their targets are dropped. Here-document bodies are
// skipped, not scanned: a `docker run` inside a here-document is not found. A `)` ends a $(…)
// even inside a `case` pattern there (bash's grammar is not followed that far).
#include <algorithm>
#include <array>
#include <optional>

#include "audit/docker_settings.h"
#include "audit/inputs.h"
#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::audit {

namespace {

namespace ds = docker_settings;

struct Arg {
  std::string text;  // quotes removed, variables kept literally
  SourceLocation where;
};

enum class Engine { Docker, Podman };

// ---- Flags -------------------------------------------------------------------------------

// Every value-taking long flag of `docker run` / `docker create` (docker 28, hidden and
// deprecated aliases included) and `podman run` / `podman create`, so that the first positional
// argument, the image, is found where the engine finds it.
constexpr std::string_view kValueFlags[] = {
    // docker
    "add-host", "annotation", "attach", "blkio-weight", "blkio-weight-device", "cap-add",
    "cap-drop", "cgroup-parent", "cgroupns", "cidfile", "cpu-count", "cpu-percent", "cpu-period",
    "cpu-quota", "cpu-rt-period", "cpu-rt-runtime", "cpu-shares", "cpus", "cpuset-cpus",
    "cpuset-mems", "detach-keys", "device", "device-cgroup-rule", "device-read-bps",
    "device-read-iops", "device-write-bps", "device-write-iops", "dns", "dns-opt", "dns-option",
    "dns-search", "domainname", "entrypoint", "env", "env-file", "expose", "gpus", "group-add",
    "health-cmd", "health-interval", "health-retries", "health-start-interval",
    "health-start-period", "health-timeout", "hostname", "io-maxbandwidth", "io-maxiops", "ip",
    "ip6", "ipc", "isolation", "kernel-memory", "label", "label-file", "link", "link-local-ip",
    "log-driver", "log-opt", "mac-address", "memory", "memory-reservation", "memory-swap",
    "memory-swappiness", "mount", "name", "net", "net-alias", "network", "network-alias",
    "oom-score-adj", "pid", "pids-limit", "platform", "publish", "pull", "restart", "runtime",
    "security-opt", "shm-size", "stop-signal", "stop-timeout", "storage-opt", "sysctl", "tmpfs",
    "ulimit", "user", "userns", "uts", "volume", "volume-driver", "volumes-from", "workdir",
    // podman's own
    "arch", "authfile", "cert-dir", "cgroup-conf", "cgroups", "chrootdirs", "conmon-pidfile",
    "creds", "decryption-key", "env-merge", "gidmap", "group-entry", "health-log-destination",
    "health-max-log-count", "health-max-log-size", "health-on-failure", "health-startup-cmd",
    "health-startup-interval", "health-startup-retries", "health-startup-success",
    "health-startup-timeout", "hostuser", "image-volume", "init-path", "log-level", "os",
    "passwd-entry", "personality", "pidfile", "pod", "pod-id-file", "preserve-fd", "preserve-fds",
    "rdt-class", "requires", "retry", "retry-delay", "sdnotify", "seccomp-policy", "secret",
    "shm-size-systemd", "signature-policy", "subgidname", "subuidname", "systemd", "timeout", "tz",
    "uidmap", "umask", "unsetenv", "variant"};

// Short flags of `run` that take a value; the others (-d -i -t -P -q) are booleans, which may
// be combined with each other and with one value flag at the end ("-itd", "-dp 80:80").
constexpr std::string_view kShortValueFlags = "acehlmpuvw";

// Options of the `docker` / `podman` command itself that take a value (before the subcommand).
constexpr std::string_view kGlobalValueFlags[] = {
    // docker
    "host", "config", "context", "log-level", "tlscacert", "tlscert", "tlskey",
    // podman
    "cdi-spec-dir", "cgroup-manager", "conmon", "connection", "db-backend", "events-backend",
    "hooks-dir", "identity", "imagestore", "module", "network-cmd-path", "network-config-dir",
    "out", "root", "runroot", "runtime", "runtime-flag", "ssh", "storage-driver", "storage-opt",
    "tmpdir", "url", "volumepath"};
constexpr std::string_view kGlobalShortValueFlags = "Hcl";

bool is_value_flag(std::string_view name) {
  return std::find(std::begin(kValueFlags), std::end(kValueFlags), name) != std::end(kValueFlags);
}

bool is_global_value_flag(std::string_view name) {
  return std::find(std::begin(kGlobalValueFlags), std::end(kGlobalValueFlags), name) !=
         std::end(kGlobalValueFlags);
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string_view basename_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool is_assignment(std::string_view word) {
  size_t equals = word.find('=');
  if (equals == 0 || equals == std::string_view::npos) return false;
  for (size_t i = 0; i < equals; ++i) {
    char c = word[i];
    bool ok = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// The engine a program word names: "docker", "/usr/bin/podman", or a variable whose name or
// default says so ("$DOCKER", "${PODMAN_CMD}", "${ENGINE:-docker}").
std::optional<Engine> engine_of(std::string_view word) {
  std::string_view name = basename_of(word);
  if (name == "docker") return Engine::Docker;
  if (name == "podman") return Engine::Podman;
  if (!starts_with(word, "$")) return std::nullopt;
  std::string_view variable = word.substr(1);
  if (starts_with(variable, "{")) {
    if (variable.back() != '}') return std::nullopt;
    variable = variable.substr(1, variable.size() - 2);
    size_t op = variable.find_first_of(":-=");
    if (op != std::string_view::npos) {
      std::string_view fallback = variable.substr(op);
      while (!fallback.empty() &&
             (fallback.front() == ':' || fallback.front() == '-' || fallback.front() == '='))
        fallback.remove_prefix(1);
      // Not recursive: a default that is itself a variable says nothing.
      if (!starts_with(fallback, "$"))
        if (auto engine = engine_of(fallback)) return engine;
      variable = variable.substr(0, op);
    }
  }
  std::string upper = to_upper(variable);
  if (upper.find("PODMAN") != std::string::npos) return Engine::Podman;
  if (upper.find("DOCKER") != std::string::npos) return Engine::Docker;
  return std::nullopt;
}

// Index of the program word after what may precede it: variable assignments, `sudo`/`doas`
// and their options, `env`, `exec`, `nohup`, `time`, `nice`, `timeout`, shell reserved words.
size_t skip_command_prefix(const std::vector<Arg>& args) {
  size_t i = 0;
  while (i < args.size()) {
    const std::string& word = args[i].text;
    if (is_assignment(word)) {
      ++i;
    } else if (word == "if" || word == "then" || word == "else" || word == "elif" || word == "do" ||
               word == "while" || word == "until" || word == "!" || word == "{" || word == "exec" ||
               word == "nohup" || word == "setsid" || word == "builtin" || word == "command" ||
               word == "eval") {
      ++i;
      if (word == "command" && i < args.size() && args[i].text == "-p") ++i;
    } else if (word == "time") {
      ++i;
      if (i < args.size() && args[i].text == "-p") ++i;
    } else if (word == "sudo" || word == "doas") {
      ++i;
      while (i < args.size() && starts_with(args[i].text, "-")) {
        const std::string& option = args[i].text;
        ++i;
        if (option == "--") break;
        // sudo -u USER / -g GROUP / -C N / -D DIR / -h HOST / -p PROMPT / -r ROLE / -t TYPE /
        // -U USER / -R DIR, doas -u USER / -C FILE: the next word is the value.
        if (option.size() == 2 &&
            std::string_view("ugCDhprtUR").find(option[1]) != std::string_view::npos)
          ++i;
      }
    } else if (word == "env") {
      ++i;
      while (i < args.size() && (starts_with(args[i].text, "-") || is_assignment(args[i].text))) {
        const std::string& option = args[i].text;
        ++i;
        if (option == "-u" || option == "--unset" || option == "-C" || option == "--chdir") ++i;
      }
    } else if (word == "nice") {
      ++i;
      if (i < args.size() && args[i].text == "-n")
        i += 2;
      else if (i < args.size() && starts_with(args[i].text, "-"))
        ++i;
    } else if (word == "timeout") {
      ++i;
      while (i < args.size() && starts_with(args[i].text, "-")) {
        const std::string& option = args[i].text;
        ++i;
        if (option == "-s" || option == "-k" || option == "--signal" || option == "--kill-after")
          ++i;
      }
      ++i;  // the duration
    } else {
      break;
    }
  }
  return i;
}

// ---- --mount ------------------------------------------------------------------------------

// "type=bind,source=/x,target=/y,readonly" (docker reads it as one CSV record: a field may be
// double-quoted to hold a comma).
std::vector<std::string> split_csv_fields(std::string_view text) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (char c : text) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

void apply_mount(Workload& workload, std::string_view spec, const SourceLocation& where) {
  std::string type = "volume", source, target, propagation;
  bool read_only = false;
  for (const std::string& field : split_csv_fields(spec)) {
    size_t equals = field.find('=');
    std::string key = to_lower(trim(std::string_view(field).substr(0, equals)));
    std::string value = equals == std::string::npos
                            ? ""
                            : std::string(trim(std::string_view(field).substr(equals + 1)));
    if (key == "type") {
      type = to_lower(value);
    } else if (key == "source" || key == "src") {
      source = value;
    } else if (key == "target" || key == "dst" || key == "destination") {
      target = value;
    } else if (key == "readonly" || key == "ro") {
      // A bare "readonly" is true; "readonly=false" is not (docker: strconv.ParseBool).
      read_only = equals == std::string::npos || ds::parse_go_bool(value).value_or(false);
    } else if (key == "rw") {
      read_only = !(equals == std::string::npos || ds::parse_go_bool(value).value_or(false));
    } else if (key == "bind-propagation") {
      propagation = to_lower(value);
    } else if (equals == std::string::npos && ds::is_propagation(key)) {
      propagation = key;  // podman accepts the propagation as a bare option
    }
  }
  if (type == "bind" || type == "glob") {
    if (!source.empty())
      ds::add_bind_mount(workload, source, target, read_only, propagation, where);
  } else if (type == "volume") {
    workload.volumes.push_back(VolumeMount{source, target, propagation, where});
  }
  // tmpfs, image, devpts, ramfs, npipe, cluster: nothing from the host.
}

// ---- One command line ---------------------------------------------------------------------

class RunLineReader {
 public:
  RunLineReader(Engine engine, const Arg& program) {
    workload_.format = InputFormat::DockerRun;
    workload_.where = program.where;
    engine_name_ = engine == Engine::Docker ? "docker" : "podman";
  }

  Workload finish(std::string_view verb, const std::optional<Arg>& image) {
    workload_.object = engine_name_ + " " + std::string(verb);
    if (image && !image->text.empty()) workload_.object += " " + image->text;
    return std::move(workload_);
  }

  // A long flag ("privileged", "cap-add"); `value` is nullopt for a boolean flag written
  // without "=".
  void apply_long(std::string_view name, const std::optional<std::string>& value,
                  const SourceLocation& where) {
    Workload& w = workload_;
    std::string text = value.value_or("");
    if (name == "privileged") {
      if (auto on = flag_bool(value)) w.privileged = Located<bool>{*on, where};
    } else if (name == "read-only") {
      if (auto on = flag_bool(value)) w.read_only_rootfs = Located<bool>{*on, where};
    } else if (name == "use-api-socket") {
      // docker 28+: bind-mounts the engine's API socket into the container.
      if (flag_bool(value).value_or(false))
        ds::add_bind_mount(w, "/var/run/docker.sock", "/var/run/docker.sock", false, "", where);
    } else if (name == "cap-add") {
      ds::add_capabilities(w.capabilities.added, text, where);
    } else if (name == "cap-drop") {
      ds::add_capabilities(w.capabilities.dropped, text, where);
    } else if (name == "security-opt") {
      ds::apply_security_opt(w, text, where);
    } else if (name == "volume") {
      ds::add_short_volume(w, text, where);
    } else if (name == "mount") {
      apply_mount(w, text, where);
    } else if (name == "pid") {
      set_namespace(w.host_namespaces.pid, text, "pid", where);
    } else if (name == "ipc") {
      set_namespace(w.host_namespaces.ipc, text, "ipc", where);
    } else if (name == "uts") {
      set_namespace(w.host_namespaces.uts, text, "uts", where);
    } else if (name == "network" || name == "net") {
      set_namespace(w.host_namespaces.network, text, "net", where);
    } else if (name == "userns") {
      set_namespace(w.host_namespaces.user, text, "user", where);
    } else if (name == "user") {
      w.user = Located<std::string>{text, where};
    } else if (name == "memory") {
      ds::set_memory_limit(w, text, where);
    } else if (name == "pids-limit") {
      ds::set_pids_limit(w, text, where);
    } else if (name == "device") {
      ds::add_device(w, text, where);
    } else if (name == "device-cgroup-rule") {
      ds::add_device_cgroup_rule(w, text, where);
    } else if (name == "gpus") {
      // GPUs are host devices too ("all", "device=0,1", "count=2").
      w.devices.push_back(Device{"gpu:" + text, "", where});
    } else if (name == "sysctl") {
      ds::add_sysctl_assignment(w, text, where);
    }
  }

  void apply_short(char flag, const std::string& value, const SourceLocation& where) {
    static constexpr std::array<std::pair<char, std::string_view>, 4> kLongNames{
        {{'u', "user"}, {'v', "volume"}, {'m', "memory"}, {'e', "env"}}};
    for (const auto& [letter, name] : kLongNames)
      if (letter == flag) apply_long(name, value, where);
  }

 private:
  // A boolean flag's value: bare means true; "=false" false; anything else (a variable) is
  // undecidable and sets nothing.
  static std::optional<bool> flag_bool(const std::optional<std::string>& value) {
    if (!value) return true;
    return ds::parse_go_bool(*value);
  }

  // --pid=host, and podman's --pid=ns:/proc/1/ns/pid (PID 1's namespace is the host's).
  static void set_namespace(std::optional<Located<bool>>& into, std::string_view value,
                            std::string_view ns_name, const SourceLocation& where) {
    std::string lower = to_lower(trim(value));
    bool host = lower == "host" || lower == "ns:/proc/1/ns/" + std::string(ns_name);
    into = Located<bool>{host, where};
    if (!host) into.reset();
  }

  Workload workload_;
  std::string engine_name_;
};

// The workload of one command (words with their locations), or nullopt when it is not a
// docker/podman run or create.
std::optional<Workload> read_run_line(const std::vector<Arg>& args) {
  size_t i = skip_command_prefix(args);
  if (i >= args.size()) return std::nullopt;
  std::optional<Engine> engine = engine_of(args[i].text);
  if (!engine) return std::nullopt;
  const Arg& program = args[i++];

  // Global options: `docker -H tcp://x --tls run`, `podman --remote --url … run`.
  while (i < args.size() && starts_with(args[i].text, "-") && args[i].text != "-") {
    std::string_view option = args[i].text;
    ++i;
    if (option == "--") break;
    if (starts_with(option, "--")) {
      std::string_view name = option.substr(2);
      if (name.find('=') == std::string_view::npos && is_global_value_flag(name)) ++i;
    } else if (option.size() == 2 &&
               kGlobalShortValueFlags.find(option[1]) != std::string_view::npos) {
      ++i;  // "-H tcp://x"; "-Htcp://x" carries its value
    }
  }
  if (i < args.size() && args[i].text == "container") ++i;
  if (i >= args.size() || (args[i].text != "run" && args[i].text != "create")) return std::nullopt;
  std::string verb = args[i++].text;

  RunLineReader reader(*engine, program);
  std::optional<Arg> image;
  while (i < args.size()) {
    const Arg& arg = args[i++];
    std::string_view text = arg.text;
    if (text == "--") {
      if (i < args.size()) image = args[i];
      break;
    }
    if (text.size() < 2 || text[0] != '-') {
      image = arg;
      break;
    }
    if (text[1] == '-') {
      std::string_view name = text.substr(2);
      std::optional<std::string> value;
      if (size_t equals = name.find('='); equals != std::string_view::npos) {
        value = std::string(name.substr(equals + 1));
        name = name.substr(0, equals);
      }
      if (is_value_flag(name) && !value) {
        if (i >= args.size()) break;  // the value is missing: the engine would refuse the line
        value = args[i++].text;
      }
      // An unknown flag is taken for a boolean one: it does not take the next word.
      reader.apply_long(name, value, arg.where);
      continue;
    }
    // A cluster of short flags: booleans, then at most one value flag that takes the rest of
    // the word ("-v/x:/y", "-e=A") or else the next word.
    for (size_t j = 1; j < text.size(); ++j) {
      char flag = text[j];
      if (kShortValueFlags.find(flag) == std::string_view::npos) continue;  // boolean/unknown
      std::string value(text.substr(j + 1));
      if (starts_with(value, "=")) value.erase(0, 1);
      if (j + 1 == text.size()) {
        if (i >= args.size()) break;
        value = args[i++].text;
      }
      reader.apply_short(flag, value, arg.where);
      break;
    }
  }
  return reader.finish(verb, image);
}

// ---- Shell scanning ------------------------------------------------------------------------

// Splits a shell script into simple commands (words with their positions), following the parts
// of the shell grammar that decide where a word or a command begins and ends.
class ShellScanner {
 public:
  ShellScanner(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  // The commands in the order they start in the text (a command substitution's commands
  // come after the command that contains them starts, though they are complete first).
  std::vector<std::vector<Arg>> scan() {
    scan_list(End::Input, 0);
    std::stable_sort(commands_.begin(), commands_.end(), [](const auto& a, const auto& b) {
      return std::pair(a.front().where.line, a.front().where.column) <
             std::pair(b.front().where.line, b.front().where.column);
    });
    return std::move(commands_);
  }

 private:
  enum class End { Input, Paren, Backtick };
  static constexpr int kMaxNesting = 64;

  struct PendingHeredoc {
    std::string delimiter;
    bool strip_tabs;
  };

  bool at_end() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++pos_;
  }
  SourceLocation here() const { return SourceLocation{file_, line_, column_}; }

  [[noreturn]] void fail(const SourceLocation& where, const std::string& message) const {
    throw Error(where, "", message);
  }

  // A backslash-newline (also before CR LF, so that scripts saved with Windows line endings
  // are audited as meant): its length, or 0.
  size_t continuation_length() const {
    if (peek() != '\\') return 0;
    if (peek(1) == '\n') return 2;
    if (peek(1) == '\r' && peek(2) == '\n') return 3;
    return 0;
  }
  bool at_continuation() const { return continuation_length() > 0; }
  void skip_continuation() {
    for (size_t n = continuation_length(); n > 0; --n) advance();
  }

  static bool is_operator_char(char c) {
    return c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' || c == ')';
  }

  void finish_command(std::vector<Arg>& command) {
    if (!command.empty()) commands_.push_back(std::move(command));
    command.clear();
  }

  // Scans commands up to `end` (consumed); false when the input ended first.
  bool scan_list(End end, int depth) {
    if (depth > kMaxNesting) fail(here(), "command substitutions nested too deeply");
    std::vector<Arg> command;
    while (true) {
      while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\r' || at_continuation()))
        at_continuation() ? skip_continuation() : advance();
      if (at_end()) {
        finish_command(command);
        return end == End::Input;  // the caller reports an unterminated $( or `
      }
      char c = peek();
      if ((end == End::Paren && c == ')') || (end == End::Backtick && c == '`')) {
        advance();
        finish_command(command);
        return true;
      }
      if (c == '#') {
        while (!at_end() && peek() != '\n') advance();
        continue;
      }
      if (c == '\n') {
        advance();
        finish_command(command);
        read_heredoc_bodies();
        continue;
      }
      if (c == '<' || c == '>' || (c == '&' && peek(1) == '>')) {
        read_redirection(command, depth);
        continue;
      }
      if (is_operator_char(c)) {
        advance();  // ; & | ( ) and the doubled forms: each ends the command
        if ((c == '&' || c == '|' || c == ';') && (peek() == c || (c == '|' && peek() == '&')))
          advance();
        finish_command(command);
        continue;
      }
      Arg word = read_word(end, depth);
      // "2>file": digits right before a redirection are its file descriptor, not a word.
      if ((peek() == '<' || peek() == '>') && !word.text.empty() &&
          std::all_of(word.text.begin(), word.text.end(),
                      [](char d) { return d >= '0' && d <= '9'; }))
        continue;
      command.push_back(std::move(word));
    }
  }

  // < > >> >| <> >& <& &> &>> and here-documents (<<, <<-, <<<); the target word is dropped.
  // <(…) and >(…) are process substitutions: their commands are scanned.
  void read_redirection(std::vector<Arg>& command, int depth) {
    SourceLocation start = here();
    size_t start_pos = pos_;
    if (peek() == '&') advance();
    char direction = peek();
    advance();
    if (peek() == '(' && pos_ == start_pos + 1) {
      advance();
      if (!scan_list(End::Paren, depth + 1)) fail(start, "unterminated process substitution");
      command.push_back(Arg{std::string(text_.substr(start_pos, pos_ - start_pos)), start});
      return;
    }
    bool heredoc = false, strip_tabs = false;
    if (direction == '<' && peek() == '<') {
      advance();
      if (peek() == '<') {
        advance();  // <<< here-string: the next word is its text
      } else {
        heredoc = true;
        if (peek() == '-') {
          advance();
          strip_tabs = true;
        }
      }
    } else if (peek() == '>' || peek() == '&' || peek() == '|' || peek() == '<') {
      advance();
    }
    while (!at_end() && (peek() == ' ' || peek() == '\t' || at_continuation()))
      at_continuation() ? skip_continuation() : advance();
    if (at_end() || peek() == '\n' || is_operator_char(peek())) return;
    Arg target = read_word(End::Input, depth);
    if (heredoc) heredocs_.push_back(PendingHeredoc{target.text, strip_tabs});
  }

  void read_heredoc_bodies() {
    for (const PendingHeredoc& heredoc : heredocs_) {
      while (!at_end()) {
        size_t line_start = pos_;
        while (!at_end() && peek() != '\n') advance();
        std::string_view line = text_.substr(line_start, pos_ - line_start);
        if (!at_end()) advance();
        if (heredoc.strip_tabs)
          while (!line.empty() && line.front() == '\t') line.remove_prefix(1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line == heredoc.delimiter) break;
      }
    }
    heredocs_.clear();
  }

  // One word, quotes removed; the text of $(…), `…`, ${…} and $((…)) is kept as written.
  Arg read_word(End end, int depth) {
    Arg word{"", here()};
    while (!at_end()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || is_operator_char(c)) break;
      if (c == '`' && end == End::Backtick) break;
      if (at_continuation()) {
        skip_continuation();  // joins the lines: the word goes on
      } else if (c == '\\') {
        advance();
        if (at_end()) break;
        word.text += peek();
        advance();
      } else if (c == '\'') {
        SourceLocation quote = here();
        advance();
        while (!at_end() && peek() != '\'') {
          word.text += peek();
          advance();
        }
        if (at_end()) fail(quote, "unterminated single quote");
        advance();
      } else if (c == '"') {
        read_double_quoted(word.text, depth);
      } else if (c == '$') {
        read_dollar(word.text, depth);
      } else if (c == '`') {
        read_backticks(word.text, depth);
      } else {
        word.text += c;
        advance();
      }
    }
    return word;
  }

  void read_double_quoted(std::string& out, int depth) {
    SourceLocation quote = here();
    advance();
    while (!at_end() && peek() != '"') {
      char c = peek();
      if (at_continuation()) {
        skip_continuation();
      } else if (c == '\\') {
        advance();
        if (at_end()) break;
        char next = peek();
        if (next != '$' && next != '`' && next != '"' && next != '\\') out += '\\';
        out += next;
        advance();
      } else if (c == '$') {
        read_dollar(out, depth);
      } else if (c == '`') {
        read_backticks(out, depth);
      } else {
        out += c;
        advance();
      }
    }
    if (at_end()) fail(quote, "unterminated double quote");
    advance();
  }

  // $NAME, ${…}, $(…), $((…)), $'…' — kept as written (commands inside $(…) are scanned).
  void read_dollar(std::string& out, int depth) {
    SourceLocation start = here();
    size_t start_pos = pos_;
    advance();
    char c = peek();
    if (c == '(' && peek(1) == '(') {
      advance();
      advance();
      int parens = 2;
      while (!at_end() && parens > 0) {
        if (peek() == '(') ++parens;
        if (peek() == ')') --parens;
        advance();
      }
      if (parens > 0) fail(start, "unterminated arithmetic expansion $((");
    } else if (c == '(') {
      advance();
      if (!scan_list(End::Paren, depth + 1)) fail(start, "unterminated command substitution $(");
    } else if (c == '{') {
      advance();
      int braces = 1;
      while (!at_end() && braces > 0) {
        char d = peek();
        if (d == '\\') {
          advance();
          if (!at_end()) advance();
          continue;
        }
        if (d == '\'' || d == '"') {
          SourceLocation quote = here();
          advance();
          while (!at_end() && peek() != d) advance();
          if (at_end())
            fail(quote, d == '"' ? "unterminated double quote" : "unterminated single quote");
        } else if (d == '{') {
          ++braces;
        } else if (d == '}') {
          --braces;
        }
        advance();
      }
      if (braces > 0) fail(start, "unterminated parameter expansion ${");
    } else if (c == '\'') {
      // $'…': ANSI-C quoting; a backslash escapes the next character (\' included).
      advance();
      std::string content;
      while (!at_end() && peek() != '\'') {
        if (peek() == '\\') {
          advance();
          if (at_end()) break;
        }
        content += peek();
        advance();
      }
      if (at_end()) fail(start, "unterminated $'…' quote");
      advance();
      out += content;
      return;
    } else {
      out += '$';
      return;  // $NAME, $1, $@: the name follows as ordinary word characters
    }
    out += text_.substr(start_pos, pos_ - start_pos);
  }

  void read_backticks(std::string& out, int depth) {
    SourceLocation start = here();
    size_t start_pos = pos_;
    advance();
    if (!scan_list(End::Backtick, depth + 1)) fail(start, "unterminated backquote `");
    out += text_.substr(start_pos, pos_ - start_pos);
  }

  std::string_view text_;
  const std::string& file_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  std::vector<PendingHeredoc> heredocs_;
  std::vector<std::vector<Arg>> commands_;
};

}  // namespace

std::vector<Workload> read_docker_run_args(const std::vector<std::string>& argv,
                                           const SourceLocation& where) {
  std::vector<Arg> args;
  args.reserve(argv.size());
  for (size_t i = 0; i < argv.size(); ++i) {
    SourceLocation at = where;
    at.column = (where.column > 0 ? where.column : 1) + static_cast<int>(i);
    args.push_back(Arg{argv[i], at});
  }
  std::vector<Workload> out;
  if (auto workload = read_run_line(args)) {
    workload->where = where;
    out.push_back(std::move(*workload));
  }
  return out;
}

std::vector<Workload> read_shell_script(std::string_view text, const std::string& file) {
  ShellScanner scanner(text, file);
  std::vector<Workload> out;
  for (const std::vector<Arg>& command : scanner.scan())
    if (auto workload = read_run_line(command)) out.push_back(std::move(*workload));
  return out;
}

}  // namespace bulkhead::audit
