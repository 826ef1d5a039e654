// The built-in functions of the query language, with JMESPath's signatures.
#include <algorithm>
#include <cassert>
#include <string>
#include <vector>

#include "daemon/api/query_eval.h"
#include "daemon/api/text.h"

namespace smeg::api {
namespace {

// In Function's order; expref_arg is the 1-based argument that is an expression reference.
constexpr FunctionInfo kFunctions[] = {
    {Function::kLength, "length", 1, 1, 0},
    {Function::kContains, "contains", 2, 2, 0},
    {Function::kKeys, "keys", 1, 1, 0},
    {Function::kValues, "values", 1, 1, 0},
    {Function::kSort, "sort", 1, 1, 0},
    {Function::kSortBy, "sort_by", 2, 2, 2},
    {Function::kMaxBy, "max_by", 2, 2, 2},
    {Function::kMinBy, "min_by", 2, 2, 2},
    {Function::kMax, "max", 1, 1, 0},
    {Function::kMin, "min", 1, 1, 0},
    {Function::kStartsWith, "starts_with", 2, 2, 0},
    {Function::kEndsWith, "ends_with", 2, 2, 0},
    {Function::kToString, "to_string", 1, 1, 0},
    {Function::kType, "type", 1, 1, 0},
    {Function::kNotNull, "not_null", 1, 0, 0},
    {Function::kJoin, "join", 2, 2, 0},
    {Function::kReverse, "reverse", 1, 1, 0},
};

// The index of the first value that is not of the same sortable kind (number or string) as
// the first, or values.size() when they all are.
size_t first_unsortable(const std::vector<const Json*>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    const Json& v = *values[i];
    if (!v.is_number() && !v.is_string()) return i;
    if (v.is_number() != values[0]->is_number()) return i;
  }
  return values.size();
}

// Order of two values of the same sortable kind.
bool sorts_before(const Json& a, const Json& b) {
  if (a.is_number()) return compare_numbers(a, b) < 0;
  return *a.get_string() < *b.get_string();
}

std::vector<const Json*> pointers(const Json::Array& items) {
  std::vector<const Json*> out;
  out.reserve(items.size());
  for (const Json& item : items) out.push_back(&item);
  return out;
}

std::string reverse_code_points(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t end = s.size();
  // Walk back to the start of each code point, then copy it whole.
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && end - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
      --start;
    }
    if (utf8_sequence_length(s, start) != end - start) start = end - 1;  // ill-formed: a byte
    out.append(s, start, end - start);
    end = start;
  }
  return out;
}

}  // namespace

const FunctionInfo* find_function(std::string_view name) {
  for (const FunctionInfo& info : kFunctions) {
    if (name == info.name) return &info;
  }
  return nullptr;
}

const FunctionInfo& function_info(Function function) {
  const FunctionInfo& info = kFunctions[static_cast<size_t>(function)];
  assert(info.function == function);
  return info;
}

