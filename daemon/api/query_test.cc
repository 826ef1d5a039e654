#include "daemon/api/query.h"

#include <gtest/gtest.h>

#include <string>

namespace smeg::api {
namespace {

Json doc(std::string_view text) {
  auto parsed = parse(text);
  EXPECT_TRUE(parsed) << parsed.status().to_string();
  return parsed ? *parsed : Json();
}

// The compact JSON of expression evaluated on data, or "error: <message>".
std::string eval(std::string_view expression, const Json& data) {
  auto result = search(expression, data);
  if (!result) return "error: " + result.status().message();
  return result->dump();
}

std::string compile_error(std::string_view expression) {
  auto query = compile(expression);
  EXPECT_FALSE(query) << expression;
  return query ? std::string() : query.status().message();
}

// The examples below come from the JMESPath specification and tutorial.

TEST(Query, IdentifiersAndSubexpressions) {
  const Json d = doc(R"({"foo": {"bar": {"baz": "correct"}, "x y": 1, "q\"": 2}, "a": null})");
  EXPECT_EQ(eval("foo.bar.baz", d), R"("correct")");
  EXPECT_EQ(eval("foo.bar", d), R"({"baz":"correct"})");
  EXPECT_EQ(eval("foo.nope.baz", d), "null");
  EXPECT_EQ(eval("foo.bar.baz.deeper", d), "null");
  EXPECT_EQ(eval(R"(foo."x y")", d), "1");
  EXPECT_EQ(eval(R"("foo"."q\"")", d), "2");
  EXPECT_EQ(eval(R"("fo\u006f".bar.baz)", d), R"("correct")");
  EXPECT_EQ(eval("@.foo.bar", d), R"({"baz":"correct"})");
  EXPECT_EQ(eval("a", d), "null");
  EXPECT_EQ(eval("foo", doc("[1]")), "null");
}

TEST(Query, IndexesAndSlices) {
  const Json d = doc("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]");
  EXPECT_EQ(eval("[0]", d), "0");
  EXPECT_EQ(eval("[-1]", d), "9");
  EXPECT_EQ(eval("[-10]", d), "0");
  EXPECT_EQ(eval("[10]", d), "null");
  EXPECT_EQ(eval("[-11]", d), "null");
  EXPECT_EQ(eval("[0:5]", d), "[0,1,2,3,4]");
  EXPECT_EQ(eval("[5:10]", d), "[5,6,7,8,9]");
  EXPECT_EQ(eval("[:3]", d), "[0,1,2]");
  EXPECT_EQ(eval("[::2]", d), "[0,2,4,6,8]");
  EXPECT_EQ(eval("[::-1]", d), "[9,8,7,6,5,4,3,2,1,0]");
  EXPECT_EQ(eval("[-3:]", d), "[7,8,9]");
  EXPECT_EQ(eval("[8:2:-2]", d), "[8,6,4]");
  EXPECT_EQ(eval("[-100:100]", d), "[0,1,2,3,4,5,6,7,8,9]");
  EXPECT_EQ(eval("[100:-100:-1]", d), "[9,8,7,6,5,4,3,2,1,0]");
  EXPECT_EQ(eval("[5:2]", d), "[]");
  EXPECT_EQ(eval("[1:9:9223372036854775807]", d), "[1]");
  EXPECT_EQ(eval("[8:0:-9223372036854775808]", d), "[8]");
  EXPECT_EQ(eval("[:]", doc("[]")), "[]");
  EXPECT_EQ(eval("[::-1]", doc("[]")), "[]");
  EXPECT_EQ(eval("[0:2]", doc(R"({"a":1})")), "null");
  EXPECT_EQ(eval("a[1][0]", doc(R"({"a": [[1], [2, 3]]})")), "2");
}

TEST(Query, ListProjections) {
  const Json d =
      doc(R"({"people": [{"first": "James", "last": "d"}, {"first": "Jacob", "last": "e"},
                                    {"first": "Jayden", "last": "f"}, {"missing": "different"}],
                         "foo": {"bar": "baz"}})");
  EXPECT_EQ(eval("people[*].first", d), R"(["James","Jacob","Jayden"])");
  EXPECT_EQ(eval("people[:2].first", d), R"(["James","Jacob"])");
  EXPECT_EQ(eval("people[*].first | [0]", d), R"("James")");
  // [0] applies to each first name (a string): null, so dropped.
  EXPECT_EQ(eval("people[*].first[0]", d), "[]");
  EXPECT_EQ(eval("foo[*].bar", d), "null");
  EXPECT_EQ(eval("people[*]", d), d["people"].dump());
  const Json reservations = doc(R"({"reservations": [
      {"instances": [{"state": "running"}, {"state": "stopped"}]},
      {"instances": [{"state": "terminated"}, {"state": "running"}]}]})");
  EXPECT_EQ(eval("reservations[*].instances[*].state", reservations),
            R"([["running","stopped"],["terminated","running"]])");
  EXPECT_EQ(eval("reservations[].instances[].state", reservations),
            R"(["running","stopped","terminated","running"])");
  EXPECT_EQ(eval("reservations[*].instances[*].state | [1][0]", reservations), R"("terminated")");
}

