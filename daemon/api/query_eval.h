// The evaluator of a compiled query (query_eval.cc) and its built-in functions
// (query_functions.cc). Internal to smeg_api.
//
// Values are produced by copying from the document or building anew, and every value produced
// is charged to a budget first (one unit per value and per 32 bytes of string or key), so an
// evaluation can neither run nor allocate without bound. Intermediate steps of a path (a.b.c)
// and the arrays a projection walks are read in place, not copied.
#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"
#include "daemon/api/json.h"
#include "daemon/api/query_ast.h"

namespace smeg::api {

// The budget units value is worth, counting no further than cap.
size_t query_cost(const Json& value, size_t cap);

// JMESPath truthiness: false, null, "", [] and {} are false; everything else is true.
bool truthy(const Json& value);

class QueryEvaluator {
 public:
  explicit QueryEvaluator(size_t budget) : budget_(budget), initial_budget_(budget) {}

  // Evaluates node on current into out; false after recording an error.
  bool eval(const QueryNode& node, const Json& current, Json& out);
  const Status& error() const { return error_; }

  // Records "query: offset <node's>: what"; returns false.
  bool fail(const QueryNode& node, const std::string& what);
  // Takes units from the budget; false (and an error at node) when it runs out.
  bool charge(const QueryNode& node, size_t units);
  // out = value, charged.
  bool copy(const QueryNode& node, const Json& value, Json& out);

 private:
  // Calls the function node names (query_functions.cc).
  bool call(const QueryNode& node, const Json& current, Json& out);
  // node evaluated on current without copying, when node is a path of fields, indexes, @ and
  // literals; null otherwise.
  const Json* borrow(const QueryNode& node, const Json& current) const;
  // node evaluated on current: in place when it can be borrowed, else into storage.
  bool eval_in_place(const QueryNode& node, const Json& current, Json& storage,
                     const Json*& result);
  bool slice(const QueryNode& node, const Json& current, Json& out);
  bool compare(const QueryNode& node, const Json& current, Json& out);

  size_t budget_;  // units still available
  size_t initial_budget_;
  Status error_;
};

}  // namespace smeg::api
