// The syntax tree of a compiled query, shared by the parser (query_parse.cc) and the evaluator
// (query_eval.cc). Internal to smeg_api. Its depth is at most kMaxQueryDepth, so walking it
// recursively is safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/api/json.h"

namespace smeg::api {

enum class QueryOp {
  kCurrent,           // @, and the implicit right side of a projection
  kField,             // name
  kIndex,             // index
  kSlice,             // slice
  kLiteral,           // literal
  kSubexpression,     // children evaluated in turn, each on the previous result
  kProjection,        // children: the array, what to apply to each element
  kValueProjection,   // children: the object, what to apply to each value
  kFilterProjection,  // children: the array, what to apply, the condition
  kFlatten,           // child: the array whose array elements are spliced in
  kCompare,           // comparator; children: left, right
  kAnd,               // children: left, right
  kOr,                // children: left, right
  kNot,               // child
  kPipe,              // children: left, right
  kMultiList,         // children
  kMultiHash,         // keys[i]: children[i]
  kFunction,          // function; children: the arguments
  kExpref,            // &child, only as a function argument
};

enum class Comparator { kEq, kNe, kLt, kLe, kGt, kGe };

enum class Function {
  kLength,
  kContains,
  kKeys,
  kValues,
  kSort,
  kSortBy,
  kMaxBy,
  kMinBy,
  kMax,
  kMin,
  kStartsWith,
  kEndsWith,
  kToString,
  kType,
  kNotNull,
  kJoin,
  kReverse,
};

// The function's signature: name, how many arguments (max_args 0: any number from min_args),
// and which argument, if any, is an expression reference (1-based; 0 for none).
struct FunctionInfo {
  Function function;
  const char* name;
  size_t min_args;
  size_t max_args;
  size_t expref_arg;
};
// The function called name, or null.
const FunctionInfo* find_function(std::string_view name);
const FunctionInfo& function_info(Function function);

struct QueryNode {
  QueryOp op;
  size_t offset;  // of the token the node starts at, for error messages
  std::vector<std::unique_ptr<QueryNode>> children;
  std::string name;                 // kField
  std::vector<std::string> keys;    // kMultiHash
  Json literal;                     // kLiteral
  int64_t index = 0;                // kIndex
  std::optional<int64_t> slice[3];  // kSlice: start, stop, step (never 0)
  Comparator comparator = Comparator::kEq;
  Function function = Function::kLength;
};

}  // namespace smeg::api
