#include "seccomp/profile.h"

#include <array>
#include <set>

#include "base/json_reader.h"
#include "base/strings.h"
#include "seccomp/arch.h"

namespace bulkhead::seccomp {

namespace {

struct OpInfo {
  CmpOp op;
  std::string_view name;
  std::string_view symbol;
};
constexpr std::array<OpInfo, 7> kOps = {{
    {CmpOp::NotEqual, "SCMP_CMP_NE", "!="},
    {CmpOp::Less, "SCMP_CMP_LT", "<"},
    {CmpOp::LessEqual, "SCMP_CMP_LE", "<="},
    {CmpOp::Equal, "SCMP_CMP_EQ", "=="},
    {CmpOp::GreaterEqual, "SCMP_CMP_GE", ">="},
    {CmpOp::Greater, "SCMP_CMP_GT", ">"},
    {CmpOp::MaskedEqual, "SCMP_CMP_MASKED_EQ", "&"},
}};

constexpr std::array<std::string_view, 4> kFilterFlags = {
    "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};

// Walks one JSON object, checking types and refusing keys it does not know: a misspelt key
// ("arg" for "args") must not silently widen the policy.
using ObjectReader = JsonObjectReader;

std::optional<uint16_t> read_errno(const ObjectReader& r, const JsonDocument& doc,
                                   const std::string& number_key, const std::string& name_key) {
  std::optional<uint16_t> err;
  if (r.has(number_key)) err = static_cast<uint16_t>(r.unsigned_integer(number_key, 4095));
  if (r.has(name_key)) {
    auto by_name = errno_from_name(r.string(name_key));
    if (!by_name)
      throw doc.error(r.at(name_key), "unknown errno name \"" + r.string(name_key) + "\"");
    if (err && *err != *by_name)
      throw doc.error(r.at(name_key), "\"" + r.string(name_key) + "\" contradicts " + number_key +
                                          " " + std::to_string(*err));
    err = by_name;
  }
  return err;
}

ActionKind read_action(const ObjectReader& r, const JsonDocument& doc, const std::string& key) {
  if (!r.has(key)) throw doc.error(r.at(key), "missing (an action such as SCMP_ACT_ERRNO)");
  std::string name = r.string(key);
  auto kind = parse_action_kind(name);
  if (!kind)
    throw doc.error(r.at(key), "unknown action \"" + name +
                                   "\" (expected SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, "
                                   "SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, "
                                   "SCMP_ACT_TRACE, SCMP_ACT_LOG or SCMP_ACT_NOTIFY)");
  return *kind;
}

void check_arch_name(const JsonDocument& doc, const std::string& pointer, const std::string& name) {
  if (!is_known_scmp_arch(name))
    throw doc.error(pointer,
                    "unknown architecture \"" + name + "\" (expected SCMP_ARCH_X86_64, …)");
}

Condition read_condition(const JsonDocument& doc, const std::string& pointer) {
  ObjectReader r(doc, pointer, {"caps", "arches", "minKernel"});
  Condition c;
  c.caps = r.strings("caps");
  c.arches = r.strings("arches");
  c.min_kernel = r.string("minKernel");
  return c;
}

SyscallRule read_rule(const JsonDocument& doc, const std::string& pointer) {
  ObjectReader r(
      doc, pointer,
      {"names", "name", "action", "errnoRet", "errno", "args", "comment", "includes", "excludes"});
  SyscallRule rule;
  rule.where = doc.where(pointer);
  if (r.has("names")) {
    rule.names = r.strings("names");
    for (size_t i = 0; i < rule.names.size(); ++i)
      rule.name_locations.push_back(doc.where(r.at("names") + "/" + std::to_string(i)));
  }
  if (r.has("name")) {
    rule.names.push_back(r.string("name"));
    rule.name_locations.push_back(doc.where(r.at("name")));
  }
  if (rule.names.empty())
    throw doc.error(r.at("names"), "a syscall rule needs \"names\" (or \"name\")");
  for (size_t i = 0; i < rule.names.size(); ++i)
    if (rule.names[i].empty())
      throw doc.error(r.at("names") + "/" + std::to_string(i), "empty syscall name");
  rule.action = read_action(r, doc, "action");
  rule.errno_ret = read_errno(r, doc, "errnoRet", "errno");
  if (rule.errno_ret && rule.action != ActionKind::Errno && rule.action != ActionKind::Trace)
    throw doc.error(r.at("errnoRet"),
                    "errnoRet is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
  rule.comment = r.string("comment");
  size_t nargs = r.array_size("args");
  for (size_t i = 0; i < nargs; ++i) {
    std::string ap = r.at("args") + "/" + std::to_string(i);
    ObjectReader a(doc, ap, {"index", "value", "valueTwo", "op"});
    ArgCmp cmp;
    if (!a.has("index")) throw doc.error(a.at("index"), "missing argument index");
    if (!a.node()["index"].is_number_integer() && !a.node()["index"].is_number_unsigned())
      throw doc.error(a.at("index"), "expected an integer argument index 0..5");
    int64_t index = a.node()["index"].get<int64_t>();
    if (index < 0 || index > 5)
      throw doc.error(a.at("index"), "argument index " + std::to_string(index) +
                                         " is out of range (syscalls have arguments 0..5)");
    cmp.index = static_cast<unsigned>(index);
    if (a.has("value")) cmp.value = a.unsigned_integer("value", UINT64_MAX);
    if (a.has("valueTwo")) cmp.value_two = a.unsigned_integer("valueTwo", UINT64_MAX);
    if (!a.has("op")) throw doc.error(a.at("op"), "missing operator (SCMP_CMP_EQ, …)");
    auto op = parse_cmp_op(a.string("op"));
    if (!op)
      throw doc.error(a.at("op"),
                      "unknown operator \"" + a.string("op") +
                          "\" (expected SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, "
                          "SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT or SCMP_CMP_MASKED_EQ)");
    cmp.op = *op;
    rule.args.push_back(cmp);
  }
  if (r.has("includes")) rule.includes = read_condition(doc, r.at("includes"));
  if (r.has("excludes")) rule.excludes = read_condition(doc, r.at("excludes"));
  return rule;
}

}  // namespace

std::optional<CmpOp> parse_cmp_op(std::string_view name) {
  std::string upper = to_upper(trim(name));
  for (const auto& o : kOps)
    if (o.name == upper || o.name.substr(9) == upper) return o.op;
  return std::nullopt;
}

std::string_view cmp_op_name(CmpOp op) {
  return kOps[static_cast<size_t>(op)].name;
}
std::string_view cmp_op_symbol(CmpOp op) {
  return kOps[static_cast<size_t>(op)].symbol;
}

bool ArgCmp::matches(uint64_t arg) const {
  switch (op) {
    case CmpOp::NotEqual:
      return arg != value;
    case CmpOp::Less:
      return arg < value;
    case CmpOp::LessEqual:
      return arg <= value;
    case CmpOp::Equal:
      return arg == value;
    case CmpOp::GreaterEqual:
      return arg >= value;
    case CmpOp::Greater:
      return arg > value;
    case CmpOp::MaskedEqual:
      return (arg & value) == value_two;
  }
  return false;
}

std::string ArgCmp::str() const {
  std::string a = "arg" + std::to_string(index);
  if (op == CmpOp::MaskedEqual) return a + " & " + hex(value) + " == " + hex(value_two);
  return a + " " + std::string(cmp_op_symbol(op)) + " " + hex(value);
}

uint16_t Profile::errno_for(const SyscallRule& rule) const {
  if (rule.errno_ret) return *rule.errno_ret;
  return default_errno_ret.value_or(1);
}

Action Profile::default_action_value() const {
  bool data = default_action == ActionKind::Errno || default_action == ActionKind::Trace;
  return {default_action, data ? default_errno_ret.value_or(1) : uint16_t{0}};
}

Action Profile::rule_action(const SyscallRule& rule) const {
  bool data = rule.action == ActionKind::Errno || rule.action == ActionKind::Trace;
  return {rule.action, data ? errno_for(rule) : uint16_t{0}};
}

Profile parse_profile_at(const JsonDocument& doc, const std::string& pointer) {
  ObjectReader r(doc, pointer,
                 {"defaultAction", "defaultErrnoRet", "defaultErrno", "architectures", "archMap",
                  "syscalls", "flags", "listenerPath", "listenerMetadata"});
  Profile p;
  p.source = doc.source();
  p.default_action = read_action(r, doc, "defaultAction");
  p.default_errno_ret = read_errno(r, doc, "defaultErrnoRet", "defaultErrno");
  p.architectures = r.strings("architectures");
  for (size_t i = 0; i < p.architectures.size(); ++i)
    check_arch_name(doc, r.at("architectures") + "/" + std::to_string(i), p.architectures[i]);
  size_t nmap = r.array_size("archMap");
  for (size_t i = 0; i < nmap; ++i) {
    std::string mp = r.at("archMap") + "/" + std::to_string(i);
    ObjectReader m(doc, mp, {"architecture", "subArchitectures"});
    ArchMapEntry entry;
    entry.arch = m.string("architecture");
    check_arch_name(doc, m.at("architecture"), entry.arch);
    entry.sub_arches = m.strings("subArchitectures");
    for (size_t j = 0; j < entry.sub_arches.size(); ++j)
      check_arch_name(doc, m.at("subArchitectures") + "/" + std::to_string(j), entry.sub_arches[j]);
    p.arch_map.push_back(std::move(entry));
  }
  if (!p.architectures.empty() && !p.arch_map.empty())
    throw doc.error(r.at("archMap"), "\"architectures\" and \"archMap\" are mutually exclusive");
  size_t nrules = r.array_size("syscalls");
  for (size_t i = 0; i < nrules; ++i)
    p.syscalls.push_back(read_rule(doc, r.at("syscalls") + "/" + std::to_string(i)));
  p.flags = r.strings("flags");
  for (size_t i = 0; i < p.flags.size(); ++i) {
    bool known = false;
    for (auto f : kFilterFlags) known = known || f == p.flags[i];
    if (!known)
      throw doc.error(r.at("flags") + "/" + std::to_string(i),
                      "unknown seccomp filter flag \"" + p.flags[i] + "\"");
  }
  p.listener_path = r.string("listenerPath");
  p.listener_metadata = r.string("listenerMetadata");
  bool notify = p.default_action == ActionKind::Notify;
  for (const auto& rule : p.syscalls) notify = notify || rule.action == ActionKind::Notify;
  if (notify && p.listener_path.empty())
    throw doc.error(r.at("listenerPath"),
                    "SCMP_ACT_NOTIFY needs a listenerPath to hand the notify fd to");
  return p;
}

Profile parse_profile(std::string_view text, const std::string& source) {
  auto doc = JsonDocument::parse(text, source);
  const auto& root = doc.root();
  if (!root.is_object())
    throw doc.error("", "expected a seccomp profile object, got " + json_type_name(root));
  // A whole OCI runtime config: take linux.seccomp.
  if (root.contains("ociVersion") || (root.contains("linux") && !root.contains("defaultAction"))) {
    if (!root.contains("linux") || !root["linux"].is_object() || !root["linux"].contains("seccomp"))
      throw doc.error("/linux", "OCI config has no linux.seccomp object");
    return parse_profile_at(doc, "/linux/seccomp");
  }
  return parse_profile_at(doc, "");
}

nlohmann::json profile_to_json(const Profile& p) {
  using nlohmann::json;
  json out = json::object();
  out["defaultAction"] = action_kind_name(p.default_action);
  if (p.default_errno_ret) out["defaultErrnoRet"] = *p.default_errno_ret;
  if (!p.architectures.empty()) out["architectures"] = p.architectures;
  if (!p.arch_map.empty()) {
    out["archMap"] = json::array();
    for (const auto& e : p.arch_map)
      out["archMap"].push_back({{"architecture", e.arch}, {"subArchitectures", e.sub_arches}});
  }
  if (!p.flags.empty()) out["flags"] = p.flags;
  if (!p.listener_path.empty()) out["listenerPath"] = p.listener_path;
  if (!p.listener_metadata.empty()) out["listenerMetadata"] = p.listener_metadata;
  auto condition = [](const Condition& c) {
    json j = json::object();
    if (!c.caps.empty()) j["caps"] = c.caps;
    if (!c.arches.empty()) j["arches"] = c.arches;
    if (!c.min_kernel.empty()) j["minKernel"] = c.min_kernel;
    return j;
  };
  out["syscalls"] = json::array();
  for (const auto& rule : p.syscalls) {
    json j = json::object();
    j["names"] = rule.names;
    j["action"] = action_kind_name(rule.action);
    if (rule.errno_ret) j["errnoRet"] = *rule.errno_ret;
    if (!rule.args.empty()) {
      j["args"] = json::array();
      for (const auto& a : rule.args)
        j["args"].push_back({{"index", a.index},
                             {"value", a.value},
                             {"valueTwo", a.value_two},
                             {"op", cmp_op_name(a.op)}});
    }
    if (!rule.comment.empty()) j["comment"] = rule.comment;
    if (!rule.includes.empty()) j["includes"] = condition(rule.includes);
    if (!rule.excludes.empty()) j["excludes"] = condition(rule.excludes);
    out["syscalls"].push_back(std::move(j));
  }
  return out;
}

}  // namespace bulkhead::seccomp
