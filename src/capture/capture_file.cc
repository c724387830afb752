#include "capture/capture_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/error.h"

namespace bulkhead::capture {
namespace {

constexpr std::string_view kMagic = "BHCAP";
constexpr std::size_t kPreambleSize = 8;       // magic, version, two reserved bytes
constexpr std::size_t kSectionHeaderSize = 9;  // type u8, length u32, crc32c u32
constexpr uint8_t kSectionHeader = 1, kSectionSnapshot = 2, kSectionEvents = 3, kSectionEnd = 4;
constexpr std::size_t kBlockTarget = 1 << 20;        // writer flushes at about 1 MiB
constexpr uint64_t kMaxSection = uint64_t{1} << 30;  // 1 GiB: larger is corruption
constexpr uint8_t kParamAbsent = 0, kParamNumber = 1, kParamBytes = 2;

// --- CRC-32C ---------------------------------------------------------------------------------

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? 0x82F63B78u : 0);
    table[i] = crc;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

uint32_t crc32c_portable(const unsigned char* data, std::size_t size, uint32_t crc) {
  for (std::size_t i = 0; i < size; ++i) crc = kCrcTable[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
// SSE 4.2 has a CRC-32C instruction: checksumming then costs far less than decoding.
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(const unsigned char* data, std::size_t size,
                                                        uint32_t crc) {
  uint64_t wide = crc;
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    wide = __builtin_ia32_crc32di(wide, word);
    data += 8;
    size -= 8;
  }
  crc = static_cast<uint32_t>(wide);
  while (size > 0) {
    crc = __builtin_ia32_crc32qi(crc, *data++);
    --size;
  }
  return crc;
}
bool have_sse42() {
  static const bool supported = __builtin_cpu_supports("sse4.2");
  return supported;
}
#endif

// --- encoding helpers ------------------------------------------------------------------------

void put_u8(std::string& out, uint8_t value) {
  out.push_back(static_cast<char>(value));
}
void put_u32(std::string& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}
void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}
uint64_t zigzag(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}
int64_t unzigzag(uint64_t value) {
  return static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1));
}
void put_signed(std::string& out, int64_t value) {
  put_varint(out, zigzag(value));
}
void put_string(std::string& out, std::string_view text) {
  put_varint(out, text.size());
  out.append(text);
}
uint32_t get_u32(const char* data) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= uint32_t{static_cast<uint8_t>(data[i])} << (8 * i);
  return value;
}

bool is_signed_param(ParamType type) {
  return type == ParamType::Int || type == ParamType::Fd || type == ParamType::Errno ||
         type == ParamType::Pid;
}
bool is_bytes_param(ParamType type) {
  switch (type) {
    case ParamType::Path:
    case ParamType::String:
    case ParamType::Bytes:
    case ParamType::StringList:
    case ParamType::SockAddr:
    case ParamType::SockTuple:
      return true;
    default:
      return false;
  }
}

[[noreturn, gnu::noinline, gnu::cold]] void capture_error(const std::string& name, uint64_t offset,
                                                          const std::string& what) {
  throw Error(name + ": byte " + std::to_string(offset) + ": " + what);
}

// Reads fields of a section payload, failing with the file offset of the bad byte.
class Decoder {
 public:
  Decoder(std::string_view data, uint64_t base_offset, const std::string& name)
      : data_(data), base_(base_offset), name_(name) {}

  bool done() const { return pos_ >= data_.size(); }
  std::size_t pos() const { return pos_; }
  uint64_t offset() const { return base_ + pos_; }

