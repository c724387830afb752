// libFuzzer target: the live capture's ring-buffer record decoder must reject any malformed
// record without reading outside it (ASan checks the reads).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "capture/record_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  bulkhead::capture::RecordDecoder decoder(1);
  bulkhead::capture::Event event;
  bulkhead::capture::LiveEventContext context;
  // The record exactly as given, then the same bytes with the header's size field made to
  // agree, so the fuzzer gets past the first check.
  std::string_view record(reinterpret_cast<const char*>(data), size);
  decoder.decode(record, event, context);
  if (size >= 4 && size <= 65536) {
    std::string copy(record);
    auto length = static_cast<uint32_t>(size);
    copy[0] = static_cast<char>(length & 0xff);
    copy[1] = static_cast<char>((length >> 8) & 0xff);
    copy[2] = static_cast<char>((length >> 16) & 0xff);
    copy[3] = 0;
    if (decoder.decode(copy, event, context)) {
      // Touch every view, so ASan sees any that points outside the record or the decoder.
      std::size_t sum = 0;
      for (std::size_t i = 0; i < event.param_count; ++i)
        for (char c : event.params[i].bytes) sum += static_cast<unsigned char>(c);
      (void)sum;
    }
  }
  return 0;
}
