#include "core/wire.h"

namespace smeg {

void Writer::u16(uint16_t v) {
  u8(static_cast<uint8_t>(v >> 8));
  u8(static_cast<uint8_t>(v));
}
void Writer::u32(uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) u8(static_cast<uint8_t>(v >> s));
}
void Writer::u64(uint64_t v) {
  // One resize, then stores: bitmaps are written as runs of these.
  const size_t at = out_.size();
  out_.resize(at + 8);
  for (int i = 0; i < 8; ++i)
    out_[at + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (56 - 8 * i));
}
void Writer::varint(uint64_t v) {
  if (v < 0x80) {
    out_.push_back(static_cast<uint8_t>(v));
    return;
  }
  uint8_t buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<uint8_t>(v);
  bytes(buf, n);
}
void Writer::string(std::string_view s) {
  varint(s.size());
  bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

bool Reader::need(size_t n, const char* field) {
  if (!ok()) return false;
  if (in_.size() - pos_ < n) {
    fail(field, "truncated");
    return false;
  }
  return true;
}

void Reader::fail(const char* field, std::string_view why) { fail_at(field, why, pos_); }

void Reader::fail_at(const char* field, std::string_view why, size_t offset) {
  if (!ok()) return;
  error_ = std::string(field) + " at offset " + std::to_string(offset) + ": " + std::string(why);
}

Status Reader::status() const { return ok() ? Status::ok() : Status::corruption(error_); }

Status Reader::finish() {
  if (ok() && !at_end()) fail("message", "trailing bytes");
  return status();
}

uint8_t Reader::u8(const char* field) {
  if (!need(1, field)) return 0;
  return in_[pos_++];
}
uint16_t Reader::u16(const char* field) {
  if (!need(2, field)) return 0;
  uint16_t v = static_cast<uint16_t>((in_[pos_] << 8) | in_[pos_ + 1]);
  pos_ += 2;
  return v;
}
uint32_t Reader::u32(const char* field) {
  if (!need(4, field)) return 0;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | in_[pos_++];
  return v;
}
uint64_t Reader::u64(const char* field) {
  if (!need(8, field)) return 0;
  const uint8_t* p = in_.data() + pos_;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  pos_ += 8;
  return v;
}
uint64_t Reader::varint(const char* field) {
  // Fast path: a one-byte value (most bitmap gaps and counts) with input left and no error.
  if (pos_ < in_.size() && in_[pos_] < 0x80 && error_.empty()) return in_[pos_++];
  const size_t start = pos_;
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (!need(1, field)) return 0;
    const uint8_t b = in_[pos_++];
    if (shift == 63 && b > 1) {
      fail_at(field, "varint overflows 64 bits", start);
      return 0;
    }
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      // Reject non-minimal encodings so that one value has exactly one encoding.
      if (b == 0 && shift != 0) fail_at(field, "non-minimal varint", start);
      return ok() ? v : 0;
    }
  }
  fail_at(field, "varint too long", start);
  return 0;
}
uint64_t Reader::varint_max(const char* field, uint64_t max) {
  const size_t start = pos_;
  const uint64_t v = varint(field);
  if (v > max) {
    fail_at(field, "value " + std::to_string(v) + " exceeds " + std::to_string(max), start);
    return 0;
  }
  return v;
}
std::string Reader::string(const char* field, size_t max_len) {
  const size_t len = varint_max(field, max_len);
  if (!need(len, field)) return {};
  std::string s(reinterpret_cast<const char*>(in_.data() + pos_), len);
  pos_ += len;
  return s;
}
size_t Reader::count(const char* field, size_t max, size_t min_elem_bytes) {
  const size_t start = pos_;
  const size_t n = varint_max(field, max);
  if (ok() && min_elem_bytes > 0 && n > remaining() / min_elem_bytes) {
    fail_at(field, "count " + std::to_string(n) + " exceeds the bytes left", start);
    return 0;
  }
  return n;
}
std::span<const uint8_t> Reader::bytes(const char* field, size_t len) {
  if (!need(len, field)) return {};
  auto s = in_.subspan(pos_, len);
  pos_ += len;
  return s;
}

}  // namespace smeg
