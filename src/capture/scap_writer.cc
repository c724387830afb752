// The .scap writer. Block and event layouts follow libscap's savefile format (block header, body
// padded to 4 bytes, trailing length) and the driver's event table of the libs version sysdig 0.29
// ships with (see scap_writer.h); numbers below are that version's PPME_*/PPM_* values.
#include "capture/scap_writer.h"

#include <fcntl.h>
#include <unistd.h>
#include <array>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "base/error.h"

namespace bulkhead::capture {
namespace {

// --- savefile block types -------------------------------------------------------------------
constexpr uint32_t kSectionHeaderBlock = 0x0A0D0D0A;
constexpr uint32_t kSectionMagic = 0x1A2B3C4D;
constexpr uint32_t kMachineInfoBlock = 0x201;
constexpr uint32_t kProcessListBlockV9 = 0x215;
constexpr uint32_t kFdListBlockV2 = 0x218;
constexpr uint32_t kEventBlockV2 = 0x216;
constexpr uint32_t kInterfaceListBlockV2 = 0x219;
constexpr uint32_t kUserListBlockV2 = 0x220;

// --- scap fd types (scap_fd_type) -----------------------------------------------------------
enum ScapFd : uint8_t {
  kFdDirectory = 2,
  kFdIpv4Sock = 3,
  kFdIpv6Sock = 4,
  kFdIpv4ServSock = 5,
  kFdIpv6ServSock = 6,
  kFdFifo = 7,
  kFdUnixSock = 8,
  kFdEvent = 9,
  kFdUnsupported = 10,
  kFdSignalFd = 11,
  kFdEventPoll = 12,
  kFdInotify = 13,
  kFdTimerFd = 14,
  kFdNetlink = 15,
  kFdFileV2 = 16,
};

// --- driver event types (ppm_event_type), enter = exit - 1 -----------------------------------
enum Ppme : uint16_t {
  kGenericE = 0,
  kGenericX = 1,
  kOpenX = 3,
  kCloseX = 5,
  kReadX = 7,
  kWriteX = 9,
  kSocketX = 19,
  kBindX = 21,
  kConnectX = 23,
  kListenX = 25,
  kSendtoX = 31,
  kRecvfromX = 35,
  kSocketpairX = 43,
  kSendmsgX = 49,
  kRecvmsgX = 53,
  kCreatX = 59,
  kPipeX = 61,
  kChdirX = 95,
  kFchdirX = 97,
  kDupX = 125,
  kKillX = 129,
  kTgkillX = 133,
  kFcntlX = 151,
  kPtraceX = 169,
  kRenameX = 175,
  kRenameatX = 177,
  kSymlinkX = 179,
  kSymlinkatX = 181,
  kProcexit1E = 186,
  kSetresuidX = 193,
  kSetresgidX = 195,
  kSetuidX = 199,
  kSetgidX = 201,
  kClone20X = 223,
  kFork20X = 225,
  kVfork20X = 227,
  kSetnsX = 241,
  kAccept5X = 247,
  kAccept4_5X = 249,
  kMountX = 257,
  kUmountX = 259,
  kMkdir2X = 277,
  kUnshareX = 285,
  kExecve19X = 293,
  kBpfX = 297,
  kUnlink2X = 301,
  kUnlinkat2X = 303,
  kMkdiratX = 305,
  kOpenat2X = 307,  // PPME_SYSCALL_OPENAT_2_X
  kLink2X = 309,
  kLinkat2X = 311,
  kFchmodatX = 313,
  kChmodX = 315,
  kFchmodX = 317,
  kRenameat2X = 319,
  kUserfaultfdX = 321,
  kOpenat2SyscallX = 327,  // PPME_SYSCALL_OPENAT2_X (the openat2 syscall)
  kExecveatX = 331,
  kClone3X = 335,
};

// ppm_sc codes and x86-64 syscall numbers of the syscalls written as generic events.
struct GenericSyscall {
  uint16_t ppm_sc;
  uint16_t native;
};

// --- flag conversions to the driver's encodings ---------------------------------------------

uint32_t clone_flags_to_ppm(uint64_t native) {
  static constexpr std::pair<uint64_t, uint32_t> kMap[] = {
      {0x400, 1u << 0},       {0x200, 1u << 1},       {0x80000000, 1u << 2},  {0x08000000, 1u << 3},
      {0x40000000, 1u << 4},  {0x20000, 1u << 5},     {0x20000000, 1u << 6},  {0x04000000, 1u << 7},
      {0x8000, 1u << 8},      {0x100000, 1u << 9},    {0x2000, 1u << 10},     {0x800, 1u << 11},
      {0x40000, 1u << 12},    {0x10000, 1u << 13},    {0x800000, 1u << 14},   {0x100, 1u << 15},
      {0x10000000, 1u << 20}, {0x200000, 1u << 23},   {0x01000000, 1u << 24}, {0x80000, 1u << 25},
      {0x4000, 1u << 27},     {0x02000000, 1u << 28},
  };
  uint32_t out = 0;
  for (auto [bit, ppm] : kMap)
    if (native & bit) out |= ppm;
  return out;
}

uint16_t ptrace_request_to_ppm(uint64_t native) {
  static constexpr std::pair<uint64_t, uint16_t> kMap[] = {
      {0, 1},       {1, 2},       {2, 3},       {3, 4},       {4, 5},       {5, 6},
      {6, 7},       {7, 8},       {8, 9},       {9, 10},      {16, 11},     {17, 12},
      {24, 13},     {0x4200, 14}, {0x4201, 15}, {0x4202, 16}, {0x4203, 17}, {0x4204, 18},
      {0x4205, 19}, {0x4206, 20}, {0x4207, 21}, {0x4208, 22}, {12, 26},     {13, 27},
      {14, 28},     {15, 29},     {18, 30},     {19, 31},
  };
  for (auto [request, ppm] : kMap)
    if (request == native) return ppm;
  return 0;
}

uint8_t fcntl_command_to_ppm(uint64_t native) {
  static constexpr std::pair<uint64_t, uint8_t> kMap[] = {
      {0, 1},     {1, 2},     {2, 3},     {3, 4},     {4, 5},     {5, 6},
      {6, 8},     {7, 9},     {8, 10},    {9, 12},    {10, 13},   {11, 15},
      {1024, 23}, {1025, 24}, {1026, 27}, {1030, 26}, {1031, 28}, {1032, 29},
  };
  for (auto [command, ppm] : kMap)
    if (command == native) return ppm;
  return 0;
}

// l4 protocol as scap_l4_proto (fd list entries).
uint8_t l4proto_to_scap(uint8_t ipproto) {
  switch (ipproto) {
    case 6:
      return 2;  // TCP
    case 17:
      return 3;  // UDP
    case 1:
      return 4;  // ICMP
    case 255:
      return 5;  // raw
    default:
      return 0;
  }
}

// --- little-endian appenders ----------------------------------------------------------------

template <typename T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void put_string16(std::string& out, std::string_view text) {
  put<uint16_t>(out, static_cast<uint16_t>(text.size()));
  out.append(text);
}

// The container a process runs in, as libsinsp recognizes it from cgroups: a 64-hex docker id
// (ours are the 12-character short ids, padded).
std::string cgroups_for(std::string_view container_id) {
  if (container_id.empty()) return std::string("cpuset=/") + '\0';
  std::string id(container_id);
  id.resize(64, '0');
  std::string out = "cpuset=/docker/" + id;
  out.push_back('\0');
  out += "cpu=/docker/" + id;
  out.push_back('\0');
  return out;
}

// argv[1..] as the driver stores it: every string NUL-terminated.
std::string args_bytes(std::string_view joined) {
  std::string out(joined);
  if (!out.empty()) out.push_back('\0');
  return out;
}

std::string env_bytes(std::string_view joined) {
  return args_bytes(joined);
}

// Socket address / tuple in the driver's layout from our encoding.
std::string sockaddr_bytes(std::string_view ours) {
  std::string out;
  auto address = decode_socket_address(ours);
  if (!address) return out;
  out.push_back(static_cast<char>(address->family));
  if (address->family == kAfInet) {
    out.append(reinterpret_cast<const char*>(address->ip.data()), 4);
    put<uint16_t>(out, address->port);
  } else if (address->family == kAfInet6) {
    out.append(reinterpret_cast<const char*>(address->ip.data()), 16);
    put<uint16_t>(out, address->port);
  } else if (address->family == kAfUnix) {
    out.append(address->unix_path);
    out.push_back('\0');
  }
  return out;
}

std::string socktuple_bytes(std::string_view ours) {
  std::string out;
  auto tuple = decode_socket_tuple(ours);
  if (!tuple) return out;
  out.push_back(static_cast<char>(tuple->family));
  if (tuple->family == kAfInet) {
    out.append(reinterpret_cast<const char*>(tuple->source_ip.data()), 4);
    put<uint16_t>(out, tuple->source_port);
    out.append(reinterpret_cast<const char*>(tuple->destination_ip.data()), 4);
    put<uint16_t>(out, tuple->destination_port);
  } else if (tuple->family == kAfInet6) {
    out.append(reinterpret_cast<const char*>(tuple->source_ip.data()), 16);
    put<uint16_t>(out, tuple->source_port);
    out.append(reinterpret_cast<const char*>(tuple->destination_ip.data()), 16);
    put<uint16_t>(out, tuple->destination_port);
  } else if (tuple->family == kAfUnix) {
    put<uint64_t>(out, 0);
    put<uint64_t>(out, 0);
    out.append(tuple->unix_path);
    out.push_back('\0');
  }
  return out;
}

// One driver event under construction: params are appended in the event table's order.
class EventBuilder {
 public:
  EventBuilder(std::string& data, std::vector<uint16_t>& lengths) : data_(data), lengths_(lengths) {
    data_.clear();
    lengths_.clear();
  }
  template <typename T>
  EventBuilder& num(T value) {
    put<T>(data_, value);
    lengths_.push_back(sizeof(T));
    return *this;
  }
  EventBuilder& i64(uint64_t value) { return num<uint64_t>(value); }
  EventBuilder& u32(uint64_t value) { return num<uint32_t>(static_cast<uint32_t>(value)); }
  EventBuilder& u16(uint64_t value) { return num<uint16_t>(static_cast<uint16_t>(value)); }
  EventBuilder& u8(uint64_t value) { return num<uint8_t>(static_cast<uint8_t>(value)); }
  // PT_CHARBUF / PT_FSPATH: NUL-terminated.
  EventBuilder& str(std::string_view text) {
    data_.append(text);
    data_.push_back('\0');
    lengths_.push_back(static_cast<uint16_t>(text.size() + 1));
    return *this;
  }
  // PT_BYTEBUF, PT_SOCKADDR, PT_SOCKTUPLE: raw.
  EventBuilder& raw(std::string_view bytes) {
    std::size_t size = std::min<std::size_t>(bytes.size(), 65535);
    data_.append(bytes.substr(0, size));
    lengths_.push_back(static_cast<uint16_t>(size));
    return *this;
  }
  // PT_DYN with an 8-byte value.
  EventBuilder& dyn64(uint8_t index, uint64_t value) {
    data_.push_back(static_cast<char>(index));
    put<uint64_t>(data_, value);
    lengths_.push_back(9);
    return *this;
  }

