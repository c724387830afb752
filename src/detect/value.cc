#include "detect/value.h"

namespace bulkhead::detect {

std::string_view field_type_name(FieldType type) {
  switch (type) {
    case FieldType::String:
      return "string";
    case FieldType::Int64:
      return "int64";
    case FieldType::Uint64:
      return "uint64";
    case FieldType::Bool:
      return "bool";
    case FieldType::IpAddr:
      return "ipaddr";
    case FieldType::IpNet:
      return "ipnet";
    case FieldType::Bytes:
      return "bytebuf";
    case FieldType::AbsTime:
      return "abstime";
    case FieldType::RelTime:
      return "reltime";
  }
  return "unknown";
}

}  // namespace bulkhead::detect