TEST(Query, ObjectProjections) {
  const Json d = doc(R"({"ops": {"functionA": {"numArgs": 2}, "functionB": {"numArgs": 3},
                                 "functionC": {"variadic": true}}})");
  EXPECT_EQ(eval("ops.*.numArgs", d), "[2,3]");
  EXPECT_EQ(eval("ops.*", d), R"([{"numArgs":2},{"numArgs":3},{"variadic":true}])");
  EXPECT_EQ(eval("*.functionA", d), R"([{"numArgs":2}])");
  EXPECT_EQ(eval("ops.functionA.*", d), "[2]");
  EXPECT_EQ(eval("ops.*.numArgs.*", d), "[]");
  EXPECT_EQ(eval("*", doc("[1]")), "null");
  const Json nested = doc(R"({"top1": {"sub1": {"foo": "one"}}, "top2": {"sub1": {"foo": "two"}},
                              "top3": {"sub3": {"notfoo": "notfoo"}}})");
  EXPECT_EQ(eval("*.*.foo", nested), R"([["one"],["two"],[]])");
  EXPECT_EQ(eval("*.sub1.foo", nested), R"(["one","two"])");
  // The path after .* stays in the projection (jmespath.py issue 182 drops it after one key).
  const Json deep = doc(R"({"foo": {"a": {"bar": {"baz": 123}}, "b": {"bar": 1}}})");
  EXPECT_EQ(eval("foo.*.bar.*", deep), "[[123]]");
  EXPECT_EQ(eval("foo.*.bar.baz", deep), "[123]");
  EXPECT_EQ(eval("foo.*.bar | [1]", deep), "1");
}

TEST(Query, Flatten) {
  EXPECT_EQ(eval("[]", doc("[[0, 1], 2, [3], 4, [5, [6, 7]]]")), "[0,1,2,3,4,5,[6,7]]");
  EXPECT_EQ(eval("[][]", doc("[[0, 1], 2, [3], 4, [5, [6, 7]]]")), "[0,1,2,3,4,5,6,7]");
  const Json d = doc(R"({"foo": [{"bar": 1}, {"bar": 2}, {"baz": 3}, [{"bar": 4}]]})");
  EXPECT_EQ(eval("foo[].bar", d), "[1,2,4]");
  EXPECT_EQ(eval("foo[]", doc(R"({"foo": {"a": 1}})")), "null");
}

