// Bounds-checked binary encoding primitives for the wire format.
//
// Writer appends big-endian integers, LEB128 varints and length-prefixed strings to a byte
// vector. Reader consumes them from untrusted bytes: every read checks the remaining length,
// every count is capped by the caller and by the bytes left (an element takes at least one byte),
// so decoding arbitrary input can neither over-read nor allocate without bound. The first failure
// is sticky: later reads return zero values and ok() stays false, so a decoder can read a whole
// structure and check once, and the error names the field and offset of the first failure.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace smeg {

class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v);
  void u32(uint32_t v);
  void u64(uint64_t v);
  void varint(uint64_t v);
  void bytes(const uint8_t* data, size_t len) { out_.insert(out_.end(), data, data + len); }
  template <size_t N>
  void array(const std::array<uint8_t, N>& a) {
    bytes(a.data(), N);
  }
  void string(std::string_view s);  // varint length + bytes
  size_t size() const { return out_.size(); }

 private:
  std::vector<uint8_t>& out_;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}

  uint8_t u8(const char* field);
  uint16_t u16(const char* field);
  uint32_t u32(const char* field);
  uint64_t u64(const char* field);
  uint64_t varint(const char* field);
  // A varint that must not exceed max.
  uint64_t varint_max(const char* field, uint64_t max);
  template <size_t N>
  std::array<uint8_t, N> array(const char* field) {
    std::array<uint8_t, N> a{};
    if (need(N, field)) {
      for (size_t i = 0; i < N; ++i) a[i] = in_[pos_ + i];
      pos_ += N;
    }
    return a;
  }
  // A string of at most max_len bytes.
  std::string string(const char* field, size_t max_len);
  // A count of elements that each take at least min_elem_bytes: capped by max and by what is left.
  size_t count(const char* field, size_t max, size_t min_elem_bytes = 1);
  // Raw bytes of a given length (a view into the input).
  std::span<const uint8_t> bytes(const char* field, size_t len);

  bool ok() const { return error_.empty(); }
  bool at_end() const { return pos_ == in_.size(); }
  size_t remaining() const { return ok() ? in_.size() - pos_ : 0; }
  size_t position() const { return pos_; }
  // Marks the input invalid with a message (for semantic checks by decoders).
  void fail(const char* field, std::string_view why);
  // The same, naming where the field started.
  void fail_at(const char* field, std::string_view why, size_t offset);
  // ok, or corruption naming the first failing field and its offset.
  Status status() const;
  // Fails unless every byte was consumed.
  Status finish();

 private:
  bool need(size_t n, const char* field);
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace smeg
