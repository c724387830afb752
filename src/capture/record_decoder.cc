#include "capture/record_decoder.h"

#include <cstring>

#include "capture_record.h"  // bpf/: the wire format shared with the BPF programs

namespace bulkhead::capture {
namespace {

// The kernel side writes capture::EventType's numbers: both lists must stay in step.
#define BULKHEAD_CHECK_EVENT_NUMBER(id, name)                  \
  static_assert(BH_EV_##id == static_cast<int>(EventType::id), \
                "bpf/capture_record.h disagrees with event.h on " name);
BULKHEAD_EVENT_TYPES(BULKHEAD_CHECK_EVENT_NUMBER)
#undef BULKHEAD_CHECK_EVENT_NUMBER
static_assert(BH_EV_COUNT == kEventTypeCount);
static_assert(sizeof(bh_record_header) == 48);
static_assert(sizeof(bh_tuple) == 40);

template <typename T>
T load(const char* data) {
  T value;
  std::memcpy(&value, data, sizeof value);  // records are packed: no alignment
  return value;
}

bool is_numeric(ParamType type) {
  switch (type) {
    case ParamType::Int:
    case ParamType::Uint:
    case ParamType::Fd:
    case ParamType::Errno:
    case ParamType::Pid:
    case ParamType::Uid:
    case ParamType::Gid:
    case ParamType::Mode:
    case ParamType::Flags:
    case ParamType::Enum:
      return true;
    default:
      return false;
  }
}

bool is_bytes(ParamType type) {
  return type == ParamType::Path || type == ParamType::String || type == ParamType::Bytes ||
         type == ParamType::StringList;
}

constexpr uint16_t kAfUnixNative = 1, kAfInetNative = 2, kAfInet6Native = 10;

}  // namespace

bool RecordDecoder::decode(std::string_view record, Event& event, LiveEventContext& context) {
  converted_used_ = 0;
  if (decode_record(record, event, context)) return true;
  ++malformed_;
  return false;
}

bool RecordDecoder::decode_record(std::string_view record, Event& event,
                                  LiveEventContext& context) {
  if (record.size() < sizeof(bh_record_header)) return reject("shorter than its header");
  const auto header = load<bh_record_header>(record.data());
  if (header.size != record.size()) return reject("size field disagrees with the record");
  if (header.event_type >= kEventTypeCount) return reject("unknown event type");
  const auto type = static_cast<EventType>(header.event_type);
  const auto schema = event_spec(type).params;
  if (header.param_count > schema.size()) return reject("more params than the schema");

  event.type = type;
  event.timestamp_ns = header.boot_ns + static_cast<uint64_t>(boot_to_realtime_ns_);
  event.tid = header.tid;
  event.pid = header.pid;
  event.cpu = static_cast<uint16_t>(header.cpu);
  event.result = header.result;
  event.param_count = static_cast<uint8_t>(schema.size());
  context.pid_namespace = header.pid_ns;
  context.mount_namespace = header.mnt_ns;
  if (header.flags & BH_RECORD_TRUNCATED) ++truncated_;

  std::string_view rest = record.substr(sizeof(bh_record_header));
  int unix_tuple_index = -1;
  std::string_view unix_path;
  for (std::size_t i = 0; i < schema.size(); ++i) {
    Param& param = event.params[i];
    param = Param{};
    if (i >= header.param_count) continue;  // not sent: absent
    if (rest.empty()) return reject("param past the end");
    const auto tag = static_cast<uint8_t>(rest[0]);
    rest.remove_prefix(1);
    const ParamType expected = schema[i].type;
    if (tag == BH_PARAM_ABSENT) continue;
    if (tag == BH_PARAM_NUMBER) {
      if (!is_numeric(expected)) return reject("number for a non-numeric param");
      if (rest.size() < 8) return reject("number past the end");
      param.number = load<uint64_t>(rest.data());
      param.present = true;
      rest.remove_prefix(8);
      continue;
    }
    if (tag != BH_PARAM_BYTES && tag != BH_PARAM_SOCKADDR && tag != BH_PARAM_TUPLE)
      return reject("unknown param tag");
    if (rest.size() < 2) return reject("length past the end");
    const uint16_t length = load<uint16_t>(rest.data());
    rest.remove_prefix(2);
    if (rest.size() < length) return reject("bytes past the end");
    const std::string_view bytes = rest.substr(0, length);
    rest.remove_prefix(length);
    if (tag == BH_PARAM_BYTES) {
      if (!is_bytes(expected)) return reject("bytes for a non-bytes param");
      std::string_view value = bytes;
      // argv and env lists: NUL-separated, without a final terminator.
      if (expected == ParamType::StringList && !value.empty() && value.back() == '\0')
        value.remove_suffix(1);
      param.bytes = value;
    } else if (tag == BH_PARAM_SOCKADDR) {
      if (expected != ParamType::SockAddr) return reject("address for a non-address param");
      if (bytes.size() < 2) continue;  // connect(fd, NULL, 0) and the like: no address
      param.bytes = convert_sockaddr(bytes);
      if (param.bytes.empty()) return reject("address conversion overflow");
      if (static_cast<uint8_t>(param.bytes[0]) == kAfUnix) unix_path = param.bytes.substr(1);
    } else {
      if (expected != ParamType::SockTuple || length != sizeof(bh_tuple))
        return reject("bad tuple");
      if (load<uint16_t>(bytes.data()) == kAfUnixNative) {
        unix_tuple_index = static_cast<int>(i);
        param.bytes = bytes;  // replaced below, once the call's address is known
      } else {
        param.bytes = convert_tuple(bytes, {});
        if (param.bytes.empty()) return reject("tuple of an unknown family");
      }
    }
    param.present = true;
  }
  if (!rest.empty()) return reject("bytes after the last param");
  if (unix_tuple_index >= 0) {
    Param& param = event.params[static_cast<std::size_t>(unix_tuple_index)];
    param.bytes = convert_tuple(param.bytes, unix_path);
    if (param.bytes.empty()) return reject("address conversion overflow");
  }
  return true;
}

std::string_view RecordDecoder::convert_sockaddr(std::string_view raw) {
  // struct sockaddr: family u16 (native), then per family.
  if (raw.size() < 2) return {};
  const uint16_t family = load<uint16_t>(raw.data());
  char out[1 + 2 + 110];
  std::size_t size = 0;
  if (family == kAfInetNative && raw.size() >= 8) {
    out[0] = static_cast<char>(kAfInet);
    std::memcpy(out + 1, raw.data() + 4, 4);
    const auto port =
        static_cast<uint16_t>((static_cast<uint8_t>(raw[2]) << 8) | static_cast<uint8_t>(raw[3]));
    std::memcpy(out + 5, &port, 2);  // little-endian host order, as event.h encodes
    size = 7;
  } else if (family == kAfInet6Native && raw.size() >= 24) {
    out[0] = static_cast<char>(kAfInet6);
    std::memcpy(out + 1, raw.data() + 8, 16);
    const auto port =
        static_cast<uint16_t>((static_cast<uint8_t>(raw[2]) << 8) | static_cast<uint8_t>(raw[3]));
    std::memcpy(out + 17, &port, 2);
    size = 19;
  } else if (family == kAfUnixNative) {
    out[0] = static_cast<char>(kAfUnix);
    std::string_view path = raw.substr(2);
    size = 1;
    if (!path.empty() && path[0] == '\0') {
      // Abstract socket: the name is every byte after the leading NUL; shown as "@name".
      out[size++] = '@';
      path.remove_prefix(1);
    } else {
      path = path.substr(0, path.find('\0'));
    }
    if (path.size() > 108) path = path.substr(0, 108);
    std::memcpy(out + size, path.data(), path.size());
    size += path.size();
  } else {
    // Another family: only its number (decode_socket_address() reports it as unknown).
    out[0] = static_cast<char>(family & 0xff);
    size = 1;
  }
  if (converted_used_ + size > converted_.size()) return {};
  char* dest = converted_.data() + converted_used_;
  std::memcpy(dest, out, size);
  converted_used_ += size;
  return {dest, size};
}

std::string_view RecordDecoder::convert_tuple(std::string_view raw, std::string_view unix_path) {
  const auto tuple = load<bh_tuple>(raw.data());
  char out[1 + 16 + 110];
  std::size_t size = 0;
  if (tuple.family == kAfInetNative || tuple.family == kAfInet6Native) {
    const std::size_t ip = tuple.family == kAfInetNative ? 4 : 16;
    out[0] = static_cast<char>(tuple.family == kAfInetNative ? kAfInet : kAfInet6);
    std::memcpy(out + 1, tuple.source_ip, ip);
    std::memcpy(out + 1 + ip, &tuple.source_port, 2);
    std::memcpy(out + 3 + ip, tuple.destination_ip, ip);
    std::memcpy(out + 3 + 2 * ip, &tuple.destination_port, 2);
    size = 1 + 2 * (ip + 2);
  } else if (tuple.family == kAfUnixNative) {
    // Kernel socket addresses are not exported (they would leak kernel pointers): zeros.
    out[0] = static_cast<char>(kAfUnix);
    std::memset(out + 1, 0, 16);
    if (unix_path.size() > 110) unix_path = unix_path.substr(0, 110);
    if (!unix_path.empty()) std::memcpy(out + 17, unix_path.data(), unix_path.size());
    size = 17 + unix_path.size();
  } else {
    return {};
  }
  if (converted_used_ + size > converted_.size()) return {};
  char* dest = converted_.data() + converted_used_;
  std::memcpy(dest, out, size);
  converted_used_ += size;
  return {dest, size};
}

}  // namespace bulkhead::capture
