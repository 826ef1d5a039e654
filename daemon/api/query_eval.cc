#include "daemon/api/query_eval.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "daemon/api/query.h"
#include "daemon/api/query_lex.h"

namespace smeg::api {
namespace {

const Json kNull;

void add_cost(const Json& value, size_t cap, size_t& total) {
  if (total > cap) return;
  total += 1;
  if (const auto s = value.get_string()) {
    total += s->size() / 32;
  } else if (const Json::Array* items = value.array_items()) {
    for (const Json& item : *items) add_cost(item, cap, total);
  } else if (const Json::Object* object = value.object_members()) {
    for (const auto& [key, member] : *object) {
      total += key.size() / 32;
      add_cost(member, cap, total);
    }
  }
}

bool borrowable(const QueryNode& node) {
  switch (node.op) {
    case QueryOp::kCurrent:
    case QueryOp::kField:
    case QueryOp::kIndex:
    case QueryOp::kLiteral:
      return true;
    case QueryOp::kSubexpression:
      return std::all_of(node.children.begin(), node.children.end(),
                         [](const auto& child) { return borrowable(*child); });
    default:
      return false;
  }
}

}  // namespace

size_t query_cost(const Json& value, size_t cap) {
  size_t total = 0;
  add_cost(value, cap, total);
  return total;
}

bool truthy(const Json& value) {
  switch (value.kind()) {
    case Json::Kind::kNull:
      return false;
    case Json::Kind::kBool:
      return *value.get_bool();
    case Json::Kind::kString:
      return !value.get_string()->empty();
    case Json::Kind::kArray:
    case Json::Kind::kObject:
      return value.size() > 0;
    case Json::Kind::kInt:
    case Json::Kind::kDouble:
      return true;
  }
  return true;
}

bool QueryEvaluator::fail(const QueryNode& node, const std::string& what) {
  if (error_.is_ok()) error_ = query_error(node.offset, what);
  return false;
}

bool QueryEvaluator::charge(const QueryNode& node, size_t units) {
  if (units > budget_) {
    budget_ = 0;
    return fail(node,
                "evaluation exceeds its budget of " + std::to_string(initial_budget_) + " values");
  }
  budget_ -= units;
  return true;
}

bool QueryEvaluator::copy(const QueryNode& node, const Json& value, Json& out) {
  if (!charge(node, query_cost(value, budget_))) return false;
  out = value;
  return true;
}

const Json* QueryEvaluator::borrow(const QueryNode& node, const Json& current) const {
  switch (node.op) {
    case QueryOp::kCurrent:
      return &current;
    case QueryOp::kLiteral:
      return &node.literal;
    case QueryOp::kField: {
      const Json::Object* object = current.object_members();
      const Json* member = object != nullptr ? object->find(node.name) : nullptr;
      return member != nullptr ? member : &kNull;
    }
    case QueryOp::kIndex: {
      const Json::Array* items = current.array_items();
      if (items == nullptr) return &kNull;
      const auto size = static_cast<int64_t>(items->size());
      const int64_t i = node.index < 0 ? node.index + size : node.index;
      return i >= 0 && i < size ? &(*items)[static_cast<size_t>(i)] : &kNull;
    }
    case QueryOp::kSubexpression: {
      const Json* value = &current;
      for (const auto& child : node.children) {
        value = borrow(*child, *value);
        if (value == nullptr) return nullptr;
      }
      return value;
    }
    default:
      return nullptr;
  }
}

bool QueryEvaluator::eval_in_place(const QueryNode& node, const Json& current, Json& storage,
                                   const Json*& result) {
  if (borrowable(node)) {
    result = borrow(node, current);
    return true;
  }
  result = &storage;
  return eval(node, current, storage);
}

bool QueryEvaluator::eval(const QueryNode& node, const Json& current, Json& out) {
  const auto& kids = node.children;
  switch (node.op) {
    case QueryOp::kCurrent:
    case QueryOp::kField:
    case QueryOp::kIndex:
    case QueryOp::kLiteral:
      return copy(node, *borrow(node, current), out);
    case QueryOp::kSubexpression: {
      // Read in place as far as possible; hold a value only once a step computes one.
      const Json* value = &current;
      Json held;
      for (const auto& child : kids) {
        if (borrowable(*child)) {
          value = borrow(*child, *value);
          continue;
        }
        Json next;
        if (!eval(*child, *value, next)) return false;
        held = std::move(next);
        value = &held;
      }
      if (value == &held) {
        out = std::move(held);
        return true;
      }
      return copy(node, *value, out);
    }
    case QueryOp::kSlice:
      return slice(node, current, out);
    case QueryOp::kProjection:
    case QueryOp::kValueProjection:
    case QueryOp::kFilterProjection: {
      Json storage;
      const Json* base = nullptr;
      if (!eval_in_place(*kids[0], current, storage, base)) return false;
      std::vector<const Json*> elements;
      if (node.op == QueryOp::kValueProjection) {
        const Json::Object* object = base->object_members();
        if (object == nullptr) return copy(node, kNull, out);
        for (const auto& member : *object) elements.push_back(&member.second);
      } else {
        const Json::Array* items = base->array_items();
        if (items == nullptr) return copy(node, kNull, out);
        for (const Json& item : *items) elements.push_back(&item);
      }
      Json::Array results;
      for (const Json* element : elements) {
        if (node.op == QueryOp::kFilterProjection) {
          Json condition;
          if (!eval(*kids[2], *element, condition)) return false;
          if (!truthy(condition)) continue;
        }
        Json result;
        if (!eval(*kids[1], *element, result)) return false;
        if (!result.is_null()) results.push_back(std::move(result));
      }
      if (!charge(node, 1)) return false;
      out = Json(std::move(results));
      return true;
    }
    case QueryOp::kFlatten: {
      Json storage;
      const Json* base = nullptr;
      if (!eval_in_place(*kids[0], current, storage, base)) return false;
      const Json::Array* items = base->array_items();
      if (items == nullptr) return copy(node, kNull, out);
      Json::Array flat;
      for (const Json& item : *items) {
        if (const Json::Array* inner = item.array_items()) {
          for (const Json& x : *inner) {
            flat.emplace_back();
            if (!copy(node, x, flat.back())) return false;
          }
        } else {
          flat.emplace_back();
          if (!copy(node, item, flat.back())) return false;
        }
      }
      if (!charge(node, 1)) return false;
      out = Json(std::move(flat));
      return true;
    }
    case QueryOp::kCompare:
      return compare(node, current, out);
    case QueryOp::kAnd:
    case QueryOp::kOr: {
      Json left;
      if (!eval(*kids[0], current, left)) return false;
      // a && b is a when a is false, else b; a || b is a when a is true, else b.
      if (truthy(left) == (node.op == QueryOp::kOr)) {
        out = std::move(left);
        return true;
      }
      return eval(*kids[1], current, out);
    }
    case QueryOp::kNot: {
      Json operand;
      if (!eval(*kids[0], current, operand)) return false;
      out = Json(!truthy(operand));
      return charge(node, 1);
    }
    case QueryOp::kPipe: {
      Json storage;
      const Json* left = nullptr;
      if (!eval_in_place(*kids[0], current, storage, left)) return false;
      return eval(*kids[1], *left, out);
    }
    case QueryOp::kMultiList: {
      if (current.is_null()) return copy(node, kNull, out);
      Json::Array items(kids.size());
      for (size_t i = 0; i < kids.size(); ++i) {
        if (!eval(*kids[i], current, items[i])) return false;
      }
      if (!charge(node, 1)) return false;
      out = Json(std::move(items));
      return true;
    }
    case QueryOp::kMultiHash: {
      if (current.is_null()) return copy(node, kNull, out);
      Json object = Json::object();
      for (size_t i = 0; i < kids.size(); ++i) {
        Json value;
        if (!eval(*kids[i], current, value)) return false;
        if (!charge(node, 1 + node.keys[i].size() / 32)) return false;
        object.set(node.keys[i], std::move(value));
      }
      out = std::move(object);
      return true;
    }
    case QueryOp::kFunction:
      return call(node, current, out);
    case QueryOp::kExpref:
      // The parser admits '&' only where a function takes it, and functions do not evaluate
      // the reference itself but what it refers to.
      return fail(node, "expression reference evaluated outside a function");
  }
  return fail(node, "unknown node");
}

bool QueryEvaluator::slice(const QueryNode& node, const Json& current, Json& out) {
  const Json::Array* items = current.array_items();
  if (items == nullptr) return copy(node, kNull, out);
  // Python's rules: missing bounds run to the end the step walks towards; negative bounds
  // count from the end; bounds are then clamped to the array.
  const auto size = static_cast<int64_t>(items->size());
  const int64_t step = node.slice[2].value_or(1);
  auto bound = [&](const std::optional<int64_t>& given, bool is_start) -> int64_t {
    if (!given) return is_start ? (step > 0 ? 0 : size - 1) : (step > 0 ? size : -1);
    int64_t b = *given;
    if (b < 0) {
      b += size;
      if (b < 0) b = step > 0 ? 0 : -1;
    } else if (b >= size) {
      b = step > 0 ? size : size - 1;
    }
    return b;
  };
  const int64_t start = bound(node.slice[0], true);
  const int64_t stop = bound(node.slice[1], false);
  Json::Array result;
  // start and stop lie in [-1, size]; compare distances in uint64 so that a huge step cannot
  // overflow.
  const uint64_t stride = step > 0 ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
  for (int64_t i = start; step > 0 ? i < stop : i > stop;) {
    result.emplace_back();
    if (!copy(node, (*items)[static_cast<size_t>(i)], result.back())) return false;
    const uint64_t left =
        step > 0 ? static_cast<uint64_t>(stop - i) : static_cast<uint64_t>(i - stop);
    if (left <= stride) break;
    i = step > 0 ? i + static_cast<int64_t>(stride) : i - static_cast<int64_t>(stride);
  }
  if (!charge(node, 1)) return false;
  out = Json(std::move(result));
  return true;
}

bool QueryEvaluator::compare(const QueryNode& node, const Json& current, Json& out) {
  Json left;
  Json right;
  if (!eval(*node.children[0], current, left) || !eval(*node.children[1], current, right)) {
    return false;
  }
  if (!charge(node, 1)) return false;
  switch (node.comparator) {
    case Comparator::kEq:
      out = Json(left == right);
      return true;
    case Comparator::kNe:
      out = Json(!(left == right));
      return true;
    default:
      break;
  }
  // Ordering is for numbers only; anything else compares to null.
  if (!left.is_number() || !right.is_number()) {
    out = Json();
    return true;
  }
  const int order = compare_numbers(left, right);
  switch (node.comparator) {
    case Comparator::kLt:
      out = Json(order < 0);
      break;
    case Comparator::kLe:
      out = Json(order <= 0);
      break;
    case Comparator::kGt:
      out = Json(order > 0);
      break;
    default:
      out = Json(order >= 0);
      break;
  }
  return true;
}

Result<Json> Query::evaluate(const Json& data) const {
  constexpr size_t kBase = 1'000'000;
  const size_t cap = (std::numeric_limits<size_t>::max() - kBase) / 16;
  return evaluate(data, kBase + 16 * std::min(query_cost(data, cap), cap));
}

Result<Json> Query::evaluate(const Json& data, size_t budget) const {
  QueryEvaluator evaluator(budget);
  Json out;
  if (!evaluator.eval(*root_, data, out)) return evaluator.error();
  return out;
}

Result<Json> search(std::string_view expression, const Json& data) {
  auto query = compile(expression);
  if (!query) return query.status();
  return query->evaluate(data);
}

}  // namespace smeg::api
