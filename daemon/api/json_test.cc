#include "daemon/api/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace smeg::api {
namespace {

Json must_parse(std::string_view text) {
  auto parsed = parse(text);
  EXPECT_TRUE(parsed) << text << ": " << parsed.status().to_string();
  return parsed ? *parsed : Json();
}

// The error message of parsing text, which must fail.
std::string parse_error(std::string_view text, ParseLimits limits = {}) {
  auto parsed = parse(text, limits);
  EXPECT_FALSE(parsed) << text << " parsed as " << (parsed ? parsed->dump() : "");
  return parsed ? std::string() : parsed.status().message();
}

TEST(Json, ParsesEveryKind) {
  const Json j = must_parse(
      R"( {"n": null, "t": true, "f": false, "i": -42, "d": 2.5, "s": "x", "a": [1, 2], "o": {}} )");
  ASSERT_TRUE(j.is_object());
  EXPECT_TRUE(j["n"].is_null());
  EXPECT_EQ(j["t"].get_bool(), true);
  EXPECT_EQ(j["f"].get_bool(), false);
  EXPECT_EQ(j["i"].get_int(), -42);
  EXPECT_TRUE(j["d"].is_double());
  EXPECT_EQ(j["d"].get_number(), 2.5);
  EXPECT_EQ(j["s"].get_string(), "x");
  EXPECT_EQ(j["a"].size(), 2u);
  EXPECT_EQ(j["a"][1].get_int(), 2);
  EXPECT_TRUE(j["o"].is_object());
  EXPECT_EQ(j.size(), 8u);
}

TEST(Json, IntegersAreExactAndOnlyWithoutFractionOrExponent) {
  EXPECT_EQ(must_parse("9223372036854775807").get_int(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(must_parse("-9223372036854775808").get_int(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(must_parse("9223372036854775807").dump(), "9223372036854775807");
  // One past int64 becomes a double.
  EXPECT_TRUE(must_parse("9223372036854775808").is_double());
  EXPECT_TRUE(must_parse("1.0").is_double());
  EXPECT_TRUE(must_parse("1e2").is_double());
  EXPECT_EQ(must_parse("1E2").get_number(), 100.0);
  EXPECT_TRUE(must_parse("-0").is_int());
  EXPECT_EQ(must_parse("0.5e-1").get_number(), 0.05);
}

TEST(Json, MissingKeysAndIndexesReadAsNullWithoutInserting) {
  const Json j = must_parse(R"({"a": [1]})");
  EXPECT_TRUE(j["b"].is_null());
  EXPECT_TRUE(j["a"][7].is_null());
  EXPECT_TRUE(j["a"]["x"].is_null());
  EXPECT_TRUE(j[0].is_null());
  EXPECT_EQ(j.size(), 1u);
  EXPECT_FALSE(j.object_members()->contains("b"));
}

TEST(Json, ObjectsKeepInsertionOrderAndSetReplacesInPlace) {
  Json j = Json::object().set("zeta", 1).set("alpha", 2).set("mid", 3);
  j.set("alpha", "two");
  EXPECT_EQ(j.dump(), R"({"zeta":1,"alpha":"two","mid":3})");
  EXPECT_EQ(j["alpha"].get_string(), "two");
  EXPECT_TRUE(j.object_members()->erase("zeta"));
  EXPECT_FALSE(j.object_members()->erase("zeta"));
  EXPECT_EQ(j.dump(), R"({"alpha":"two","mid":3})");
  EXPECT_EQ(j["mid"].get_int(), 3);  // the index survived the erase
  EXPECT_EQ(must_parse(R"({"b":1,"a":2,"c":3})").dump(), R"({"b":1,"a":2,"c":3})");
}

TEST(Json, BuildersTurnNullIntoContainers) {
  Json list;
  list.push(1).push("two").push(Json::object().set("three", 3.0));
  EXPECT_EQ(list.dump(), R"([1,"two",{"three":3.0}])");
  Json object;
  object.set("k", Json::array());
  EXPECT_EQ(object.dump(), R"({"k":[]})");
  EXPECT_EQ(Json(uint64_t{1} << 63).dump(), "9223372036854775808.0");  // now a double
  EXPECT_EQ(Json(std::numeric_limits<uint32_t>::max()).get_int(), 4294967295);
}

TEST(Json, TypedFieldsNameTheKey) {
  const Json j = must_parse(R"({"mesh": "m1", "port": 51820, "on": true, "peers": [], "o": {}})");
  EXPECT_EQ(*j.string_field("mesh"), "m1");
  EXPECT_EQ(*j.int_field("port"), 51820);
  EXPECT_EQ(*j.bool_field("on"), true);
  EXPECT_TRUE((*j.array_field("peers"))->empty());
  EXPECT_TRUE((*j.object_field("o"))->is_object());
  EXPECT_EQ(j.int_field("mesh").status().message(),
            "field \"mesh\": expected an integer, got string");
  EXPECT_EQ(j.string_field("port").status().message(),
            "field \"port\": expected a string, got number");
  EXPECT_EQ(j.bool_field("alias").status().message(), "field \"alias\": missing");
  EXPECT_EQ(j.array_field("o").status().message(), "field \"o\": expected an array, got object");
  EXPECT_EQ(j.object_field("peers").status().message(),
            "field \"peers\": expected an object, got array");
  EXPECT_EQ(Json(3).string_field("mesh").status().message(),
            "expected an object with field \"mesh\", got number");
}

TEST(Json, EqualityIsByValue) {
  EXPECT_EQ(must_parse(R"({"a":1,"b":[true,null]})"), must_parse(R"({"b":[true,null],"a":1})"));
  EXPECT_NE(must_parse(R"({"a":1})"), must_parse(R"({"a":1,"b":2})"));
  EXPECT_NE(must_parse(R"({"a":1})"), must_parse(R"({"b":1})"));
  EXPECT_NE(must_parse("[1,2]"), must_parse("[2,1]"));
  EXPECT_EQ(Json(1), Json(1.0));
  EXPECT_NE(Json(1), Json(1.5));
  EXPECT_NE(Json(1), Json("1"));
  EXPECT_NE(Json(), Json(false));
  // Exact across int64 and double: 2^53 + 1 is not the double 2^53.
  EXPECT_NE(Json(int64_t{9007199254740993}), Json(9007199254740992.0));
  EXPECT_EQ(compare_numbers(Json(int64_t{9007199254740993}), Json(9007199254740992.0)), 1);
  EXPECT_EQ(compare_numbers(Json(-2), Json(-1.5)), -1);
  EXPECT_EQ(compare_numbers(Json(-1), Json(-1.5)), 1);
  EXPECT_EQ(compare_numbers(Json(std::numeric_limits<int64_t>::max()), Json(9.3e18)), -1);
  EXPECT_EQ(compare_numbers(Json(std::numeric_limits<int64_t>::min()), Json(-9.3e18)), 1);
  EXPECT_NE(Json(std::nan("")), Json(std::nan("")));
}

TEST(Json, DumpsCompactAndPretty) {
  const Json j = must_parse(R"({"a": [1, {"b": null}], "c": {}, "d": [], "e": "x"})");
  EXPECT_EQ(j.dump(), R"({"a":[1,{"b":null}],"c":{},"d":[],"e":"x"})");
  EXPECT_EQ(j.dump_pretty(),
            "{\n"
            "  \"a\": [\n"
            "    1,\n"
            "    {\n"
            "      \"b\": null\n"
            "    }\n"
            "  ],\n"
            "  \"c\": {},\n"
            "  \"d\": [],\n"
            "  \"e\": \"x\"\n"
            "}");
  EXPECT_EQ(Json(7).dump_pretty(), "7");
}

TEST(Json, DumpsDoublesShortestAndReadableBackAsDoubles) {
  EXPECT_EQ(Json(0.1).dump(), "0.1");
  EXPECT_EQ(Json(1.0).dump(), "1.0");
  EXPECT_EQ(Json(-0.0).dump(), "-0.0");
  EXPECT_EQ(Json(1e21).dump(), "1e+21");
  EXPECT_EQ(Json(5e-324).dump(), "5e-324");
  EXPECT_EQ(Json(std::numeric_limits<double>::infinity()).dump(), "null");
  EXPECT_EQ(Json(std::nan("")).dump(), "null");
  for (const double d : {0.1, 1.0 / 3, 1e300, -2.5e-300, 123456789.0, 1.7976931348623157e308}) {
    const Json back = must_parse(Json(d).dump());
    ASSERT_TRUE(back.is_double()) << d;
    EXPECT_EQ(*back.get_number(), d);
  }
  EXPECT_TRUE(std::signbit(*must_parse("-0.0").get_number()));
}

TEST(Json, DumpEscapesControlCharactersAndRepairsBadUtf8) {
  EXPECT_EQ(Json(std::string("q\"b\\s/\b\f\n\r\t\x01\x1f\x7f", 14)).dump(),
            R"("q\"b\\s/\b\f\n\r\t\u0001\u001f)"
            "\x7f\"");
  EXPECT_EQ(Json(std::string("nul\0!", 5)).dump(), R"("nul\u0000!")");
  EXPECT_EQ(Json("h\xC3\xA9 \xF0\x9F\x98\x80").dump(), "\"h\xC3\xA9 \xF0\x9F\x98\x80\"");
  // A lone continuation byte and a truncated sequence each become U+FFFD.
  EXPECT_EQ(Json("a\x80z\xE2\x82").dump(), "\"a\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(Json, RoundTrips) {
  for (const char* text : {
           R"(null)",
           R"(true)",
           R"(0)",
           R"(-1)",
           R"(1.5)",
           R"("")",
           R"([])",
           R"({})",
           R"([[[[]]],{"":{"":[]}}])",
           R"({"k":"v\n\u0000\"","n":[1,2.25,-3e-7,null]})",
           R"("\ud83d\ude00 \u00e9 \u2028")",
       }) {
    const Json first = must_parse(text);
    const Json second = must_parse(first.dump());
    EXPECT_EQ(first, second) << text;
    EXPECT_EQ(second.dump(), first.dump()) << text;
    EXPECT_EQ(must_parse(first.dump_pretty()).dump(), first.dump()) << text;
  }
}

TEST(Json, DecodesEscapesAndSurrogatePairs) {
  EXPECT_EQ(must_parse(R"("\"\\\/\b\f\n\r\t")").get_string(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(must_parse(R"("\u0041\u00e9\u20AC")").get_string(), "A\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(must_parse(R"("\ud83d\ude00")").get_string(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(must_parse(R"("\uDBFF\uDFFF")").get_string(), "\xF4\x8F\xBF\xBF");  // U+10FFFF
  EXPECT_EQ(must_parse(R"("\u0000")").get_string()->size(), 1u);
  EXPECT_EQ(must_parse("\"\xF4\x8F\xBF\xBF\"").get_string(), "\xF4\x8F\xBF\xBF");
  EXPECT_EQ(must_parse("\"\xEF\xBB\xBF\"").get_string(), "\xEF\xBB\xBF");  // U+FEFF inside
}

TEST(Json, SyntaxErrorsNameTheOffset) {
  EXPECT_EQ(parse_error(""), "json: offset 0: unexpected end of input, expected a value");
  EXPECT_EQ(parse_error("   "), "json: offset 3: unexpected end of input, expected a value");
  EXPECT_EQ(parse_error("[1,]"), "json: offset 3: expected a value, got ']'");
  EXPECT_EQ(parse_error(R"({"a":1,})"), "json: offset 7: expected a string key, got '}'");
  EXPECT_EQ(parse_error("{a:1}"), "json: offset 1: expected a string key, got 'a'");
  EXPECT_EQ(parse_error(R"({"a" 1})"), "json: offset 5: expected ':', got '1'");
  EXPECT_EQ(parse_error("[1 2]"), "json: offset 3: expected ',' or ']', got '2'");
  EXPECT_EQ(parse_error(R"({"a":1 "b":2})"), "json: offset 7: expected ',' or '}', got '\"'");
  EXPECT_EQ(parse_error("[1"), "json: offset 2: unexpected end of input, expected ',' or ']'");
  EXPECT_EQ(parse_error(R"({"a":1)"),
            "json: offset 6: unexpected end of input, expected ',' or '}'");
  EXPECT_EQ(parse_error(R"({"a")"), "json: offset 4: unexpected end of input, expected ':'");
  EXPECT_EQ(parse_error("{"), "json: offset 1: unexpected end of input, expected a string key");
  EXPECT_EQ(parse_error("1 2"), "json: offset 2: unexpected '2' after the value");
  EXPECT_EQ(parse_error("{} x"), "json: offset 3: unexpected 'x' after the value");
  EXPECT_EQ(parse_error("/* c */ 1"), "json: offset 0: expected a value, got '/'");
  EXPECT_EQ(parse_error("[1] // c"), "json: offset 4: unexpected '/' after the value");
  EXPECT_EQ(parse_error("\xEF\xBB\xBF{}"), "json: offset 0: expected a value, got byte 0xef");
  EXPECT_EQ(parse_error("\v1"), "json: offset 0: expected a value, got byte 0x0b");
  EXPECT_EQ(parse_error("tru"), "json: offset 0: invalid literal, expected true");
  EXPECT_EQ(parse_error("[nul]"), "json: offset 1: invalid literal, expected null");
  EXPECT_EQ(parse_error("[fals]"), "json: offset 1: invalid literal, expected false");
  EXPECT_EQ(parse_error("NaN"), "json: offset 0: expected a value, got 'N'");
  EXPECT_EQ(parse_error("[Infinity]"), "json: offset 1: expected a value, got 'I'");
  EXPECT_EQ(parse_error("'a'"), "json: offset 0: expected a value, got '''");
}

TEST(Json, NumberErrorsNameTheOffset) {
  EXPECT_EQ(parse_error("[01]"), "json: offset 1: invalid number: leading zero");
  EXPECT_EQ(parse_error("[-]"), "json: offset 1: invalid number: expected a digit after '-'");
  EXPECT_EQ(parse_error("-x"), "json: offset 0: invalid number: expected a digit after '-'");
  EXPECT_EQ(parse_error("[1.]"), "json: offset 1: invalid number: expected a digit after '.'");
  EXPECT_EQ(parse_error("[.5]"), "json: offset 1: expected a value, got '.'");
  EXPECT_EQ(parse_error("[+1]"), "json: offset 1: expected a value, got '+'");
  EXPECT_EQ(parse_error("[1e]"),
            "json: offset 1: invalid number: expected a digit in the exponent");
  EXPECT_EQ(parse_error("1e+"), "json: offset 0: invalid number: expected a digit in the exponent");
  EXPECT_EQ(parse_error("[0x10]"), "json: offset 2: expected ',' or ']', got 'x'");
  EXPECT_EQ(parse_error("[1e400]"), "json: offset 1: number out of range");
  EXPECT_EQ(parse_error("-1e400"), "json: offset 0: number out of range");
  EXPECT_EQ(parse_error("1e-400"), "json: offset 0: number out of range");
  EXPECT_EQ(parse_error(std::string(400, '9')), "json: offset 0: number out of range");
}

TEST(Json, StringErrorsNameTheOffset) {
  EXPECT_EQ(parse_error(R"(["abc)"), "json: offset 1: unterminated string");
  EXPECT_EQ(parse_error("[\"a\nb\"]"), "json: offset 3: unescaped control character byte 0x0a");
  EXPECT_EQ(parse_error("\"\t\""), "json: offset 1: unescaped control character byte 0x09");
  EXPECT_EQ(parse_error(R"(["a\x"])"), "json: offset 3: invalid escape '\\' followed by 'x'");
  EXPECT_EQ(parse_error(R"("ab\)"), "json: offset 3: unterminated escape");
  EXPECT_EQ(parse_error(R"("\u12")"), "json: offset 1: \\u escape needs 4 hex digits, got '\"'");
  EXPECT_EQ(parse_error(R"("\u12)"), "json: offset 1: unterminated \\u escape");
  EXPECT_EQ(parse_error(R"("\uZZZZ")"), "json: offset 1: \\u escape needs 4 hex digits, got 'Z'");
  EXPECT_EQ(parse_error(R"("x\ud800")"),
            "json: offset 2: high surrogate \\ud800 not followed by a low surrogate");
  EXPECT_EQ(parse_error(R"("\ud800\u0041")"),
            "json: offset 1: high surrogate \\ud800 not followed by a low surrogate");
  EXPECT_EQ(parse_error(R"("\ud800\ud800")"),
            "json: offset 1: high surrogate \\ud800 not followed by a low surrogate");
  EXPECT_EQ(parse_error(R"("\ud800\u00")"),
            "json: offset 7: \\u escape needs 4 hex digits, got '\"'");
  EXPECT_EQ(parse_error(R"("\ud800\u00)"), "json: offset 7: unterminated \\u escape");
  EXPECT_EQ(parse_error(R"("\uDC00")"), "json: offset 1: unpaired low surrogate \\uDC00");
  EXPECT_EQ(parse_error(R"({"a":1,"b":2,"a":3})"), "json: offset 13: duplicate key \"a\"");
  // The first repeated key in input order is named, whatever the keys sort like.
  EXPECT_EQ(parse_error(R"({"b":1,"a":1,"b":2,"a":2})"), "json: offset 13: duplicate key \"b\"");
  EXPECT_EQ(parse_error(R"({"\u0061":1,"a":2})"), "json: offset 12: duplicate key \"a\"");
}

TEST(Json, RefusesIllFormedUtf8) {
  const char* bad[] = {
      "\"\x80\"",                  // stray continuation byte
      "\"\xC3\"",                  // truncated two-byte sequence
      "\"\xC3(\"",                 // lead byte followed by a non-continuation
      "\"\xC0\xAF\"",              // overlong '/'
      "\"\xE0\x80\xAF\"",          // overlong, three bytes
      "\"\xF0\x80\x80\xAF\"",      // overlong, four bytes
      "\"\xED\xA0\x80\"",          // UTF-16 surrogate D800 encoded in UTF-8
      "\"\xF4\x90\x80\x80\"",      // above U+10FFFF
      "\"\xF8\x88\x80\x80\x80\"",  // five-byte form
      "\"\xFF\"",
  };
  for (const char* text : bad) {
    EXPECT_EQ(parse_error(text), "json: offset 1: invalid UTF-8 in string") << text;
  }
  EXPECT_EQ(parse_error("[\"ok\", \"\xE2\x82\"]"), "json: offset 8: invalid UTF-8 in string");
  // Outside strings any non-ASCII byte is simply unexpected.
  EXPECT_EQ(parse_error("\xC3\xA9"), "json: offset 0: expected a value, got byte 0xc3");
}

TEST(Json, DepthIsLimited) {
  const std::string deep64 = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(parse(deep64));
  const std::string deep65 = std::string(65, '[') + std::string(65, ']');
  EXPECT_EQ(parse_error(deep65), "json: offset 64: nesting deeper than 64");
  EXPECT_EQ(parse_error(R"({"a":{"b":[1]}})", ParseLimits{.max_depth = 2}),
            "json: offset 10: nesting deeper than 2");
  EXPECT_EQ(parse_error("[]", ParseLimits{.max_depth = 0}),
            "json: offset 0: nesting deeper than 0");
  EXPECT_TRUE(parse("3", ParseLimits{.max_depth = 0}));
  // A million brackets fail at the limit, without recursing a million deep.
  const std::string huge(1 << 20, '[');
  EXPECT_EQ(parse_error(huge), "json: offset 64: nesting deeper than 64");
}

TEST(Json, SizeIsLimited) {
  EXPECT_TRUE(parse("[1, 2]", ParseLimits{.max_bytes = 6}));
  EXPECT_EQ(parse_error("[1, 2] ", ParseLimits{.max_bytes = 6}),
            "json: offset 6: input is longer than the limit of 6 bytes");
  EXPECT_EQ(parse_error(std::string((1 << 20) + 1, ' ')),
            "json: offset 1048576: input is longer than the limit of 1048576 bytes");
}

TEST(Json, ManyKeysKeepTheirOrderAndAreFoundByKey) {
  std::string text = "{";
  for (int i = 0; i < 50000; ++i) {
    if (i > 0) text += ',';
    text += "\"k" + std::to_string((i * 7919) % 50000) + "\":" + std::to_string(i);
  }
  text += '}';
  const Json j = must_parse(text);
  EXPECT_EQ(j.size(), 50000u);
  EXPECT_EQ(j["k7919"].get_int(), 1);
  EXPECT_EQ(j.dump(), text);
}

}  // namespace
}  // namespace smeg::api