TEST(Query, Filters) {
  const Json people = doc(R"({"people": [{"name": "a", "age": 10}, {"name": "b", "age": 20},
                                         {"name": "c", "age": 30}, {"name": "d"}]})");
  EXPECT_EQ(eval("people[?age > `20`].name", people), R"(["c"])");
  EXPECT_EQ(eval("people[?age >= `20`].name", people), R"(["b","c"])");
  EXPECT_EQ(eval("people[?age < `20`].name", people), R"(["a"])");
  EXPECT_EQ(eval("people[?age <= `20`].name", people), R"(["a","b"])");
  EXPECT_EQ(eval("people[?age == `20`].name", people), R"(["b"])");
  EXPECT_EQ(eval("people[?age != `20`].name", people), R"(["a","c","d"])");
  EXPECT_EQ(eval("people[?age > `10` && age < `30`].name", people), R"(["b"])");
  EXPECT_EQ(eval("people[?age < `15` || name == 'd'].name", people), R"(["a","d"])");
  EXPECT_EQ(eval("people[?!age].name", people), R"(["d"])");
  EXPECT_EQ(eval("people[?!(age > `10`)].name", people), R"(["a","d"])");
  EXPECT_EQ(eval("people[?age > `15`] | [0].name", people), R"("b")");
  EXPECT_EQ(eval("people[?age == `20.0`].name", people), R"(["b"])");
  const Json locations = doc(R"({"locations": [
      {"name": "Seattle", "state": "WA"}, {"name": "New York", "state": "NY"},
      {"name": "Bellevue", "state": "WA"}, {"name": "Olympia", "state": "WA"}]})");
  EXPECT_EQ(eval("locations[?state == 'WA'].name | sort(@)", locations),
            R"(["Bellevue","Olympia","Seattle"])");
  EXPECT_EQ(eval("locations[?state == 'WA'].name | sort(@) | {WashingtonCities: join(', ', @)}",
                 locations),
            R"({"WashingtonCities":"Bellevue, Olympia, Seattle"})");
  EXPECT_EQ(eval("[?@ > `1`]", doc("[1, 2, 3]")), "[2,3]");
  EXPECT_EQ(eval("[?a == b]", doc(R"([{"a": [1, {"x": 2}], "b": [1, {"x": 2}]}, {"a": 1}])")),
            R"([{"a":[1,{"x":2}],"b":[1,{"x":2}]}])");
  EXPECT_EQ(eval("foo[?a]", doc(R"({"foo": {"a": 1}})")), "null");
  EXPECT_EQ(eval("[?a][]", doc(R"([{"a": [1]}, {"a": []}, {"a": [2, 3]}])")),
            R"([{"a":[1]},{"a":[2,3]}])");
}

TEST(Query, ComparisonsAndTruthiness) {
  const Json d = doc(R"({"True": true, "False": false, "Number": 5, "EmptyList": [], "Zero": 0,
                         "ZeroFloat": 0.0, "one": 1, "two": 2, "s": "a"})");
  EXPECT_EQ(eval("True && False", d), "false");
  EXPECT_EQ(eval("True && Number", d), "5");
  EXPECT_EQ(eval("Number && EmptyList", d), "[]");
  EXPECT_EQ(eval("EmptyList && True", d), "[]");
  EXPECT_EQ(eval("Number || EmptyList", d), "5");
  EXPECT_EQ(eval("Number || True && False", d), "5");
  EXPECT_EQ(eval("(Number || True) && False", d), "false");
  EXPECT_EQ(eval("!EmptyList", d), "true");
  EXPECT_EQ(eval("!Zero", d), "false");
  EXPECT_EQ(eval("!!Zero", d), "true");
  EXPECT_EQ(eval("ZeroFloat || Number", d), "0.0");
  EXPECT_EQ(eval("nothing || ''", d), R"("")");
  EXPECT_EQ(eval("one < two", d), "true");
  EXPECT_EQ(eval("one >= two", d), "false");
  EXPECT_EQ(eval("EmptyList < one", d), "null");
  EXPECT_EQ(eval("s < 'b'", d), "null");  // ordering is for numbers only
  EXPECT_EQ(eval("one < nothing", d), "null");
  EXPECT_EQ(eval("nothing == nada", d), "true");
  EXPECT_EQ(eval("one == `1.0`", d), "true");
  EXPECT_EQ(eval("`{\"a\": [1, 2]}` == `{\"a\": [1, 2.0]}`", d), "true");
  EXPECT_EQ(eval("one == '1'", d), "false");
}

