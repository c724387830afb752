// The syscall event model shared by capture (eBPF, capture files, the synthetic generator) and
// detection. One event is one syscall *exit* carrying every decoded argument (the form Falco uses
// since 0.42), or one process-lifecycle event (procexit). Arguments are described by a static
// schema per event type, so capture files, `evt.arg.*` fields and output formatting are generic.
//
// Events are views: strings and byte arguments point into a buffer owned by whoever produced the
// event (the capture reader, the ring buffer consumer, the generator) and stay valid until that
// producer yields the next event. Nothing here allocates per event.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace bulkhead::capture {

// X-macro: (enumerator, Falco's evt.type name). Order is part of the capture file format: append
// only, never reorder (the file stores the numeric value).
#define BULKHEAD_EVENT_TYPES(X)   \
  X(execve, "execve")             \
  X(execveat, "execveat")         \
  X(clone, "clone")               \
  X(clone3, "clone3")             \
  X(fork, "fork")                 \
  X(vfork, "vfork")               \
  X(procexit, "procexit")         \
  X(open, "open")                 \
  X(openat, "openat")             \
  X(openat2, "openat2")           \
  X(creat, "creat")               \
  X(close, "close")               \
  X(read, "read")                 \
  X(write, "write")               \
  X(connect, "connect")           \
  X(accept, "accept")             \
  X(accept4, "accept4")           \
  X(bind, "bind")                 \
  X(listen, "listen")             \
  X(socket, "socket")             \
  X(sendto, "sendto")             \
  X(sendmsg, "sendmsg")           \
  X(recvfrom, "recvfrom")         \
  X(recvmsg, "recvmsg")           \
  X(ptrace, "ptrace")             \
  X(mount, "mount")               \
  X(umount2, "umount2")           \
  X(unshare, "unshare")           \
  X(setns, "setns")               \
  X(init_module, "init_module")   \
  X(finit_module, "finit_module") \
  X(setuid, "setuid")             \
  X(setgid, "setgid")             \
  X(setreuid, "setreuid")         \
  X(setregid, "setregid")         \
  X(setresuid, "setresuid")       \
  X(setresgid, "setresgid")       \
  X(capset, "capset")             \
  X(chmod, "chmod")               \
  X(fchmod, "fchmod")             \
  X(fchmodat, "fchmodat")         \
  X(unlink, "unlink")             \
  X(unlinkat, "unlinkat")         \
  X(rename, "rename")             \
  X(renameat, "renameat")         \
  X(renameat2, "renameat2")       \
  X(symlink, "symlink")           \
  X(symlinkat, "symlinkat")       \
  X(link, "link")                 \
  X(linkat, "linkat")             \
  X(mkdir, "mkdir")               \
  X(mkdirat, "mkdirat")           \
  X(dup, "dup")                   \
  X(dup2, "dup2")                 \
  X(dup3, "dup3")                 \
  X(fcntl, "fcntl")               \
  X(memfd_create, "memfd_create") \
  X(bpf, "bpf")                   \
  X(kill, "kill")                 \
  X(tgkill, "tgkill")             \
  X(chdir, "chdir")               \
  X(fchdir, "fchdir")             \
  X(pipe, "pipe")                 \
  X(pipe2, "pipe2")               \
  X(socketpair, "socketpair")     \
  X(userfaultfd, "userfaultfd")   \
  X(prctl, "prctl")

enum class EventType : uint16_t {
#define BULKHEAD_EVENT_ENUM(id, name) id,
  BULKHEAD_EVENT_TYPES(BULKHEAD_EVENT_ENUM)
#undef BULKHEAD_EVENT_ENUM
};
#define BULKHEAD_EVENT_COUNT(id, name) +1
inline constexpr std::size_t kEventTypeCount = 0 BULKHEAD_EVENT_TYPES(BULKHEAD_EVENT_COUNT);
#undef BULKHEAD_EVENT_COUNT

// How an argument is stored and rendered.
enum class ParamType : uint8_t {
  Int,         // signed number (printed in decimal)
  Uint,        // unsigned number
  Fd,          // file descriptor number (signed; resolves through the fd table)
  Errno,       // syscall result: >= 0 success, < 0 -errno (printed as e.g. "ENOENT")
  Pid,         // process/thread id
  Uid,         // user id
  Gid,         // group id
  Mode,        // file mode bits (printed octal)
  Flags,       // bit flags; rendered with the param's flag table ("O_RDONLY|O_CLOEXEC")
  Enum,        // one value of a table ("PTRACE_ATTACH", "AF_INET", "SIGKILL")
  Path,        // file system path (bytes, not NUL-terminated)
  String,      // other text
  Bytes,       // raw buffer (I/O data, truncated by the producer)
  StringList,  // NUL-separated strings (argv, env)
  SockAddr,    // encoded socket address (see SocketAddress)
  SockTuple,   // encoded socket tuple (see SocketTuple)
};

// A name/value table for Flags and Enum params (e.g. open flags, PTRACE_* requests).
struct FlagName {
  uint64_t value;
  std::string_view name;
};

