#include "core/wire.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace smeg {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes encode_varint(uint64_t v) {
  Bytes out;
  Writer(out).varint(v);
  return out;
}

bool mentions(const Status& s, const std::string& needle) {
  return s.message().find(needle) != std::string::npos;
}

TEST(Wire, FixedWidthIntegersAreBigEndian) {
  Bytes out;
  Writer w(out);
  w.u8(0xab);
  w.u16(0x0102);
  w.u32(0x03040506);
  w.u64(0x0708090a0b0c0d0eULL);
  EXPECT_EQ(out, (Bytes{0xab, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}));
  EXPECT_EQ(w.size(), 15u);
}

TEST(Wire, RoundTripsEveryPrimitive) {
  Bytes out;
  Writer w(out);
  const std::array<uint8_t, 5> arr{9, 8, 7, 6, 5};
  const uint8_t raw[3] = {0xde, 0xad, 0x00};
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, std::numeric_limits<uint64_t>::max()}) {
    w.u8(static_cast<uint8_t>(v));
    w.u16(static_cast<uint16_t>(v));
    w.u32(static_cast<uint32_t>(v));
    w.u64(v);
    w.varint(v);
  }
  w.array(arr);
  w.bytes(raw, sizeof(raw));
  w.string("");
  w.string(std::string("hello\0world", 11));

  Reader r(out);
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, std::numeric_limits<uint64_t>::max()}) {
    EXPECT_EQ(r.u8("u8"), static_cast<uint8_t>(v));
    EXPECT_EQ(r.u16("u16"), static_cast<uint16_t>(v));
    EXPECT_EQ(r.u32("u32"), static_cast<uint32_t>(v));
    EXPECT_EQ(r.u64("u64"), v);
    EXPECT_EQ(r.varint("varint"), v);
  }
  EXPECT_EQ(r.array<5>("array"), arr);
  auto span = r.bytes("bytes", 3);
  EXPECT_EQ(Bytes(span.begin(), span.end()), Bytes(raw, raw + 3));
  EXPECT_EQ(r.string("empty", 10), "");
  EXPECT_EQ(r.string("nul", 11), std::string("hello\0world", 11));
  EXPECT_TRUE(r.at_end());
  EXPECT_TRUE(r.finish().is_ok());
}

TEST(Wire, VarintErrorsNameWhereTheFieldStarts) {
  const Bytes bad{9, 0x80, 0x00};  // a byte, then a non-minimal varint starting at offset 1
  Reader r(bad);
  EXPECT_EQ(r.u8("lead"), 9);
  r.varint("count");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("count at offset 1"), std::string::npos)
      << r.status().message();
  const Bytes big{7, 0x85, 0x01};  // 133 > 100
  Reader r2(big);
  r2.u8("lead");
  r2.varint_max("size", 100);
  EXPECT_NE(r2.status().message().find("size at offset 1"), std::string::npos)
      << r2.status().message();
}

TEST(Wire, VarintEdgeCases) {
  const uint64_t two63 = uint64_t{1} << 63;
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(encode_varint(0), (Bytes{0x00}));
  EXPECT_EQ(encode_varint(127), (Bytes{0x7f}));
  EXPECT_EQ(encode_varint(128), (Bytes{0x80, 0x01}));
  EXPECT_EQ(encode_varint(300), (Bytes{0xac, 0x02}));
  EXPECT_EQ(encode_varint(two63),
            (Bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}));
  EXPECT_EQ(encode_varint(max),
            (Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));

  for (uint64_t v : {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{16383}, uint64_t{16384},
                     two63 - 1, two63, max}) {
    const Bytes enc = encode_varint(v);
    Reader r(enc);
    EXPECT_EQ(r.varint("v"), v);
    EXPECT_TRUE(r.finish().is_ok()) << v;
  }
}

TEST(Wire, RejectsNonMinimalVarint) {
  for (const Bytes& enc : {Bytes{0x80, 0x00}, Bytes{0xff, 0x00}, Bytes{0x81, 0x80, 0x00},
                           Bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}}) {
    Reader r(enc);
    EXPECT_EQ(r.varint("count"), 0u);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
    EXPECT_TRUE(mentions(r.status(), "non-minimal")) << r.status().message();
  }
}

TEST(Wire, RejectsOverlongVarint) {
  // Tenth byte carrying more than the 64th bit.
  const Bytes overflow{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
  // Eleven bytes: a continuation bit on the tenth.
  const Bytes eleven{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x01};
  // Long runs of continuation bytes must stop at ten bytes, not read on.
  const Bytes endless(64, 0xff);
  for (const Bytes& enc : {overflow, eleven, endless}) {
    Reader r(enc);
    EXPECT_EQ(r.varint("v"), 0u);
    EXPECT_FALSE(r.ok());
    EXPECT_LE(r.position(), 10u);
  }
}

TEST(Wire, TruncatedVarintFails) {
  const Bytes enc{0x80, 0x80};
  Reader r(enc);
  EXPECT_EQ(r.varint("len"), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.status(), "truncated"));
}