  [[gnu::always_inline]] uint8_t u8(const char* what) {
    if (pos_ >= data_.size()) [[unlikely]]
      truncated(what);
    return static_cast<uint8_t>(data_[pos_++]);
  }
  // Nearly all varints take one to three bytes (ids, small numbers, timestamp deltas): those are
  // inline, the rest out of line.
  [[gnu::always_inline]] uint64_t varint(const char* what) {
    const std::size_t left = data_.size() - pos_;
    const auto* p = reinterpret_cast<const uint8_t*>(data_.data() + pos_);
    if (left >= 1 && p[0] < 0x80) {
      pos_ += 1;
      return p[0];
    }
    if (left >= 2 && p[1] < 0x80) {
      pos_ += 2;
      return (p[0] & 0x7fu) | (uint64_t{p[1]} << 7);
    }
    if (left >= 3 && p[2] < 0x80) {
      pos_ += 3;
      return (p[0] & 0x7fu) | (uint64_t{p[1] & 0x7fu} << 7) | (uint64_t{p[2]} << 14);
    }
    return varint_slow(what);
  }
  [[gnu::noinline]] uint64_t varint_slow(const char* what) {
    if (data_.size() - pos_ >= 10) {
      // Enough bytes for the longest varint: no bounds check per byte.
      const auto* p = reinterpret_cast<const uint8_t*>(data_.data() + pos_);
      uint64_t value = p[0] & 0x7fu;
      for (int i = 1; i < 10; ++i) {
        value |= uint64_t{p[i] & 0x7fu} << (7 * i);
        if (!(p[i] & 0x80)) {
          if (i == 9 && p[i] > 1) break;
          pos_ += static_cast<std::size_t>(i) + 1;
          return value;
        }
      }
    }
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) truncated(what);
      uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
      if (shift == 63 && byte > 1)
        capture_error(name_, offset() - 1, std::string(what) + ": varint overflows 64 bits");
      value |= uint64_t{byte & 0x7fu} << shift;
      if (!(byte & 0x80)) return value;
    }
    capture_error(name_, offset() - 1, std::string(what) + ": varint longer than 10 bytes");
  }
  int64_t signed_varint(const char* what) { return unzigzag(varint(what)); }
  uint32_t u32_varint(const char* what) {
    uint64_t value = varint(what);
    if (value > UINT32_MAX) capture_error(name_, offset(), std::string(what) + ": value too large");
    return static_cast<uint32_t>(value);
  }
  [[gnu::always_inline]] std::string_view bytes(const char* what) {
    uint64_t size = varint(what);
    if (size > data_.size() - pos_)
      capture_error(name_, offset(),
                    std::string(what) + ": length " + std::to_string(size) +
                        " runs past the end of its section");
    std::string_view out = data_.substr(pos_, size);
    pos_ += size;
    return out;
  }
  uint64_t count(const char* what, std::size_t min_item_size) {
    uint64_t value = varint(what);
    // Every item takes at least min_item_size bytes: a larger count is corrupt, and checking
    // here keeps a corrupt count from reserving huge amounts of memory.
    if (value > (data_.size() - pos_) / min_item_size)
      capture_error(
          name_, offset(),
          std::string(what) + " " + std::to_string(value) + " is more than the section can hold");
    return value;
  }
  [[noreturn, gnu::noinline, gnu::cold]] void fail(const std::string& what) const {
    capture_error(name_, offset(), what);
  }

 private:
  [[noreturn, gnu::noinline, gnu::cold]] void truncated(const char* what) const {
    capture_error(name_, offset(), std::string(what) + ": section ends in the middle of a field");
  }

  std::string_view data_;
  std::size_t pos_ = 0;
  uint64_t base_;
  const std::string& name_;
};

void encode_tuple(std::string& out, const SocketTuple& tuple) {
  put_u8(out, tuple.family);
  out.append(reinterpret_cast<const char*>(tuple.source_ip.data()), 16);
  put_varint(out, tuple.source_port);
  out.append(reinterpret_cast<const char*>(tuple.destination_ip.data()), 16);
  put_varint(out, tuple.destination_port);
}

SocketTuple decode_tuple(Decoder& in) {
  SocketTuple tuple;
  tuple.family = in.u8("fd tuple family");
  for (auto& byte : tuple.source_ip) byte = in.u8("fd tuple source ip");
  uint64_t port = in.varint("fd tuple source port");
  if (port > 0xffff) in.fail("fd tuple source port out of range");
  tuple.source_port = static_cast<uint16_t>(port);
  for (auto& byte : tuple.destination_ip) byte = in.u8("fd tuple destination ip");
  port = in.varint("fd tuple destination port");
  if (port > 0xffff) in.fail("fd tuple destination port out of range");
  tuple.destination_port = static_cast<uint16_t>(port);
  return tuple;
}