bool QueryEvaluator::call(const QueryNode& node, const Json& current, Json& out) {
  const FunctionInfo& info = function_info(node.function);
  const auto& kids = node.children;
  std::vector<Json> args(kids.size());
  for (size_t i = 0; i < kids.size(); ++i) {
    if (kids[i]->op == QueryOp::kExpref) continue;  // evaluated per element below
    if (!eval(*kids[i], current, args[i])) return false;
  }
  auto type_error = [&](size_t i, const std::string& expected, const std::string& got) {
    return fail(*kids[i], std::string(info.name) + "() argument " + std::to_string(i + 1) +
                              ": expected " + expected + ", got " + got);
  };
  auto got = [](const Json& v) { return std::string(kind_name(v.kind())); };
  auto element_got = [](const Json::Array& items, size_t i) {
    return "an array with " + std::string(kind_name(items[i].kind())) + " at index " +
           std::to_string(i);
  };
  // The keys &expr gives for the elements of args[0], for sort_by, max_by and min_by.
  std::vector<Json> keys;
  auto sort_keys = [&]() {
    const Json::Array* items = args[0].array_items();
    if (items == nullptr) return type_error(0, "an array", got(args[0]));
    const QueryNode& expr = *kids[1]->children[0];
    keys.resize(items->size());
    for (size_t i = 0; i < items->size(); ++i) {
      if (!eval(expr, (*items)[i], keys[i])) return false;
    }
    std::vector<const Json*> key_pointers = pointers(keys);
    const size_t bad = first_unsortable(key_pointers);
    if (bad < keys.size()) {
      return fail(*kids[1], std::string(info.name) + "() expression must give all numbers or " +
                                "all strings, got " + got(keys[bad]) + " for element " +
                                std::to_string(bad));
    }
    return charge(node, items->size());
  };

  switch (node.function) {
    case Function::kLength: {
      const Json& subject = args[0];
      if (const auto s = subject.get_string()) {
        out = Json(utf8_length(*s));
      } else if (subject.is_array() || subject.is_object()) {
        out = Json(subject.size());
      } else {
        return type_error(0, "a string, array or object", got(subject));
      }
      return charge(node, 1);
    }
    case Function::kContains: {
      const Json& subject = args[0];
      const Json& search = args[1];
      if (const Json::Array* items = subject.array_items()) {
        if (!charge(node, items->size())) return false;
        out = Json(std::find(items->begin(), items->end(), search) != items->end());
      } else if (const auto s = subject.get_string()) {
        if (!charge(node, s->size() / 32)) return false;
        const auto needle = search.get_string();
        out = Json(needle && s->find(*needle) != std::string_view::npos);
      } else {
        return type_error(0, "an array or a string", got(subject));
      }
      return charge(node, 1);
    }
    case Function::kKeys:
    case Function::kValues: {
      const Json::Object* object = args[0].object_members();
      if (object == nullptr) return type_error(0, "an object", got(args[0]));
      Json::Array result;
      for (const auto& [key, value] : *object) {
        result.emplace_back();
        if (!copy(node, node.function == Function::kKeys ? Json(key) : value, result.back())) {
          return false;
        }
      }
      out = Json(std::move(result));
      return charge(node, 1);
    }
    case Function::kSort:
    case Function::kMax:
    case Function::kMin: {
      Json::Array* items = args[0].array_items();
      if (items == nullptr) return type_error(0, "an array of numbers or of strings", got(args[0]));
      const size_t bad = first_unsortable(pointers(*items));
      if (bad < items->size()) {
        return type_error(0, "an array of numbers or of strings", element_got(*items, bad));
      }
      if (!charge(node, items->size() + 1)) return false;
      if (node.function == Function::kSort) {
        std::stable_sort(items->begin(), items->end(), sorts_before);
        out = std::move(args[0]);
      } else if (items->empty()) {
        out = Json();
      } else if (node.function == Function::kMax) {
        out = std::move(*std::max_element(items->begin(), items->end(), sorts_before));
      } else {
        out = std::move(*std::min_element(items->begin(), items->end(), sorts_before));
      }
      return true;
    }
    case Function::kSortBy: {
      if (!sort_keys()) return false;
      Json::Array& items = *args[0].array_items();
      std::vector<size_t> order(items.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return sorts_before(keys[a], keys[b]); });
      Json::Array sorted;
      sorted.reserve(items.size());
      for (const size_t i : order) sorted.push_back(std::move(items[i]));
      out = Json(std::move(sorted));
      return true;
    }
    case Function::kMaxBy:
    case Function::kMinBy: {
      if (!sort_keys()) return false;
      Json::Array& items = *args[0].array_items();
      if (items.empty()) {
        out = Json();
        return true;
      }
      size_t best = 0;
      for (size_t i = 1; i < items.size(); ++i) {
        const bool better = node.function == Function::kMaxBy ? sorts_before(keys[best], keys[i])
                                                              : sorts_before(keys[i], keys[best]);
        if (better) best = i;
      }
      out = std::move(items[best]);
      return true;
    }
    case Function::kStartsWith:
    case Function::kEndsWith: {
      const auto subject = args[0].get_string();
      if (!subject) return type_error(0, "a string", got(args[0]));
      const auto affix = args[1].get_string();
      if (!affix) return type_error(1, "a string", got(args[1]));
      out = Json(node.function == Function::kStartsWith ? subject->starts_with(*affix)
                                                        : subject->ends_with(*affix));
      return charge(node, 1);
    }
    case Function::kToString: {
      if (args[0].is_string()) {
        out = std::move(args[0]);
        return true;
      }
      std::string text = args[0].dump();
      if (!charge(node, 1 + text.size() / 32)) return false;
      out = Json(std::move(text));
      return true;
    }
    case Function::kType:
      out = Json(kind_name(args[0].kind()));
      return charge(node, 1);
    case Function::kNotNull:
      for (Json& arg : args) {
        if (!arg.is_null()) {
          out = std::move(arg);
          return true;
        }
      }
      out = Json();
      return true;
    case Function::kJoin: {
      const auto glue = args[0].get_string();
      if (!glue) return type_error(0, "a string", got(args[0]));
      const Json::Array* items = args[1].array_items();
      if (items == nullptr) return type_error(1, "an array of strings", got(args[1]));
      std::string joined;
      for (size_t i = 0; i < items->size(); ++i) {
        const auto part = (*items)[i].get_string();
        if (!part) return type_error(1, "an array of strings", element_got(*items, i));
        if (i > 0) joined += *glue;
        joined += *part;
        if (!charge(node, 1 + (glue->size() + part->size()) / 32)) return false;
      }
      out = Json(std::move(joined));
      return charge(node, 1);
    }
    case Function::kReverse: {
      if (const auto s = args[0].get_string()) {
        out = Json(reverse_code_points(*s));
      } else if (Json::Array* items = args[0].array_items()) {
        std::reverse(items->begin(), items->end());
        out = std::move(args[0]);
      } else {
        return type_error(0, "a string or an array", got(args[0]));
      }
      return charge(node, 1);
    }
  }
  return fail(node, "unknown function");
}

}  // namespace smeg::api