TEST(Query, Literals) {
  const Json d = doc("{}");
  EXPECT_EQ(eval("`\"foo\"`", d), R"("foo")");
  EXPECT_EQ(eval("`[1, {\"a\": null}]`", d), R"([1,{"a":null}])");
  EXPECT_EQ(eval("`-2.5e3`", d), "-2500.0");
  EXPECT_EQ(eval("`\"back\\`quote\"`", d), R"("back`quote")");
  EXPECT_EQ(eval("'raw'", d), R"("raw")");
  EXPECT_EQ(eval(R"('it\'s')", d), R"("it's")");
  EXPECT_EQ(eval(R"('a\\b')", d), R"("a\\b")");
  EXPECT_EQ(eval(R"('a\nb')", d), R"("a\\nb")");  // other escapes stay as written
  EXPECT_EQ(eval("'caf\xC3\xA9'", d), "\"caf\xC3\xA9\"");
  EXPECT_EQ(eval("@", doc("[1]")), "[1]");
}

TEST(Query, MultiSelect) {
  const Json d = doc(R"({"people": [{"name": "a", "state": {"name": "up"}},
                                    {"name": "b", "state": {"name": "down"}}],
                         "foo": {"bar": 1, "baz": [2, 3]}})");
  EXPECT_EQ(eval("people[].[name, state.name]", d), R"([["a","up"],["b","down"]])");
  EXPECT_EQ(eval("people[].{Name: name, State: state.name}", d),
            R"([{"Name":"a","State":"up"},{"Name":"b","State":"down"}])");
  EXPECT_EQ(eval("foo.[bar, baz[0]]", d), "[1,2]");
  EXPECT_EQ(eval(R"(foo.{"b a r": bar, z: missing})", d), R"({"b a r":1,"z":null})");
  EXPECT_EQ(eval("[foo.bar, `7`]", d), "[1,7]");
  EXPECT_EQ(eval("missing.[a, b]", d), "null");
  EXPECT_EQ(eval("missing.{a: a}", d), "null");
  EXPECT_EQ(eval("{a: foo.bar}.a", d), "1");
}

TEST(Query, Pipes) {
  const Json d = doc(R"({"foo": {"bar": {"baz": [{"x": 1}, {"x": 2}]}}})");
  EXPECT_EQ(eval("foo | bar | baz[*].x", d), "[1,2]");
  EXPECT_EQ(eval("foo.bar.baz[*] | [0]", d), R"({"x":1})");
  EXPECT_EQ(eval("foo.bar.baz[*].x | [1]", d), "2");
  EXPECT_EQ(eval("(foo.bar.baz[*]).x", d), "null");  // parentheses end the projection
}

TEST(Query, Functions) {
  const Json d = doc(R"({"people": [{"name": "b", "age": 30}, {"name": "a", "age": 20},
                                    {"name": "c", "age": 30}],
                         "s": "h\u00e9llo", "o": {"k1": 1, "k2": [2]}, "n": [3, 1.5, 2],
                         "w": ["b", "a", "c"], "e": []})");
  EXPECT_EQ(eval("length(people)", d), "3");
  EXPECT_EQ(eval("length(s)", d), "5");  // code points, not bytes
  EXPECT_EQ(eval("length(o)", d), "2");
  EXPECT_EQ(eval("people[?length(name) == `1`] | length(@)", d), "3");
  EXPECT_EQ(eval("contains(w, 'a')", d), "true");
  EXPECT_EQ(eval("contains(n, `1.5`)", d), "true");
  EXPECT_EQ(eval("contains(s, 'll')", d), "true");
  EXPECT_EQ(eval("contains(s, `1`)", d), "false");
  EXPECT_EQ(eval("keys(o)", d), R"(["k1","k2"])");
  EXPECT_EQ(eval("values(o)", d), R"([1,[2]])");
  EXPECT_EQ(eval("sort(n)", d), "[1.5,2,3]");
  EXPECT_EQ(eval("sort(w)", d), R"(["a","b","c"])");
  EXPECT_EQ(eval("sort(e)", d), "[]");
  EXPECT_EQ(eval("sort_by(people, &age)[].name", d), R"(["a","b","c"])");  // stable
  EXPECT_EQ(eval("sort_by(people, &name)[].age", d), "[20,30,30]");
  EXPECT_EQ(eval("max_by(people, &age).name", d), R"("b")");
  EXPECT_EQ(eval("min_by(people, &age).name", d), R"("a")");
  EXPECT_EQ(eval("max_by(people, &name).name", d), R"("c")");
  EXPECT_EQ(eval("max_by(e, &age)", d), "null");
  EXPECT_EQ(eval("max(n)", d), "3");
  EXPECT_EQ(eval("min(n)", d), "1.5");
  EXPECT_EQ(eval("max(w)", d), R"("c")");
  EXPECT_EQ(eval("min(e)", d), "null");
  EXPECT_EQ(eval("starts_with(s, 'h')", d), "true");
  EXPECT_EQ(eval("ends_with(s, 'lo')", d), "true");
  EXPECT_EQ(eval("people[?starts_with(name, 'b')].age", d), "[30]");
  EXPECT_EQ(eval("to_string(o)", d), R"("{\"k1\":1,\"k2\":[2]}")");
  EXPECT_EQ(eval("to_string(s)", d), "\"h\xC3\xA9llo\"");
  EXPECT_EQ(eval("[type(s), type(n[0]), type(o), type(e), type(missing), type(`true`)]", d),
            R"(["string","number","object","array","null","boolean"])");
  EXPECT_EQ(eval("not_null(missing, `null`, s)", d), "\"h\xC3\xA9llo\"");
  EXPECT_EQ(eval("not_null(missing)", d), "null");
  EXPECT_EQ(eval("join('-', w)", d), R"("b-a-c")");
  EXPECT_EQ(eval("join('-', e)", d), R"("")");
  EXPECT_EQ(eval("reverse(w)", d), R"(["c","a","b"])");
  EXPECT_EQ(eval("reverse(s)", d), "\"oll\xC3\xA9h\"");
  EXPECT_EQ(eval("people[*].name | reverse(@) | [0]", d), R"("c")");
  EXPECT_EQ(eval("length(@)", d), "6");
  EXPECT_EQ(eval("o.length(@)", d), "2");
}

TEST(Query, FunctionTypeErrorsNameTheArgument) {
  const Json d = doc(R"({"n": 1, "a": [1, "x"], "p": [{"k": 1}, {"k": true}], "s": "x"})");
  EXPECT_EQ(eval("length(n)", d),
            "error: query: offset 7: length() argument 1: expected a string, array or object, "
            "got number");
  EXPECT_EQ(eval("sort(a)", d),
            "error: query: offset 5: sort() argument 1: expected an array of numbers or of "
            "strings, got an array with string at index 1");
  EXPECT_EQ(eval("max(s)", d),
            "error: query: offset 4: max() argument 1: expected an array of numbers or of "
            "strings, got string");
  EXPECT_EQ(eval("sort_by(p, &k)", d),
            "error: query: offset 11: sort_by() expression must give all numbers or all "
            "strings, got boolean for element 1");
  EXPECT_EQ(eval("min_by(s, &k)", d),
            "error: query: offset 7: min_by() argument 1: expected an array, got string");
  EXPECT_EQ(eval("keys(a)", d),
            "error: query: offset 5: keys() argument 1: expected an object, got array");
  EXPECT_EQ(eval("values(n)", d),
            "error: query: offset 7: values() argument 1: expected an object, got number");
  EXPECT_EQ(eval("contains(n, `1`)", d),
            "error: query: offset 9: contains() argument 1: expected an array or a string, got "
            "number");
  EXPECT_EQ(eval("starts_with(s, n)", d),
            "error: query: offset 15: starts_with() argument 2: expected a string, got number");
  EXPECT_EQ(eval("ends_with(n, s)", d),
            "error: query: offset 10: ends_with() argument 1: expected a string, got number");
  EXPECT_EQ(eval("join(n, a)", d),
            "error: query: offset 5: join() argument 1: expected a string, got number");
  EXPECT_EQ(eval("join(',', a)", d),
            "error: query: offset 10: join() argument 2: expected an array of strings, got an "
            "array with number at index 0");
  EXPECT_EQ(eval("join(',', s)", d),
            "error: query: offset 10: join() argument 2: expected an array of strings, got "
            "string");
  EXPECT_EQ(eval("reverse(n)", d),
            "error: query: offset 8: reverse() argument 1: expected a string or an array, got "
            "number");
  // A type error inside a projection stops the whole evaluation.
  EXPECT_EQ(eval("p[*].length(k)", d),
            "error: query: offset 12: length() argument 1: expected a string, array or object, "
            "got number");
}

TEST(Query, LexicalErrorsNameTheOffset) {
  EXPECT_EQ(compile_error("foo = 1"), "query: offset 4: '=' is not an operator, use '=='");
  EXPECT_EQ(compile_error("foo#"), "query: offset 3: unexpected '#'");
  EXPECT_EQ(compile_error("a\x01"), "query: offset 1: unexpected byte 0x01");
  EXPECT_EQ(compile_error("[-]"), "query: offset 1: expected a digit after '-'");
  EXPECT_EQ(compile_error("[99999999999999999999]"), "query: offset 1: number out of range");
  EXPECT_EQ(compile_error("a == 'abc"), "query: offset 5: unterminated raw string");
  EXPECT_EQ(compile_error("a == `[1, 2"), "query: offset 5: unterminated JSON literal");
  EXPECT_EQ(compile_error("foo.\"bar"), "query: offset 4: unterminated quoted identifier");
  EXPECT_EQ(compile_error("a == `[1, 2,]`"), "query: offset 12: expected a value, got ']'");
  EXPECT_EQ(compile_error("a == `foo`"), "query: offset 6: invalid literal, expected false");
  EXPECT_EQ(compile_error("a == `{\"a\":1,\"a\":2}`"), "query: offset 13: duplicate key \"a\"");
  EXPECT_EQ(compile_error("foo.\"a\\qb\""), "query: offset 6: invalid escape '\\' followed by 'q'");
  EXPECT_EQ(compile_error("'\xC3'"), "query: offset 1: invalid UTF-8");
  EXPECT_EQ(compile_error(std::string(kMaxQueryBytes + 1, 'a')),
            "query: offset 4096: expression is longer than the limit of 4096 bytes");
  EXPECT_TRUE(compile(std::string(kMaxQueryBytes, 'a')));
}

TEST(Query, SyntaxErrorsNameTheOffset) {
  EXPECT_EQ(compile_error(""), "query: offset 0: unexpected end of expression");
  EXPECT_EQ(compile_error("  "), "query: offset 2: unexpected end of expression");
  EXPECT_EQ(compile_error("foo."),
            "query: offset 4: expected an identifier, '*', '[' or '{' after '.', got end of "
            "expression");
  EXPECT_EQ(compile_error("foo.`1`"),
            "query: offset 4: expected an identifier, '*', '[' or '{' after '.', got '`1`'");
  EXPECT_EQ(compile_error("foo bar"), "query: offset 4: unexpected 'bar'");
  EXPECT_EQ(compile_error("foo["),
            "query: offset 4: expected a number, ':' or '*' after '[', got end of expression");
  EXPECT_EQ(compile_error("foo[bar]"),
            "query: offset 4: expected a number, ':' or '*' after '[', got 'bar'");
  EXPECT_EQ(compile_error("foo[0"), "query: offset 5: expected ']', got end of expression");
  EXPECT_EQ(compile_error("foo[*"), "query: offset 5: expected ']', got end of expression");
  EXPECT_EQ(compile_error("[a, b"), "query: offset 5: expected ',' or ']', got end of expression");
  EXPECT_EQ(compile_error("[1, 2]"), "query: offset 2: expected ']', got ','");  // [1 is an index
  EXPECT_EQ(compile_error("[1:2:3:4]"), "query: offset 6: a slice has at most two ':'");
  EXPECT_EQ(compile_error("[1:2 3]"),
            "query: offset 5: expected a number, ':' or ']' in a slice, got '3'");
  EXPECT_EQ(compile_error("foo[::0]"), "query: offset 6: slice step cannot be 0");
  EXPECT_EQ(compile_error("a[?b"), "query: offset 4: expected ']', got end of expression");
  EXPECT_EQ(compile_error("a[?b == ]"), "query: offset 8: unexpected ']'");
  EXPECT_EQ(compile_error("a ||"), "query: offset 4: unexpected end of expression");
  EXPECT_EQ(compile_error("(a"), "query: offset 2: expected ')', got end of expression");
  EXPECT_EQ(compile_error("{a b}"), "query: offset 3: expected ':', got 'b'");
  EXPECT_EQ(compile_error("{`1`: b}"), "query: offset 1: expected a key, got '`1`'");
  EXPECT_EQ(compile_error("{a: b c}"), "query: offset 6: expected ',' or '}', got 'c'");
  EXPECT_EQ(compile_error("a[*] b"), "query: offset 5: unexpected 'b'");
  EXPECT_EQ(compile_error("a[*]{b: c}"), "query: offset 4: unexpected '{' after a projection");
  EXPECT_EQ(compile_error("a *"), "query: offset 2: unexpected '*'");
  EXPECT_EQ(compile_error("]"), "query: offset 0: unexpected ']'");
}

TEST(Query, FunctionCallErrorsNameTheOffset) {
  EXPECT_EQ(compile_error("nope(@)"), "query: offset 0: unknown function nope()");
  EXPECT_EQ(compile_error("a.nope(@)"), "query: offset 2: unknown function nope()");
  EXPECT_EQ(compile_error("\"length\"(@)"), "query: offset 0: a function name cannot be quoted");
  EXPECT_EQ(compile_error("length(@, @)"), "query: offset 0: length() takes 1 argument, got 2");
  EXPECT_EQ(compile_error("x | sort_by(@)"), "query: offset 4: sort_by() takes 2 arguments, got 1");
  EXPECT_EQ(compile_error("not_null()"),
            "query: offset 0: not_null() takes at least 1 argument, got 0");
  EXPECT_EQ(compile_error("length(@"),
            "query: offset 8: expected ',' or ')', got end of expression");
  EXPECT_EQ(compile_error("sort_by(@, age)"),
            "query: offset 11: sort_by() argument 2 must be an expression reference (&expr)");
  EXPECT_EQ(compile_error("&foo"),
            "query: offset 0: '&' is only allowed for a function argument that takes an "
            "expression");
  EXPECT_EQ(compile_error("length(&foo)"),
            "query: offset 7: '&' is only allowed for a function argument that takes an "
            "expression");
  EXPECT_EQ(compile_error("[0](@)"), "query: offset 3: only a function name can be called");
}

TEST(Query, NestingIsLimited) {
  // Parentheses recurse in the parser: 63 of them and the identifier make 64 levels.
  EXPECT_TRUE(compile(std::string(63, '(') + "a" + std::string(63, ')')));
  EXPECT_EQ(compile_error(std::string(64, '(') + "a" + std::string(64, ')')),
            "query: offset 64: expression nests deeper than 64");
  EXPECT_EQ(compile_error(std::string(2000, '!') + "a"),
            "query: offset 64: expression nests deeper than 64");
  // Chains of pipes nest the tree without recursing in the parser; the check after parsing
  // catches them.
  std::string pipes = "a";
  for (int i = 0; i < 63; ++i) pipes += "|a";
  EXPECT_TRUE(compile(pipes));
  pipes += "|a";
  EXPECT_EQ(compile_error(pipes), "query: offset 0: expression nests deeper than 64");
  // A long flat path is not deep.
  std::string path = "a";
  for (int i = 0; i < 1000; ++i) path += ".a";
  const Json d = doc(R"({"a": {"a": 1}})");
  EXPECT_EQ(eval(path, d), "null");
  EXPECT_EQ(eval("a.a", d), "1");
}

TEST(Query, EvaluationIsBudgeted) {
  // Each [@, @] doubles the result: 2^40 values unless something stops it.
  std::string doubling = "`[1, 2, 3]`";
  for (int i = 0; i < 40; ++i) doubling += " | [@, @]";
  auto query = compile(doubling);
  ASSERT_TRUE(query);
  auto result = query->evaluate(Json());
  ASSERT_FALSE(result);
  EXPECT_NE(result.status().message().find("evaluation exceeds its budget of 1000016 values"),
            std::string::npos)
      << result.status().message();
  // The same through strings: to_string doubles the text each time.
  std::string strings = "'abcdefgh'";
  for (int i = 0; i < 40; ++i) strings += " | to_string([@, @])";
  auto string_query = compile(strings);
  ASSERT_TRUE(string_query);
  EXPECT_FALSE(string_query->evaluate(Json()));

  const Json d = doc(R"({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]})");
  auto copy = compile("a");
  ASSERT_TRUE(copy);
  EXPECT_TRUE(copy->evaluate(d, 11));
  auto over = copy->evaluate(d, 10);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.status().message(), "query: offset 0: evaluation exceeds its budget of 10 values");
  // Walking a projection reads the array in place: only the results are charged.
  auto projection = compile("a[?@ > `8`]");
  ASSERT_TRUE(projection);
  EXPECT_TRUE(projection->evaluate(d, 40));
}

TEST(Query, CompiledQueriesAreReusable) {
  auto query = compile("items[?up].name");
  ASSERT_TRUE(query);
  EXPECT_EQ(query->expression(), "items[?up].name");
  const Query copy = *query;
  EXPECT_EQ(copy.evaluate(doc(R"({"items": [{"name": "x", "up": true}]})"))->dump(), R"(["x"])");
  EXPECT_EQ(query->evaluate(doc(R"({"items": [{"name": "y", "up": false}]})"))->dump(), "[]");
}

}  // namespace
}  // namespace smeg::api