constexpr uint8_t kFdConnected = 1, kFdServer = 2;
constexpr uint8_t kThreadUpperLayer = 1, kThreadFromMemfd = 2, kThreadWritable = 4,
                  kThreadExited = 8;
constexpr uint64_t kNoFdTable = 0;  // fd table ids start at 1
constexpr std::size_t kLastFdType = static_cast<std::size_t>(FdType::Memfd);

}  // namespace

uint32_t crc32c(std::string_view data, uint32_t crc) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  crc = ~crc;
#if defined(__x86_64__)
  if (have_sse42()) return ~crc32c_sse42(bytes, data.size(), crc);
#endif
  return ~crc32c_portable(bytes, data.size(), crc);
}

CaptureHeader current_host_header() {
  CaptureHeader header;
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0) header.hostname = name;
  uint64_t now = clock_now_ns(CLOCK_REALTIME);
  header.creation_time_ns = now;
  header.boot_time_ns = now - clock_now_ns(CLOCK_BOOTTIME);
  return header;
}

// --- writer ----------------------------------------------------------------------------------

namespace {
UniqueFd create_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) throw_errno("creating capture file " + path);
  return fd;
}
}  // namespace

CaptureWriter::CaptureWriter(const std::string& path, const CaptureHeader& header)
    : CaptureWriter(create_file(path), path, header) {}

CaptureWriter::CaptureWriter(UniqueFd fd, std::string name, const CaptureHeader& header)
    : fd_(std::move(fd)), name_(std::move(name)) {
  block_.reserve(kBlockTarget + 4096);
  std::string preamble(kMagic);
  put_u8(preamble, kCaptureFormatVersion);
  put_u8(preamble, 0);
  put_u8(preamble, 0);
  write_all(preamble);
  std::string payload;
  put_string(payload, header.hostname);
  put_varint(payload, header.boot_time_ns);
  put_varint(payload, header.creation_time_ns);
  put_varint(payload, header.flags);
  write_section(kSectionHeader, payload);
}

CaptureWriter::~CaptureWriter() {
  if (closed_) return;
  try {
    close();
  } catch (const Error&) {
    // Nowhere to report from a destructor; callers that care call close().
  }
}

void CaptureWriter::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("writing capture file " + name_);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void CaptureWriter::write_section(uint8_t type, std::string_view payload) {
  if (payload.size() > kMaxSection) throw Error(name_ + ": capture section too large");
  std::string header;
  put_u8(header, type);
  put_u32(header, static_cast<uint32_t>(payload.size()));
  // The checksum covers the type and length too, so a damaged header is caught as well.
  put_u32(header, crc32c(payload, crc32c(header)));
  write_all(header);
  write_all(payload);
}

