// Queries over Json in a subset of JMESPath (https://jmespath.org/specification.html), for
// smegctl's `query-mesh -q EXPR` and the local API's query endpoint. compile() parses an
// expression once; Query::evaluate() runs it against a document. A Query is immutable and may
// be evaluated from several threads at once.
//
// The subset, with the specification's semantics unless noted:
//   foo  "quoted id"           identifiers; a field of a non-object is null
//   a.b  a.[x, y]  a.{k: x}    sub-expressions (a null stays null along the chain)
//   [0]  [-1]                  index; negative counts from the end; out of range is null
//   [1:5]  [::-1]  [a:b:c]     slices of arrays (step 0 is an error), as in Python
//   [*]  .*  []  [?cond]       list, object and flatten projections and filters; the rest of
//                              the expression applies to each element and null results are
//                              dropped; a pipe or parentheses end the projection. After .*
//                              the whole rest of the path is projected (a.*.b.c), as the
//                              specification says and jmespath.py, binding only b, does not
//   == != < <= > >=            == and != compare any values (numbers by value); the ordering
//                              operators compare numbers only and give null otherwise
//   && || ! ( )                with JMESPath truthiness: false, null, "", [], {} are false
//   'raw string'  `json`  @    literals ('\'' and '\\' escaped in raw strings, '\`' in JSON
//                              literals, which must be valid JSON) and the current node
//   a | b  [a, b]  {k: a}      pipe, multi-select list and hash (null in, null out)
//   functions: length, contains, keys, values, sort, sort_by(a, &expr), max_by, min_by, max,
//     min, starts_with, ends_with, to_string, type, not_null, join, reverse. A wrong number
//     of arguments is a compile error, a wrong argument type an evaluation error.
// Not supported: let/variables, arithmetic, string ordering, the functions not listed.
//
// Bounds: an expression is at most kMaxQueryBytes long and nests at most kMaxQueryDepth deep,
// so evaluation recursion is bounded; evaluation gives up with an error once it has produced
// more than its budget of values (each value and each 32 bytes of string counting one), which
// caps both time and memory for expressions such as [@,@]|[@,@]|... that grow exponentially.
//
// Errors read "query: offset N: what", N being the byte offset in the expression of the token
// or sub-expression at fault.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "daemon/api/json.h"

namespace smeg::api {

inline constexpr size_t kMaxQueryBytes = 4096;
inline constexpr size_t kMaxQueryDepth = 64;

struct QueryNode;  // the syntax tree, internal (query_ast.h)

class Query {
 public:
  // The expression compiled.
  const std::string& expression() const { return expression_; }

  // Evaluates against data with the default budget: 1,000,000 values plus 16 per value in data.
  Result<Json> evaluate(const Json& data) const;
  // Evaluates against data, producing at most budget values.
  Result<Json> evaluate(const Json& data, size_t budget) const;

 private:
  friend Result<Query> compile(std::string_view expression);
  Query(std::string expression, std::shared_ptr<const QueryNode> root)
      : expression_(std::move(expression)), root_(std::move(root)) {}

  std::string expression_;
  std::shared_ptr<const QueryNode> root_;
};

// Parses expression; the error names the offset of the first token that does not fit.
Result<Query> compile(std::string_view expression);

// compile(expression) and evaluate(data) in one step.
Result<Json> search(std::string_view expression, const Json& data);

}  // namespace smeg::api