 private:
  std::string& data_;
  std::vector<uint16_t>& lengths_;
};

void write_all(int fd, const std::string& path, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("writing " + path);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

uint32_t padded(uint32_t length) {
  return (length + 3) & ~3u;
}

// The user list block body: users and groups of this host.
std::string user_list_body() {
  std::string body;
  auto entry = [&](uint8_t kind, const std::string& fields) {
    std::string item;
    put<uint8_t>(item, kind);
    item += fields;
    put<uint32_t>(body, static_cast<uint32_t>(item.size() + 4));
    body += item;
  };
  std::ifstream passwd("/etc/passwd");
  for (std::string line; std::getline(passwd, line);) {
    std::vector<std::string> parts;
    std::stringstream stream(line);
    for (std::string part; std::getline(stream, part, ':');) parts.push_back(part);
    if (parts.size() < 7) continue;
    std::string fields;
    put<uint32_t>(fields, static_cast<uint32_t>(std::stoul(parts[2])));
    put<uint32_t>(fields, static_cast<uint32_t>(std::stoul(parts[3])));
    put_string16(fields, parts[0].substr(0, 255));
    put_string16(fields, parts[5].substr(0, 255));
    put_string16(fields, parts[6].substr(0, 255));
    entry(0, fields);  // USERBLOCK_TYPE_USER
  }
  std::ifstream group("/etc/group");
  for (std::string line; std::getline(group, line);) {
    std::vector<std::string> parts;
    std::stringstream stream(line);
    for (std::string part; std::getline(stream, part, ':');) parts.push_back(part);
    if (parts.size() < 3) continue;
    std::string fields;
    put<uint32_t>(fields, static_cast<uint32_t>(std::stoul(parts[2])));
    put_string16(fields, parts[0].substr(0, 255));
    entry(1, fields);  // USERBLOCK_TYPE_GROUP
  }
  return body;
}

std::string fd_entry(int64_t number, const FdInfo& info) {
  std::string body;
  put<uint64_t>(body, static_cast<uint64_t>(number));
  put<uint64_t>(body, 0);  // inode
  const SocketTuple& t = info.tuple;
  bool listening = info.server_role && !info.connected;
  switch (info.type) {
    case FdType::File:
    case FdType::Memfd:
      put<uint8_t>(body, kFdFileV2);
      put<uint32_t>(body, scap_open_flags(info.open_flags));
      put_string16(body, info.name);
      put<uint32_t>(body, 0);  // dev
      break;
    case FdType::Directory:
      put<uint8_t>(body, kFdDirectory);
      put_string16(body, info.name);
      break;
    case FdType::Ipv4Socket:
    case FdType::Ipv6Socket: {
      // The same layout for both families, with 4- or 16-byte addresses.
      bool v4 = info.type == FdType::Ipv4Socket;
      std::size_t ip_size = v4 ? 4 : 16;
      auto put_ip = [&](const std::array<uint8_t, 16>& ip) {
        body.append(reinterpret_cast<const char*>(ip.data()), ip_size);
      };
      if (listening) {
        bool local_is_destination = t.destination_port != 0;
        put<uint8_t>(body, v4 ? kFdIpv4ServSock : kFdIpv6ServSock);
        put_ip(local_is_destination ? t.destination_ip : t.source_ip);
        put<uint16_t>(body, local_is_destination ? t.destination_port : t.source_port);
      } else {
        put<uint8_t>(body, v4 ? kFdIpv4Sock : kFdIpv6Sock);
        put_ip(t.source_ip);
        put_ip(t.destination_ip);
        put<uint16_t>(body, t.source_port);
        put<uint16_t>(body, t.destination_port);
      }
      put<uint8_t>(body, l4proto_to_scap(info.l4proto));
      break;
    }
    case FdType::UnixSocket:
      put<uint8_t>(body, kFdUnixSock);
      put<uint64_t>(body, 0);
      put<uint64_t>(body, 0);
      put_string16(body, info.name);
      break;
    default: {
      uint8_t type = kFdUnsupported;
      switch (info.type) {
        case FdType::Pipe:
          type = kFdFifo;
          break;
        case FdType::Event:
          type = kFdEvent;
          break;
        case FdType::SignalFd:
          type = kFdSignalFd;
          break;
        case FdType::EventPoll:
          type = kFdEventPoll;
          break;
        case FdType::Inotify:
          type = kFdInotify;
          break;
        case FdType::TimerFd:
          type = kFdTimerFd;
          break;
        case FdType::Netlink:
          type = kFdNetlink;
          break;
        default:
          break;
      }
      put<uint8_t>(body, type);
      put_string16(body, info.name);
      break;
    }
  }
  std::string entry;
  put<uint32_t>(entry, static_cast<uint32_t>(body.size() + 4));
  entry += body;
  return entry;
}

std::string process_entry(const ThreadInfo& t) {
  std::string body;
  put<uint64_t>(body, static_cast<uint64_t>(t.tid));
  put<uint64_t>(body, static_cast<uint64_t>(t.pid));
  put<uint64_t>(body, static_cast<uint64_t>(t.ppid));
  put<uint64_t>(body, static_cast<uint64_t>(t.sid));
  put<uint64_t>(body, static_cast<uint64_t>(t.vpgid));
  put_string16(body, t.comm);
  put_string16(body, t.exe);
  put_string16(body, t.exepath);
  std::string args;
  for (const std::string& arg : t.args) {
    args += arg;
    args.push_back('\0');
  }
  put_string16(body, args);
  put_string16(body, t.cwd.empty() ? std::string_view("/") : std::string_view(t.cwd));
  put<uint64_t>(body, 1024);  // fdlimit
  // Threads other than the leader share its fd table (PPM_CL_CLONE_THREAD|PPM_CL_CLONE_FILES).
  put<uint32_t>(body, t.tid != t.pid ? (1u << 13) | (1u << 0) : 0);
  put<uint32_t>(body, t.uid);
  put<uint32_t>(body, t.gid);
  put<uint32_t>(body, 0);  // vmsize_kb
  put<uint32_t>(body, 0);  // vmrss_kb
  put<uint32_t>(body, 0);  // vmswap_kb
  put<uint64_t>(body, 0);  // pfmajor
  put<uint64_t>(body, 0);  // pfminor
  put_string16(body, "");  // env
  put<int64_t>(body, t.vtid != 0 ? t.vtid : t.tid);
  put<int64_t>(body, t.vpid != 0 ? t.vpid : t.pid);
  put_string16(body, cgroups_for(t.container_id));
  put_string16(body, "/");  // root
  put<uint32_t>(body, t.loginuid);
  std::string entry;
  put<uint32_t>(entry, static_cast<uint32_t>(body.size() + 4));
  entry += body;
  return entry;
}

}  // namespace

uint32_t scap_open_flags(uint32_t native) {
  uint32_t out = 0;
  switch (native & 3) {
    case 1:
      out |= 1u << 1;
      break;
    case 2:
      out |= (1u << 0) | (1u << 1);
      break;
    default:
      out |= 1u << 0;
      break;
  }
  static constexpr std::pair<uint32_t, uint32_t> kMap[] = {
      {0100, 1u << 2},     {02000, 1u << 3},    {010000, 1u << 4},    {0200, 1u << 5},
      {04000, 1u << 6},    {04010000, 1u << 7}, {01000, 1u << 8},     {040000, 1u << 9},
      {0200000, 1u << 10}, {0100000, 1u << 11}, {02000000, 1u << 12}, {020200000, 1u << 13},
  };
  for (auto [bits, ppm] : kMap)
    if ((native & bits) == bits) out |= ppm;
  return out;
}

ScapWriter::ScapWriter(const std::string& path, const ThreadTable& initial) : path_(path) {
  fd_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd_.get() < 0) throw_errno("creating " + path);
  write_header_blocks(initial);
}

ScapWriter::~ScapWriter() {
  try {
    if (fd_.get() >= 0) flush();
  } catch (const std::exception&) {
    // Destructors must not throw; close() reports write errors.
  }
}

void ScapWriter::close() {
  flush();
  fd_.reset();
}

void ScapWriter::flush() {
  write_all(fd_.get(), path_, buffer_);
  buffer_.clear();
}

void ScapWriter::append_block(uint32_t type, std::string_view body) {
  uint32_t total = padded(static_cast<uint32_t>(8 + body.size() + 4));
  put<uint32_t>(buffer_, type);
  put<uint32_t>(buffer_, total);
  buffer_.append(body);
  buffer_.append(total - 12 - body.size(), '\0');
  put<uint32_t>(buffer_, total);
  if (buffer_.size() > (1u << 20)) flush();
}

void ScapWriter::write_header_blocks(const ThreadTable& initial) {
  std::string body;
  put<uint32_t>(body, kSectionMagic);
  put<uint16_t>(body, 1);  // major
  put<uint16_t>(body, 2);  // minor
  put<uint64_t>(body, ~uint64_t{0});
  append_block(kSectionHeaderBlock, body);

  body.clear();
  put<uint32_t>(body, 2);           // num_cpus
  put<uint64_t>(body, 4ull << 30);  // memory_size_bytes
  put<uint64_t>(body, 4194304);     // max_pid
  std::string hostname = "bulkhead-synthetic";
  hostname.resize(128, '\0');
  body += hostname;
  body.append(32, '\0');  // reserved1..4
  append_block(kMachineInfoBlock, body);

  append_block(kInterfaceListBlockV2, "");
  append_block(kUserListBlockV2, user_list_body());

  body.clear();
  std::vector<const ThreadInfo*> threads;
  initial.for_each_thread([&](const ThreadInfo& t) { threads.push_back(&t); });
  for (const ThreadInfo* t : threads) {
    body += process_entry(*t);
    containers_[t->tid] = t->container_id;
  }
  append_block(kProcessListBlockV9, body);

  for (const ThreadInfo* t : threads) {
    if (t->tid != t->pid || !t->fd_table) continue;
    body.clear();
    put<uint64_t>(body, static_cast<uint64_t>(t->tid));
    for (const auto& [number, info] : t->fd_table->fds) body += fd_entry(number, info);
    append_block(kFdListBlockV2, body);
  }
}

uint64_t ScapWriter::write(const Event& e) {
  auto number = [&](std::string_view name) -> uint64_t {
    const Param* p = e.param(name);
    return p && p->present ? p->number : 0;
  };
  auto bytes = [&](std::string_view name) -> std::string_view {
    const Param* p = e.param(name);
    return p && p->present ? p->bytes : std::string_view();
  };
  auto present = [&](std::string_view name) {
    const Param* p = e.param(name);
    return p && p->present;
  };
  const uint64_t res = static_cast<uint64_t>(e.result);

  auto emit = [&](uint16_t type, uint64_t timestamp) {
    event_.clear();
    uint32_t length = static_cast<uint32_t>(26 + 2 * lengths_.size() + params_.size());
    put<uint64_t>(event_, timestamp);
    put<uint64_t>(event_, static_cast<uint64_t>(e.tid));
    put<uint32_t>(event_, length);
    put<uint16_t>(event_, type);
    put<uint32_t>(event_, static_cast<uint32_t>(lengths_.size()));
    for (uint16_t l : lengths_) put<uint16_t>(event_, l);
    event_ += params_;
    std::string block;
    block.reserve(2 + event_.size());
    put<uint16_t>(block, e.cpu);
    block += event_;
    append_block(kEventBlockV2, block);
    return ++scap_events_;
  };
  // The enter event carries the timestamp 1 ns before the exit's (libsinsp orders nothing by it,
  // but keeps rawtime distinct).
  const uint64_t enter_ts = e.timestamp_ns > 0 ? e.timestamp_ns - 1 : 0;
  auto enter = [&](uint16_t exit_type, auto&& fill) {
    EventBuilder b(params_, lengths_);
    fill(b);
    emit(static_cast<uint16_t>(exit_type - 1), enter_ts);
  };
  auto exit = [&](uint16_t exit_type, auto&& fill) {
    EventBuilder b(params_, lengths_);
    fill(b);
    return emit(exit_type, e.timestamp_ns);
  };
  auto no_params = [](EventBuilder&) {};
  // Events whose enter carries nothing.
  auto pair = [&](uint16_t exit_type, auto&& fill_exit) {
    enter(exit_type, no_params);
    return exit(exit_type, fill_exit);
  };
  auto generic = [&](GenericSyscall call) {
    EventBuilder b(params_, lengths_);
    b.u16(call.ppm_sc).u16(call.native);
    emit(kGenericE, enter_ts);
    EventBuilder x(params_, lengths_);
    x.u16(call.ppm_sc);
    return emit(kGenericX, e.timestamp_ns);
  };

  // Per-process container, for the cgroups of clone/execve (our events do not carry it).
  auto container_cgroups = [&]() { return cgroups_for(containers_[e.pid]); };
  // The process description execve's and clone's exit events share (exe through cgroups).
  auto process_info = [&](EventBuilder& b) {
    b.str(bytes("exe"))
        .raw(args_bytes(bytes("args")))
        .i64(number("tid"))
        .i64(number("pid"))
        .i64(number("ptid"))
        .str(bytes("cwd"))
        .i64(1024)  // fdlimit
        .i64(0)     // pgft_maj
        .i64(0)     // pgft_min
        .u32(0)     // vm_size
        .u32(0)     // vm_rss
        .u32(0)     // vm_swap
        .str(bytes("comm"))
        .raw(container_cgroups());
  };

  switch (e.type) {
    case EventType::execve:
    case EventType::execveat: {
      bool at = e.type == EventType::execveat;
      uint16_t type = at ? kExecveatX : kExecve19X;
      if (at)
        enter(type, [&](EventBuilder& b) {
          // libsinsp 0.1.1 crashes on execveat(fd, "", AT_EMPTY_PATH) when it does not know the
          // fd, which is the case for memfds (no memfd_create event there): such calls are
          // written as a path relative to AT_FDCWD, the executable's path.
          if (bytes("pathname").empty())
            b.i64(static_cast<uint64_t>(-100)).str(bytes("trusted_exepath")).u32(0);
          else
            b.i64(number("dirfd")).str(bytes("pathname")).u32(0);
        });
      else
        enter(type, [&](EventBuilder& b) {
          b.str(present("trusted_exepath") ? bytes("trusted_exepath") : bytes("exe"));
        });
      return exit(type, [&](EventBuilder& b) {
        b.i64(res);
        process_info(b);
        b.raw(env_bytes(bytes("env")))
            .u32(number("tty"))
            .i64(number("pid"))
            .u32(number("loginuid"))
            .u32(number("flags") & 1);  // PPM_EXE_WRITABLE; later flags do not exist there
      });
    }
    case EventType::clone:
    case EventType::clone3:
    case EventType::fork:
    case EventType::vfork: {
      uint16_t type = e.type == EventType::clone    ? kClone20X
                      : e.type == EventType::clone3 ? kClone3X
                      : e.type == EventType::fork   ? kFork20X
                                                    : kVfork20X;
      // The parent side names the child: it runs in the caller's container.
      if (e.result > 0) containers_[e.result] = containers_[e.pid];
      return pair(type, [&](EventBuilder& b) {
        b.i64(res);
        process_info(b);
        b.u32(clone_flags_to_ppm(number("flags")))
            .u32(number("uid"))
            .u32(number("gid"))
            .i64(present("vtid") ? number("vtid") : number("tid"))
            .i64(present("vpid") ? number("vpid") : number("pid"));
      });
    }
    case EventType::procexit: {
      EventBuilder b(params_, lengths_);
      b.i64(res).i64(number("ret")).u8(number("sig")).u8(number("core"));
      return emit(kProcexit1E, e.timestamp_ns);
    }
    case EventType::open:
      enter(kOpenX, [&](EventBuilder& b) {
        b.str(bytes("name")).u32(scap_open_flags(number("flags"))).u32(number("mode") & 07777);
      });
      return exit(kOpenX, [&](EventBuilder& b) {
        b.i64(res)
            .str(bytes("name"))
            .u32(scap_open_flags(number("flags")))
            .u32(number("mode") & 07777)
            .u32(number("dev"));
      });
    case EventType::openat:
      enter(kOpenat2X, [&](EventBuilder& b) {
        b.i64(number("dirfd"))
            .str(bytes("name"))
            .u32(scap_open_flags(number("flags")))
            .u32(number("mode") & 07777);
      });
      return exit(kOpenat2X, [&](EventBuilder& b) {
        b.i64(res)
            .i64(number("dirfd"))
            .str(bytes("name"))
            .u32(scap_open_flags(number("flags")))
            .u32(number("mode") & 07777)
            .u32(number("dev"));
      });
    case EventType::openat2:
      enter(kOpenat2SyscallX, [&](EventBuilder& b) {
        b.i64(number("dirfd"))
            .str(bytes("name"))
            .u32(scap_open_flags(number("flags")))
            .u32(number("mode") & 07777)
            .u32(number("resolve"));
      });
      return exit(kOpenat2SyscallX, [&](EventBuilder& b) {
        b.i64(res)
            .i64(number("dirfd"))
            .str(bytes("name"))
            .u32(scap_open_flags(number("flags")))
            .u32(number("mode") & 07777)
            .u32(number("resolve"));
      });
    case EventType::creat:
      enter(kCreatX, [&](EventBuilder& b) { b.str(bytes("name")).u32(number("mode") & 07777); });
      return exit(kCreatX, [&](EventBuilder& b) {
        b.i64(res).str(bytes("name")).u32(number("mode") & 07777).u32(number("dev"));
      });
    case EventType::close:
      enter(kCloseX, [&](EventBuilder& b) { b.i64(number("fd")); });
      return exit(kCloseX, [&](EventBuilder& b) { b.i64(res); });
    case EventType::read:
    case EventType::write: {
      uint16_t type = e.type == EventType::read ? kReadX : kWriteX;
      enter(type, [&](EventBuilder& b) { b.i64(number("fd")).u32(number("size")); });
      return exit(type, [&](EventBuilder& b) { b.i64(res).raw(bytes("data")); });
    }
    case EventType::connect:
      enter(kConnectX,
            [&](EventBuilder& b) { b.i64(number("fd")).raw(sockaddr_bytes(bytes("addr"))); });
      return exit(kConnectX,
                  [&](EventBuilder& b) { b.i64(res).raw(socktuple_bytes(bytes("tuple"))); });
    case EventType::accept:
    case EventType::accept4: {
      bool four = e.type == EventType::accept4;
      uint16_t type = four ? kAccept4_5X : kAccept5X;
      enter(type, [&](EventBuilder& b) {
        if (four) b.u32(number("flags"));
      });
      return exit(type, [&](EventBuilder& b) {
        b.i64(res)
            .raw(socktuple_bytes(bytes("tuple")))
            .u8(number("queuepct"))
            .u32(number("queuelen"))
            .u32(number("queuemax"));
      });
    }
    case EventType::bind:
      enter(kBindX, [&](EventBuilder& b) { b.i64(number("fd")); });
      return exit(kBindX, [&](EventBuilder& b) { b.i64(res).raw(sockaddr_bytes(bytes("addr"))); });
    case EventType::listen:
      enter(kListenX, [&](EventBuilder& b) { b.i64(number("fd")).u32(number("backlog")); });
      return exit(kListenX, [&](EventBuilder& b) { b.i64(res); });
    case EventType::socket:
      enter(kSocketX, [&](EventBuilder& b) {
        b.u32(number("domain")).u32(number("type")).u32(number("proto"));
      });
      return exit(kSocketX, [&](EventBuilder& b) { b.i64(res); });
    case EventType::sendto:
    case EventType::sendmsg: {
      uint16_t type = e.type == EventType::sendto ? kSendtoX : kSendmsgX;
      enter(type, [&](EventBuilder& b) {
        b.i64(number("fd")).u32(number("size")).raw(socktuple_bytes(bytes("tuple")));
      });
      return exit(type, [&](EventBuilder& b) { b.i64(res).raw(bytes("data")); });
    }
    case EventType::recvfrom:
      enter(kRecvfromX, [&](EventBuilder& b) { b.i64(number("fd")).u32(number("size")); });
      return exit(kRecvfromX, [&](EventBuilder& b) {
        b.i64(res).raw(bytes("data")).raw(socktuple_bytes(bytes("tuple")));
      });
    case EventType::recvmsg:
      enter(kRecvmsgX, [&](EventBuilder& b) { b.i64(number("fd")); });
      return exit(kRecvmsgX, [&](EventBuilder& b) {
        b.i64(res).u32(number("size")).raw(bytes("data")).raw(socktuple_bytes(bytes("tuple")));
      });
    case EventType::ptrace:
      enter(kPtraceX, [&](EventBuilder& b) {
        b.u16(ptrace_request_to_ppm(number("request"))).i64(number("pid"));
      });
      return exit(kPtraceX, [&](EventBuilder& b) {
        b.i64(res).dyn64(0, number("addr")).dyn64(0, number("data"));
      });
    case EventType::mount:
      enter(kMountX, [&](EventBuilder& b) { b.u32(number("flags")); });
      return exit(kMountX, [&](EventBuilder& b) {
        b.i64(res).str(bytes("dev")).str(bytes("dir")).str(bytes("type"));
      });
    case EventType::umount2:
      enter(kUmountX, [&](EventBuilder& b) { b.u32(number("flags")); });
      return exit(kUmountX, [&](EventBuilder& b) { b.i64(res).str(bytes("name")); });
    case EventType::unshare:
      enter(kUnshareX, [&](EventBuilder& b) { b.u32(clone_flags_to_ppm(number("flags"))); });
      return exit(kUnshareX, [&](EventBuilder& b) { b.i64(res); });
    case EventType::setns:
      enter(kSetnsX, [&](EventBuilder& b) {
        b.i64(number("fd")).u32(clone_flags_to_ppm(number("nstype")));
      });
      return exit(kSetnsX, [&](EventBuilder& b) { b.i64(res); });
    case EventType::setuid:
      enter(kSetuidX, [&](EventBuilder& b) { b.u32(number("uid")); });
      return exit(kSetuidX, [&](EventBuilder& b) { b.i64(res); });
    case EventType::setgid:
      enter(kSetgidX, [&](EventBuilder& b) { b.u32(number("gid")); });
      return exit(kSetgidX, [&](EventBuilder& b) { b.i64(res); });
    case EventType::setresuid:
      enter(kSetresuidX, [&](EventBuilder& b) {
        b.u32(number("ruid")).u32(number("euid")).u32(number("suid"));
      });
      return exit(kSetresuidX, [&](EventBuilder& b) { b.i64(res); });
    case EventType::setresgid:
      enter(kSetresgidX, [&](EventBuilder& b) {
        b.u32(number("rgid")).u32(number("egid")).u32(number("sgid"));
      });
      return exit(kSetresgidX, [&](EventBuilder& b) { b.i64(res); });
    case EventType::chmod:
      return pair(kChmodX, [&](EventBuilder& b) {
        b.i64(res).str(bytes("filename")).u32(number("mode") & 07777);
      });
    case EventType::fchmod:
      return pair(kFchmodX, [&](EventBuilder& b) {
        b.i64(res).i64(number("fd")).u32(number("mode") & 07777);
      });
    case EventType::fchmodat:
      return pair(kFchmodatX, [&](EventBuilder& b) {
        b.i64(res).i64(number("dirfd")).str(bytes("filename")).u32(number("mode") & 07777);
      });
    case EventType::unlink:
      return pair(kUnlink2X, [&](EventBuilder& b) { b.i64(res).str(bytes("path")); });
    case EventType::unlinkat:
      return pair(kUnlinkat2X, [&](EventBuilder& b) {
        b.i64(res).i64(number("dirfd")).str(bytes("name")).u32(number("flags"));
      });
    case EventType::rename:
      return pair(kRenameX,
                  [&](EventBuilder& b) { b.i64(res).str(bytes("oldpath")).str(bytes("newpath")); });
    case EventType::renameat:
    case EventType::renameat2: {
      bool two = e.type == EventType::renameat2;
      return pair(two ? kRenameat2X : kRenameatX, [&](EventBuilder& b) {
        b.i64(res)
            .i64(number("olddirfd"))
            .str(bytes("oldpath"))
            .i64(number("newdirfd"))
            .str(bytes("newpath"));
        if (two) b.u32(number("flags"));
      });
    }
    case EventType::symlink:
      return pair(kSymlinkX,
                  [&](EventBuilder& b) { b.i64(res).str(bytes("target")).str(bytes("linkpath")); });
    case EventType::symlinkat:
      return pair(kSymlinkatX, [&](EventBuilder& b) {
        b.i64(res).str(bytes("target")).i64(number("linkdirfd")).str(bytes("linkpath"));
      });
    case EventType::link:
      return pair(kLink2X,
                  [&](EventBuilder& b) { b.i64(res).str(bytes("oldpath")).str(bytes("newpath")); });
    case EventType::linkat:
      return pair(kLinkat2X, [&](EventBuilder& b) {
        b.i64(res)
            .i64(number("olddir"))
            .str(bytes("oldpath"))
            .i64(number("newdir"))
            .str(bytes("newpath"))
            .u32(number("flags"));
      });
    case EventType::mkdir:
      enter(kMkdir2X, [&](EventBuilder& b) { b.u32(number("mode")); });
      return exit(kMkdir2X, [&](EventBuilder& b) { b.i64(res).str(bytes("path")); });
    case EventType::mkdirat:
      return pair(kMkdiratX, [&](EventBuilder& b) {
        b.i64(res).i64(number("dirfd")).str(bytes("path")).u32(number("mode"));
      });
    case EventType::dup:
    case EventType::dup2:
    case EventType::dup3:
      enter(kDupX, [&](EventBuilder& b) { b.i64(number("oldfd")); });
      return exit(kDupX, [&](EventBuilder& b) { b.i64(res); });
    case EventType::fcntl:
      enter(kFcntlX,
            [&](EventBuilder& b) { b.i64(number("fd")).u8(fcntl_command_to_ppm(number("cmd"))); });
      return exit(kFcntlX, [&](EventBuilder& b) { b.i64(res); });
    case EventType::bpf:
      enter(kBpfX, [&](EventBuilder& b) { b.i64(number("cmd")); });
      return exit(kBpfX, [&](EventBuilder& b) { b.dyn64(e.result >= 0 ? 0 : 1, res); });
    case EventType::kill:
      enter(kKillX, [&](EventBuilder& b) { b.i64(number("pid")).u8(number("sig")); });
      return exit(kKillX, [&](EventBuilder& b) { b.i64(res); });
    case EventType::tgkill:
      enter(kTgkillX,
            [&](EventBuilder& b) { b.i64(number("pid")).i64(number("tid")).u8(number("sig")); });
      return exit(kTgkillX, [&](EventBuilder& b) { b.i64(res); });
    case EventType::chdir:
      return pair(kChdirX, [&](EventBuilder& b) { b.i64(res).str(bytes("path")); });
    case EventType::fchdir:
      enter(kFchdirX, [&](EventBuilder& b) { b.i64(number("fd")); });
      return exit(kFchdirX, [&](EventBuilder& b) { b.i64(res); });
    case EventType::pipe:
    case EventType::pipe2:
      return pair(kPipeX, [&](EventBuilder& b) {
        b.i64(res).i64(number("fd1")).i64(number("fd2")).i64(number("ino"));
      });
    case EventType::socketpair:
      enter(kSocketpairX, [&](EventBuilder& b) {
        b.u32(number("domain")).u32(number("type")).u32(number("proto"));
      });
      return exit(kSocketpairX, [&](EventBuilder& b) {
        b.i64(res).i64(number("fd1")).i64(number("fd2")).i64(number("source")).i64(number("peer"));
      });
    case EventType::userfaultfd:
      return pair(kUserfaultfdX, [&](EventBuilder& b) {
        b.i64(res).u32(scap_open_flags(static_cast<uint32_t>(number("flags"))));
      });
    case EventType::init_module:
      return generic({76, 175});
    case EventType::finit_module:
      return generic({314, 313});
    case EventType::capset:
      return generic({115, 126});
    case EventType::setreuid:
      return generic({123, 113});
    case EventType::setregid:
      return generic({124, 114});
    case EventType::prctl:
      return generic({106, 157});
    case EventType::memfd_create:
      // That libs version has neither an event nor a ppm_sc code for memfd_create.
      return 0;
  }
  return 0;
}

std::vector<uint64_t> write_scap(const std::string& path, const ThreadTable& initial,
                                 const std::vector<OwnedEvent>& events) {
  ScapWriter writer(path, initial);
  std::vector<uint64_t> numbers;
  numbers.reserve(events.size());
  for (const OwnedEvent& event : events) numbers.push_back(writer.write(event.event()));
  writer.close();
  return numbers;
}

}  // namespace bulkhead::capture