void CaptureWriter::write_snapshot(const ThreadTable& table) {
  if (closed_) throw Error(name_ + ": capture file already closed");
  if (!snapshot_allowed_)
    throw Error(name_ + ": the thread-table snapshot must come before events, and only once");
  snapshot_allowed_ = false;
  std::string out;
  std::vector<const ContainerInfo*> containers;
  table.for_each_container([&](const ContainerInfo& info) { containers.push_back(&info); });
  put_varint(out, containers.size());
  for (const ContainerInfo* c : containers) {
    put_string(out, c->id);
    put_string(out, c->name);
    put_string(out, c->image);
    put_string(out, c->image_repository);
    put_string(out, c->image_tag);
    put_string(out, c->runtime);
    put_u8(out, c->privileged ? 1 : 0);
    put_varint(out, c->pid_namespace);
    put_varint(out, c->mount_namespace);
  }
  // Fd tables once each, however many threads share them.
  std::unordered_map<const FdTable*, uint64_t> table_ids;
  std::vector<const FdTable*> fd_tables;
  table.for_each_thread([&](const ThreadInfo& thread) {
    if (thread.fd_table && table_ids.emplace(thread.fd_table.get(), fd_tables.size() + 1).second)
      fd_tables.push_back(thread.fd_table.get());
  });
  put_varint(out, fd_tables.size());
  for (const FdTable* fds : fd_tables) {
    put_varint(out, fds->fds.size());
    for (const auto& [number, fd] : fds->fds) {
      put_signed(out, number);
      put_u8(out, static_cast<uint8_t>(fd.type));
      put_string(out, fd.name);
      put_varint(out, fd.open_flags);
      encode_tuple(out, fd.tuple);
      put_u8(out, fd.l4proto);
      put_u8(out, (fd.connected ? kFdConnected : 0) | (fd.server_role ? kFdServer : 0));
    }
  }
  put_varint(out, table.size());
  table.for_each_thread([&](const ThreadInfo& t) {
    for (int64_t id : {t.tid, t.pid, t.ppid, t.vpid, t.vtid, t.sid, t.vpgid}) put_signed(out, id);
    put_string(out, t.comm);
    put_string(out, t.exe);
    put_string(out, t.exepath);
    put_varint(out, t.args.size());
    for (const std::string& arg : t.args) put_string(out, arg);
    put_string(out, t.cwd);
    for (uint32_t id : {t.uid, t.gid, t.loginuid, t.tty}) put_varint(out, id);
    for (uint64_t caps : {t.cap_effective, t.cap_permitted, t.cap_inheritable})
      put_varint(out, caps);
    put_u8(out, (t.exe_upper_layer ? kThreadUpperLayer : 0) |
                    (t.exe_from_memfd ? kThreadFromMemfd : 0) |
                    (t.exe_writable ? kThreadWritable : 0) | (t.exited ? kThreadExited : 0));
    put_string(out, t.container_id);
    for (uint64_t value :
         {t.pid_namespace, t.mount_namespace, t.start_ns, t.exec_ns, t.last_seen_ns})
      put_varint(out, value);
    put_varint(out, t.fd_table ? table_ids.at(t.fd_table.get()) : kNoFdTable);
  });
  write_section(kSectionSnapshot, out);
}

void CaptureWriter::write(const Event& event) {
  if (closed_) throw Error(name_ + ": capture file already closed");
  snapshot_allowed_ = false;
  const EventSpec& spec = event_spec(event.type);
  if (static_cast<std::size_t>(event.type) >= kEventTypeCount)
    throw Error(name_ + ": cannot write an event of unknown type " +
                std::to_string(static_cast<unsigned>(event.type)));
  std::size_t count = std::min<std::size_t>(event.param_count, spec.params.size());
  record_.clear();
  put_varint(record_, static_cast<uint16_t>(event.type));
  put_varint(record_, event.cpu);
  // Timestamps as the difference to the previous record of the block: small numbers.
  put_signed(record_, static_cast<int64_t>(event.timestamp_ns - previous_timestamp_));
  previous_timestamp_ = event.timestamp_ns;
  put_signed(record_, event.tid);
  put_signed(record_, event.pid);
  put_signed(record_, event.result);
  put_u8(record_, static_cast<uint8_t>(count));
  for (std::size_t i = 0; i < count; ++i) {
    const Param& param = event.params[i];
    ParamType type = spec.params[i].type;
    if (!param.present) {
      put_u8(record_, kParamAbsent);
    } else if (is_bytes_param(type)) {
      put_u8(record_, kParamBytes);
      put_string(record_, param.bytes);
    } else {
      put_u8(record_, kParamNumber);
      if (is_signed_param(type))
        put_signed(record_, static_cast<int64_t>(param.number));
      else
        put_varint(record_, param.number);
    }
  }
  put_varint(block_, record_.size());
  block_.append(record_);
  ++events_;
  if (block_.size() >= kBlockTarget) flush();
}

void CaptureWriter::flush() {
  if (block_.empty()) return;
  write_section(kSectionEvents, block_);
  block_.clear();
  previous_timestamp_ = 0;
}

void CaptureWriter::close() {
  if (closed_) return;
  closed_ = true;
  flush();
  std::string payload;
  put_varint(payload, events_);
  write_section(kSectionEnd, payload);
  if (::close(fd_.release()) != 0) throw_errno("closing capture file " + name_);
}