TEST(Wire, VarintMaxEnforced) {
  const Bytes enc = encode_varint(101);
  Reader ok_reader(enc);
  EXPECT_EQ(ok_reader.varint_max("n", 101), 101u);
  EXPECT_TRUE(ok_reader.ok());
  Reader r(enc);
  EXPECT_EQ(r.varint_max("n", 100), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.status(), "101")) << r.status().message();
}

TEST(Wire, StringMaxLengthEnforced) {
  Bytes out;
  Writer(out).string("abcd");
  Reader fits(out);
  EXPECT_EQ(fits.string("alias", 4), "abcd");
  EXPECT_TRUE(fits.finish().is_ok());

  Reader too_long(out);
  EXPECT_EQ(too_long.string("alias", 3), "");
  EXPECT_FALSE(too_long.ok());
  EXPECT_TRUE(mentions(too_long.status(), "alias")) << too_long.status().message();

  // A length prefix beyond the input is a truncation, not an allocation.
  const Bytes lying{0x0a, 'x'};
  Reader truncated(lying);
  EXPECT_EQ(truncated.string("alias", 1000), "");
  EXPECT_FALSE(truncated.ok());
}

TEST(Wire, CountCappedByMaxAndRemainingBytes) {
  Bytes out;
  Writer w(out);
  w.varint(5);
  for (int i = 0; i < 10; ++i) w.u8(0);

  Reader fits(out);
  EXPECT_EQ(fits.count("items", 100, 2), 5u);  // 10 bytes left, 2 per element: up to 5
  EXPECT_TRUE(fits.ok());

  Reader too_big(out);
  EXPECT_EQ(too_big.count("items", 100, 3), 0u);  // 5 * 3 > 10
  EXPECT_FALSE(too_big.ok());
  EXPECT_TRUE(mentions(too_big.status(), "items"));

  Reader over_max(out);
  EXPECT_EQ(over_max.count("items", 4, 1), 0u);
  EXPECT_FALSE(over_max.ok());

  // A huge claimed count in a tiny input is rejected.
  const Bytes huge = encode_varint(uint64_t{1} << 40);
  Reader r(huge);
  EXPECT_EQ(r.count("entries", std::numeric_limits<size_t>::max(), 1), 0u);
  EXPECT_FALSE(r.ok());
}

TEST(Wire, ErrorNamesFieldAndOffset) {
  const Bytes in{1, 2, 3};
  Reader r(in);
  r.u16("header.kind");
  r.u32("body.length");  // only one byte left
  const Status s = r.status();
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_TRUE(mentions(s, "body.length")) << s.message();
  EXPECT_TRUE(mentions(s, "offset 2")) << s.message();
  EXPECT_TRUE(mentions(s, "truncated")) << s.message();
}

TEST(Wire, FailureIsSticky) {
  Bytes in;
  Writer w(in);
  w.u8(0xff);
  w.u64(42);
  w.varint(7);
  Reader r(in);
  r.u32("first");  // 10 bytes in: fits
  ASSERT_TRUE(r.ok());
  r.u64("second");  // 6 bytes left: fails
  ASSERT_FALSE(r.ok());
  const std::string first_error = r.status().message();
  EXPECT_TRUE(mentions(r.status(), "second"));

  // Later reads return zero values and never replace the first error, even reads that fit.
  EXPECT_EQ(r.u8("third"), 0u);
  EXPECT_EQ(r.varint("fourth"), 0u);
  EXPECT_EQ(r.string("fifth", 10), "");
  EXPECT_EQ(r.array<2>("sixth"), (std::array<uint8_t, 2>{}));
  EXPECT_TRUE(r.bytes("seventh", 1).empty());
  r.fail("eighth", "semantic");
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(r.status().message(), first_error);
  EXPECT_EQ(r.finish().message(), first_error);
}

TEST(Wire, FinishRejectsTrailingBytes) {
  const Bytes in{1, 2};
  Reader r(in);
  r.u8("a");
  const Status s = r.finish();
  EXPECT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s, "trailing")) << s.message();
}

TEST(Wire, SemanticFailNamesField) {
  const Bytes in{0};
  Reader r(in);
  r.u8("record.version");
  r.fail("record.version", "must be positive");
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.status(), "record.version at offset 1"));
  EXPECT_TRUE(mentions(r.status(), "must be positive"));
}

}  // namespace
}  // namespace smeg
