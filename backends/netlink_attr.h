// Bounds-checked reading of netlink messages and attributes from untrusted bytes, for the
// parsers in netlink_wire.cc and netlink_ctrl.cc. Every read copies (memcpy) instead of
// casting, so input need not be aligned (a fuzzer's buffers are not) and no read can pass the
// end of the span it was given. Internal to backends/.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

namespace smeg::backends::nlattr_read {

inline constexpr size_t kAttrHeader = 4;  // struct nlattr: u16 len, u16 type
inline constexpr size_t kMsgHeader = 16;  // struct nlmsghdr
inline constexpr size_t kGenlHeader = 4;  // struct genlmsghdr
inline constexpr size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

template <typename T>
T read(std::span<const uint8_t> bytes, size_t at = 0) {
  T v;
  std::memcpy(&v, bytes.data() + at, sizeof v);
  return v;
}

struct Attr {
  uint16_t type = 0;  // NLA_F_NESTED and NLA_F_NET_BYTEORDER masked off
  std::span<const uint8_t> payload;

  // The payload as a fixed-size integer, or nothing when its length is not exactly sizeof(T).
  template <typename T>
  std::optional<T> as() const {
    if (payload.size() != sizeof(T)) return std::nullopt;
    return read<T>(payload);
  }
};

// Calls each(attr) for every attribute in `bytes` (a message payload or a nested attribute's
// payload). Returns false if the layout is malformed (a length below the header or past the
// end) or if `each` returns false.
template <typename F>
bool for_each_attr(std::span<const uint8_t> bytes, F&& each) {
  size_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < kAttrHeader) return false;
    const auto len = read<uint16_t>(bytes, at);
    const auto type = read<uint16_t>(bytes, at + 2);
    if (len < kAttrHeader || len > bytes.size() - at) return false;
    Attr a{static_cast<uint16_t>(type & NLA_TYPE_MASK),
           bytes.subspan(at + kAttrHeader, len - kAttrHeader)};
    if (!each(a)) return false;
    const size_t next = align4(len);
    if (next >= bytes.size() - at) break;  // the last attribute's padding may be cut short
    at += next;
  }
  return true;
}

// One netlink message in a stream: its header fields and everything after the header.
struct Msg {
  uint32_t len = 0;
  uint16_t type = 0;
  uint16_t flags = 0;
  std::span<const uint8_t> body;  // after struct nlmsghdr
};

// Splits a stream of messages; false if a header's length is impossible.
template <typename F>
bool for_each_msg(std::span<const uint8_t> stream, F&& each) {
  size_t at = 0;
  while (at < stream.size()) {
    if (stream.size() - at < kMsgHeader) return false;
    const auto len = read<uint32_t>(stream, at);
    if (len < kMsgHeader || len > stream.size() - at) return false;
    Msg m{len, read<uint16_t>(stream, at + 4), read<uint16_t>(stream, at + 6),
          stream.subspan(at + kMsgHeader, len - kMsgHeader)};
    if (!each(m)) return true;  // the caller stops (NLMSG_DONE)
    const size_t next = align4(len);
    if (next >= stream.size() - at) break;
    at += next;
  }
  return true;
}

}  // namespace smeg::backends::nlattr_read