struct ParamSpec {
  std::string_view name;  // Falco's parameter name: evt.arg.<name>
  ParamType type;
  std::span<const FlagName> names;  // for Flags/Enum; empty otherwise
};

struct EventSpec {
  EventType type;
  std::string_view name;  // Falco's evt.type
  std::span<const ParamSpec> params;
};

const EventSpec& event_spec(EventType type);
std::optional<EventType> event_type_from_name(std::string_view name);
std::string_view event_type_name(EventType type);

// execve's exit event carries 18 params and execveat's 20 (see event.cc).
inline constexpr std::size_t kMaxParams = 20;

// Index of the param named `name` in event_spec(type).params, nullopt if the type has none.
// Field extractors resolve names once, at rule compile time, and then index Event::params.
std::optional<std::size_t> param_index(EventType type, std::string_view name);

// Flag/enum name tables, exposed so that detection (evt.is_open_write, fd flags, ...) and
// producers agree on them. Numbers are the native Linux values (x86-64/aarch64 generic ABI).
std::span<const FlagName> open_flag_names();   // O_* (O_RDONLY 0, O_WRONLY 1, O_RDWR 2: O_ACCMODE)
std::span<const FlagName> clone_flag_names();  // CLONE_*
std::span<const FlagName> namespace_flag_names();  // CLONE_NEW* (unshare, setns)
std::span<const FlagName> signal_names();          // SIGHUP ... SIGSYS
std::span<const FlagName> ptrace_request_names();
std::span<const FlagName> address_family_names();  // AF_*
// Renders a Flags value with its table ("O_WRONLY|O_CREAT|O_CLOEXEC"); bits without a name are
// printed as one trailing hex number. The O_* table treats the access mode (O_ACCMODE) as a
// two-bit field so O_RDONLY prints. Zero with no zero-valued name prints "0".
std::string format_flags(std::span<const FlagName> names, uint64_t value);
// An Enum value's name, or empty if the table has none.
std::string_view enum_name(std::span<const FlagName> names, uint64_t value);
// Errno names ("ENOENT") for a positive errno value; empty when unknown.
std::string_view errno_name(uint64_t err);

// One decoded argument. Numbers live in `number` (signed values two's-complement); Path, String,
// Bytes, StringList, SockAddr and SockTuple live in `bytes`.
struct Param {
  uint64_t number = 0;
  std::string_view bytes;
  bool present = false;  // false when the producer could not read it (printed as <NA>)
};

struct Event {
  uint64_t timestamp_ns = 0;  // CLOCK_REALTIME nanoseconds
  int64_t tid = 0;            // host thread id of the caller
  int64_t pid = 0;            // host thread-group id of the caller
  EventType type = EventType::execve;
  uint16_t cpu = 0;
  int64_t result = 0;  // syscall return value (the "res"/"fd" param); for procexit the status
  // In event_spec(type).params order. params[0] is always the result under its Falco name
  // ("res", "fd", or procexit's "status") and equals `result` when present.
  std::array<Param, kMaxParams> params{};
  uint8_t param_count = 0;

  // The param named `name` (per the schema), or nullptr if the event type has none.
  const Param* param(std::string_view name) const;
};

// Socket addresses as they travel in Param::bytes. Encoding (little endian):
//   family u8 (AF_INET 2, AF_INET6 10, AF_UNIX 1)
//   AF_INET:  ip[4] port u16        AF_INET6: ip[16] port u16     AF_UNIX: path bytes
struct SocketAddress {
  uint8_t family = 0;
  std::array<uint8_t, 16> ip{};  // IPv4 in the first four bytes
  uint16_t port = 0;
  std::string_view unix_path;
};
// A connection: family u8, then source (ip, port) and destination (ip, port) encoded as above
// without the family byte; AF_UNIX tuples carry source and destination kernel addresses as two
// u64 and the path.
struct SocketTuple {
  uint8_t family = 0;
  std::array<uint8_t, 16> source_ip{};
  uint16_t source_port = 0;
  std::array<uint8_t, 16> destination_ip{};
  uint16_t destination_port = 0;
  std::string_view unix_path;
};

std::optional<SocketAddress> decode_socket_address(std::string_view bytes);
std::optional<SocketTuple> decode_socket_tuple(std::string_view bytes);
std::string encode_socket_address(const SocketAddress& address);
std::string encode_socket_tuple(const SocketTuple& tuple);
// Text forms as Falco prints them: "10.0.0.1", "2001:db8::1"; tuples "sip:sport->dip:dport"
// (unix tuples: the path).
std::string format_ip(uint8_t family, const std::array<uint8_t, 16>& ip);
std::string format_socket_address(const SocketAddress& address);
std::string format_socket_tuple(const SocketTuple& tuple);
// Address families (native values).
inline constexpr uint8_t kAfUnix = 1;
inline constexpr uint8_t kAfInet = 2;
inline constexpr uint8_t kAfInet6 = 10;

}  // namespace bulkhead::capture