// --- reader ----------------------------------------------------------------------------------

CaptureReader::CaptureReader(const std::string& path) : name_(path) {
  fd_ = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd_) throw_errno("opening capture file " + path);
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) throw_errno("reading capture file " + path);
  if (!S_ISREG(st.st_mode)) throw Error(path + ": a capture file must be a regular file");
  size_ = static_cast<uint64_t>(st.st_size);
  ::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  open_sections();
}

CaptureReader::CaptureReader(std::string_view data, std::string name)
    : name_(std::move(name)), memory_(data), size_(data.size()) {
  open_sections();
}

void CaptureReader::fail(uint64_t offset, const std::string& what) const {
  capture_error(name_, offset, what);
}

std::size_t CaptureReader::fill(char* out, std::size_t size) {
  std::size_t done = 0;
  if (!fd_) {
    done = std::min<std::size_t>(size, memory_.size() - position_);
    std::memcpy(out, memory_.data() + position_, done);
  } else {
    while (done < size) {
      ssize_t n = ::read(fd_.get(), out + done, size - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_errno("reading capture file " + name_);
      }
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
  }
  position_ += done;
  return done;
}

bool CaptureReader::read_section(uint8_t& type) {
  uint64_t start = position_;
  char header[kSectionHeaderSize];
  std::size_t got = fill(header, sizeof header);
  if (got == 0) return false;
  if (got < sizeof header) fail(start, "truncated section header");
  type = static_cast<uint8_t>(header[0]);
  uint32_t length = get_u32(header + 1);
  uint32_t checksum = get_u32(header + 5);
  if (length > kMaxSection)
    fail(start + 1, "section length " + std::to_string(length) + " too large");
  if (length > size_ - position_)
    fail(start + 1, "section of " + std::to_string(length) +
                        " bytes runs past the end of the file (" +
                        std::to_string(size_ - position_) + " bytes left)");
  section_.resize(length);
  section_offset_ = position_;
  if (fill(section_.data(), length) != length) fail(position_, "file ends inside a section");
  if (crc32c(section_, crc32c(std::string_view(header, 5))) != checksum)
    fail(start + 5, "section checksum mismatch (corrupt data)");
  return true;
}

void CaptureReader::open_sections() {
  char preamble[kPreambleSize];
  if (fill(preamble, sizeof preamble) != sizeof preamble) fail(0, "too short to be a capture file");
  if (std::string_view(preamble, kMagic.size()) != kMagic)
    fail(0, "not a bulkhead capture file (no BHCAP magic)");
  uint8_t version = static_cast<uint8_t>(preamble[5]);
  if (preamble[6] != 0 || preamble[7] != 0) fail(6, "reserved preamble bytes are not zero");
  if (version != kCaptureFormatVersion)
    fail(5, "capture format version " + std::to_string(version) +
                " is not supported (this "
                "build reads version " +
                std::to_string(kCaptureFormatVersion) + ")");
  uint8_t type = 0;
  if (!read_section(type)) fail(position_, "missing header section");
  if (type != kSectionHeader) fail(kPreambleSize, "the first section is not the header");
  Decoder in(section_, section_offset_, name_);
  header_.version = version;
  header_.hostname = std::string(in.bytes("hostname"));
  header_.boot_time_ns = in.varint("boot time");
  header_.creation_time_ns = in.varint("creation time");
  header_.flags = in.u32_varint("flags");
  // Later minor additions append header fields; they are ignored here.

  // The snapshot, if any, comes next; anything else is left for next().

  if (!read_section(type)) {
    ended_ = true;
    return;
  }
  if (type == kSectionSnapshot) {
    has_snapshot_ = true;
    snapshot_.swap(section_);
    snapshot_offset_ = section_offset_;
    // Validate now, so a corrupt snapshot is reported at open, not at load.
    ThreadTable scratch(SIZE_MAX);
    load_snapshot(scratch);
    return;
  }
  // An events/end/unknown section: let next() handle it.
  if (type == kSectionEvents) {
    in_events_ = true;
    cursor_ = 0;
    previous_timestamp_ = 0;
  } else if (type == kSectionEnd) {
    Decoder end(section_, section_offset_, name_);
    uint64_t count = end.varint("event count");
    if (count != 0)
      fail(section_offset_,
           "end section counts " + std::to_string(count) + " events, the file has 0");
    ended_ = true;
  }
}

void CaptureReader::load_snapshot(ThreadTable& table) const {
  if (!has_snapshot_) return;
  Decoder in(snapshot_, snapshot_offset_, name_);
  uint64_t containers = in.count("container count", 11);
  for (uint64_t i = 0; i < containers; ++i) {
    ContainerInfo c;
    c.id = in.bytes("container id");
    c.name = in.bytes("container name");
    c.image = in.bytes("container image");
    c.image_repository = in.bytes("container image repository");
    c.image_tag = in.bytes("container image tag");
    c.runtime = in.bytes("container runtime");
    uint8_t privileged = in.u8("container privileged");
    if (privileged > 1) in.fail("container privileged flag is not 0 or 1");
    c.privileged = privileged == 1;
    c.pid_namespace = in.varint("container pid namespace");
    c.mount_namespace = in.varint("container mount namespace");
    table.add_container(std::move(c));
  }
  uint64_t table_count = in.count("fd table count", 1);
  std::vector<std::shared_ptr<FdTable>> fd_tables;
  fd_tables.reserve(table_count);
  for (uint64_t i = 0; i < table_count; ++i) {
    auto fds = std::make_shared<FdTable>();
    uint64_t count = in.count("fd count", 40);
    for (uint64_t j = 0; j < count; ++j) {
      int64_t number = in.signed_varint("fd number");
      FdInfo fd;
      uint8_t type = in.u8("fd type");
      if (type > kLastFdType) in.fail("unknown fd type " + std::to_string(type));
      fd.type = static_cast<FdType>(type);
      fd.name = in.bytes("fd name");
      fd.open_flags = in.u32_varint("fd open flags");
      fd.tuple = decode_tuple(in);
      fd.l4proto = in.u8("fd l4proto");
      uint8_t flags = in.u8("fd flags");
      if (flags & ~(kFdConnected | kFdServer)) in.fail("unknown fd flag bits");
      fd.connected = flags & kFdConnected;
      fd.server_role = flags & kFdServer;
      if (!fds->fds.emplace(number, std::move(fd)).second)
        in.fail("fd " + std::to_string(number) + " appears twice in one fd table");
    }
    fd_tables.push_back(std::move(fds));
  }
  uint64_t threads = in.count("thread count", 30);
  for (uint64_t i = 0; i < threads; ++i) {
    ThreadInfo t;
    for (int64_t* id : {&t.tid, &t.pid, &t.ppid, &t.vpid, &t.vtid, &t.sid, &t.vpgid})
      *id = in.signed_varint("thread id");
    t.comm = in.bytes("thread comm");
    t.exe = in.bytes("thread exe");
    t.exepath = in.bytes("thread exepath");
    uint64_t args = in.count("thread argument count", 1);
    t.args.reserve(args);
    for (uint64_t j = 0; j < args; ++j) t.args.emplace_back(in.bytes("thread argument"));
    t.cwd = in.bytes("thread cwd");
    for (uint32_t* id : {&t.uid, &t.gid, &t.loginuid, &t.tty}) *id = in.u32_varint("thread id");
    for (uint64_t* caps : {&t.cap_effective, &t.cap_permitted, &t.cap_inheritable})
      *caps = in.varint("thread capabilities");
    uint8_t flags = in.u8("thread flags");
    if (flags & ~(kThreadUpperLayer | kThreadFromMemfd | kThreadWritable | kThreadExited))
      in.fail("unknown thread flag bits");
    t.exe_upper_layer = flags & kThreadUpperLayer;
    t.exe_from_memfd = flags & kThreadFromMemfd;
    t.exe_writable = flags & kThreadWritable;
    t.exited = flags & kThreadExited;
    t.container_id = in.bytes("thread container id");
    for (uint64_t* value :
         {&t.pid_namespace, &t.mount_namespace, &t.start_ns, &t.exec_ns, &t.last_seen_ns})
      *value = in.varint("thread namespace/time");
    uint64_t table_id = in.varint("thread fd table");
    if (table_id > fd_tables.size())
      in.fail("thread refers to fd table " + std::to_string(table_id) + " of " +
              std::to_string(fd_tables.size()));
    t.fd_table = table_id == kNoFdTable ? std::make_shared<FdTable>() : fd_tables[table_id - 1];
    table.insert(std::move(t));
  }
  // Trailing bytes: fields a later minor version appended; ignored.
}

const Event* CaptureReader::next() {
  while (true) {
    if (in_events_ && cursor_ < section_.size()) break;
    in_events_ = false;
    if (ended_) return nullptr;
    uint8_t type = 0;
    if (!read_section(type)) {
      ended_ = true;  // no end section: a capture cut short at a block boundary
      return nullptr;
    }
    if (type == kSectionEvents) {
      in_events_ = true;
      cursor_ = 0;
      previous_timestamp_ = 0;
    } else if (type == kSectionEnd) {
      Decoder end(section_, section_offset_, name_);
      uint64_t count = end.varint("event count");
      if (count != events_)
        fail(section_offset_, "end section counts " + std::to_string(count) +
                                  " events, the file has " + std::to_string(events_));
      if (position_ != size_) fail(position_, "data after the end section");
      ended_ = true;
      return nullptr;
    } else if (type == kSectionHeader || type == kSectionSnapshot) {
      fail(section_offset_ - kSectionHeaderSize,
           type == kSectionHeader ? "a second header section" : "a snapshot after events");
    }
    // Unknown section types (later minor versions) are skipped.
  }

  Decoder in(std::string_view(section_).substr(cursor_), section_offset_ + cursor_, name_);
  uint64_t length = in.varint("record length");
  std::size_t body = in.pos();
  if (length > section_.size() - cursor_ - body)
    in.fail("record length " + std::to_string(length) + " runs past the end of its block");
  Decoder record(std::string_view(section_).substr(cursor_ + body, length),
                 section_offset_ + cursor_ + body, name_);
  uint64_t type = record.varint("event type");
  if (type >= kEventTypeCount) record.fail("unknown event type " + std::to_string(type));
  event_.type = static_cast<EventType>(type);
  uint64_t cpu = record.varint("cpu");
  if (cpu > UINT16_MAX) record.fail("cpu number out of range");
  event_.cpu = static_cast<uint16_t>(cpu);
  previous_timestamp_ += static_cast<uint64_t>(record.signed_varint("timestamp"));
  event_.timestamp_ns = previous_timestamp_;
  event_.tid = record.signed_varint("tid");
  event_.pid = record.signed_varint("pid");
  event_.result = record.signed_varint("result");
  const auto params = event_spec(event_.type).params;
  uint8_t count = record.u8("param count");
  if (count > params.size())
    record.fail("event " + std::string(event_type_name(event_.type)) + " has " +
                std::to_string(params.size()) + " params, the record " + std::to_string(count));
  for (std::size_t i = 0; i < params.size(); ++i) {
    Param& param = event_.params[i];
    param.number = 0;
    param.bytes = {};
    param.present = false;
    if (i >= count) continue;
    uint8_t tag = record.u8("param tag");
    ParamType param_type = params[i].type;
    if (tag == kParamAbsent) continue;
    if (tag == kParamBytes && is_bytes_param(param_type)) {
      param.bytes = record.bytes("param bytes");
    } else if (tag == kParamNumber && !is_bytes_param(param_type)) {
      param.number = is_signed_param(param_type)
                         ? static_cast<uint64_t>(record.signed_varint("param number"))
                         : record.varint("param number");
    } else {
      record.fail("param " + std::string(params[i].name) + " of " +
                  std::string(event_type_name(event_.type)) + " has tag " + std::to_string(tag) +
                  ", which does not fit its type");
    }
    param.present = true;
  }
  event_.param_count = static_cast<uint8_t>(params.size());
  // Bytes after the params: fields a later minor version appended to records; skipped.
  cursor_ += body + length;
  ++events_;
  return &event_;
}

}  // namespace bulkhead::capture
