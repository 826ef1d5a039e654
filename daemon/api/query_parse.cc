// compile(): a Pratt (top-down operator precedence) parser for the JMESPath subset in query.h,
// over the tokens of query_lex.h. The binding powers are the specification's reference ones, so
// that projections stop where JMESPath stops them: a token binding less than kProjectionStop ends
// one.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "daemon/api/query.h"
#include "daemon/api/query_ast.h"
#include "daemon/api/query_lex.h"
#include "daemon/api/text.h"

namespace smeg::api {
namespace {

int binding_power(Tok type) {
  switch (type) {
    case Tok::kPipe:
      return 1;
    case Tok::kOr:
      return 2;
    case Tok::kAnd:
      return 3;
    case Tok::kEq:
    case Tok::kNe:
    case Tok::kLt:
    case Tok::kLe:
    case Tok::kGt:
    case Tok::kGe:
      return 5;
    case Tok::kFlatten:
      return 9;
    case Tok::kStar:
      return 20;
    case Tok::kFilter:
      return 21;
    case Tok::kDot:
      return 40;
    case Tok::kNot:
      return 45;
    case Tok::kLbrace:
      return 50;
    case Tok::kLbracket:
      return 55;
    case Tok::kLparen:
      return 60;
    default:
      return 0;
  }
}
constexpr int kProjectionStop = 10;

using NodePtr = std::unique_ptr<QueryNode>;

NodePtr make_node(QueryOp op, size_t offset) {
  auto node = std::make_unique<QueryNode>();
  node->op = op;
  node->offset = offset;
  return node;
}

NodePtr make_node(QueryOp op, size_t offset, NodePtr a, NodePtr b = nullptr, NodePtr c = nullptr) {
  NodePtr node = make_node(op, offset);
  node->children.push_back(std::move(a));
  if (b) node->children.push_back(std::move(b));
  if (c) node->children.push_back(std::move(c));
  return node;
}

// Every parse method returns null after recording the first error.
class Parser {
 public:
  Parser(std::string_view expr, std::vector<Token> tokens)
      : expr_(expr), tokens_(std::move(tokens)) {}

  Result<NodePtr> run() {
    NodePtr root = expression(0);
    if (root && cur().type != Tok::kEof) fail(cur().offset, "unexpected " + describe(cur()));
    if (root && error_.is_ok()) check(*root, 1, false);
    if (!error_.is_ok()) return error_;
    return root;
  }

 private:
  const Token& cur() const { return tokens_[pos_]; }
  const Token& ahead(size_t n) const { return tokens_[std::min(pos_ + n, tokens_.size() - 1)]; }
  void advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }

  std::string describe(const Token& t) const {
    if (t.type == Tok::kEof) return "end of expression";
    std::string_view source = expr_.substr(t.offset, t.length);
    if (source.size() > 32) return "'" + std::string(source.substr(0, 29)) + "...'";
    return "'" + std::string(source) + "'";
  }

  NodePtr fail(size_t offset, const std::string& what) {
    if (error_.is_ok()) error_ = query_error(offset, what);
    return nullptr;
  }

  // Consumes a token of the given type.
  bool expect(Tok type, const char* what) {
    if (cur().type == type) {
      advance();
      return true;
    }
    fail(cur().offset, std::string("expected ") + what + ", got " + describe(cur()));
    return false;
  }

  NodePtr expression(int bp) {
    if (++nesting_ > kMaxQueryDepth) {
      return fail(cur().offset, "expression nests deeper than " + std::to_string(kMaxQueryDepth));
    }
    const Token& token = cur();
    advance();
    NodePtr left = nud(token);
    while (left && bp < binding_power(cur().type)) {
      const Token& op = cur();
      advance();
      left = led(op, std::move(left));
    }
    --nesting_;
    return left;
  }

  NodePtr nud(const Token& t) {
    switch (t.type) {
      case Tok::kLiteral: {
        NodePtr node = make_node(QueryOp::kLiteral, t.offset);
        node->literal = t.value;
        return node;
      }
      case Tok::kQuotedIdentifier:
        if (cur().type == Tok::kLparen) return fail(t.offset, "a function name cannot be quoted");
        [[fallthrough]];
      case Tok::kIdentifier: {
        NodePtr node = make_node(QueryOp::kField, t.offset);
        node->name = t.text;
        return node;
      }
      case Tok::kCurrent:
        return make_node(QueryOp::kCurrent, t.offset);
      case Tok::kStar:
        return projection(QueryOp::kValueProjection, t.offset,
                          make_node(QueryOp::kCurrent, t.offset), binding_power(Tok::kStar));
      case Tok::kFilter:
        return filter(t, make_node(QueryOp::kCurrent, t.offset));
      case Tok::kFlatten:
        return projection(
            QueryOp::kProjection, t.offset,
            make_node(QueryOp::kFlatten, t.offset, make_node(QueryOp::kCurrent, t.offset)),
            binding_power(Tok::kFlatten));
      case Tok::kLbrace:
        return multi_select_hash(t);
      case Tok::kLparen: {
        NodePtr inner = expression(0);
        if (!inner || !expect(Tok::kRparen, "')'")) return nullptr;
        return inner;
      }
      case Tok::kNot: {
        NodePtr operand = expression(binding_power(Tok::kNot));
        if (!operand) return nullptr;
        return make_node(QueryOp::kNot, t.offset, std::move(operand));
      }
      case Tok::kExpref: {
        NodePtr operand = expression(0);
        if (!operand) return nullptr;
        return make_node(QueryOp::kExpref, t.offset, std::move(operand));
      }
      case Tok::kLbracket:
        if (cur().type == Tok::kNumber || cur().type == Tok::kColon) {
          return index_or_slice(make_node(QueryOp::kCurrent, t.offset), t.offset);
        }
        if (cur().type == Tok::kStar && ahead(1).type == Tok::kRbracket) {
          advance();
          advance();
          return projection(QueryOp::kProjection, t.offset, make_node(QueryOp::kCurrent, t.offset),
                            binding_power(Tok::kStar));
        }
        return multi_select_list(t);
      case Tok::kEof:
        return fail(t.offset, "unexpected end of expression");
      default:
        return fail(t.offset, "unexpected " + describe(t));
    }
  }

  NodePtr led(const Token& op, NodePtr left) {
    switch (op.type) {
      case Tok::kDot: {
        if (cur().type == Tok::kStar) {
          advance();
          // The rest of the path is projected: a.*.b.c applies b.c to each value. (The
          // reference parser binds dot here and drops the scope after b; see jmespath.py
          // issue 182.)
          return projection(QueryOp::kValueProjection, op.offset, std::move(left),
                            binding_power(Tok::kStar));
        }
        NodePtr right = dot_rhs(binding_power(Tok::kDot));
        if (!right) return nullptr;
        return chain(std::move(left), std::move(right));
      }
      case Tok::kPipe:
      case Tok::kOr:
      case Tok::kAnd: {
        NodePtr right = expression(binding_power(op.type));
        if (!right) return nullptr;
        const QueryOp kind = op.type == Tok::kPipe ? QueryOp::kPipe
                             : op.type == Tok::kOr ? QueryOp::kOr
                                                   : QueryOp::kAnd;
        return make_node(kind, op.offset, std::move(left), std::move(right));
      }
      case Tok::kEq:
      case Tok::kNe:
      case Tok::kLt:
      case Tok::kLe:
      case Tok::kGt:
      case Tok::kGe: {
        NodePtr right = expression(binding_power(op.type));
        if (!right) return nullptr;
        NodePtr node = make_node(QueryOp::kCompare, op.offset, std::move(left), std::move(right));
        node->comparator = op.type == Tok::kEq   ? Comparator::kEq
                           : op.type == Tok::kNe ? Comparator::kNe
                           : op.type == Tok::kLt ? Comparator::kLt
                           : op.type == Tok::kLe ? Comparator::kLe
                           : op.type == Tok::kGt ? Comparator::kGt
                                                 : Comparator::kGe;
        return node;
      }
      case Tok::kLparen:
        return call(op, std::move(left));
      case Tok::kFilter:
        return filter(op, std::move(left));
      case Tok::kFlatten:
        return projection(QueryOp::kProjection, op.offset,
                          make_node(QueryOp::kFlatten, op.offset, std::move(left)),
                          binding_power(Tok::kFlatten));
      case Tok::kLbracket:
        if (cur().type == Tok::kNumber || cur().type == Tok::kColon) {
          return index_or_slice(std::move(left), op.offset);
        }
        if (cur().type == Tok::kStar) {
          advance();
          if (!expect(Tok::kRbracket, "']'")) return nullptr;
          return projection(QueryOp::kProjection, op.offset, std::move(left),
                            binding_power(Tok::kStar));
        }
        return fail(cur().offset,
                    "expected a number, ':' or '*' after '[', got " + describe(cur()));
      default:
        return fail(op.offset, "unexpected " + describe(op));
    }
  }

  // left.right as one flat chain, so that a.b.c.d is not nested four deep.
  static NodePtr chain(NodePtr left, NodePtr right) {
    if (left->op == QueryOp::kCurrent) return right;
    if (left->op != QueryOp::kSubexpression) {
      const size_t offset = left->offset;
      left = make_node(QueryOp::kSubexpression, offset, std::move(left));
    }
    left->children.push_back(std::move(right));
    return left;
  }

  // What follows a projection: applied to each element, up to the first token that ends it.
  NodePtr projection(QueryOp op, size_t offset, NodePtr left, int bp) {
    NodePtr right;
    if (binding_power(cur().type) < kProjectionStop) {
      right = make_node(QueryOp::kCurrent, cur().offset);
    } else if (cur().type == Tok::kLbracket || cur().type == Tok::kFilter) {
      right = expression(bp);
    } else if (cur().type == Tok::kDot) {
      advance();
      right = dot_rhs(bp);
    } else {
      return fail(cur().offset, "unexpected " + describe(cur()) + " after a projection");
    }
    if (!right) return nullptr;
    return make_node(op, offset, std::move(left), std::move(right));
  }

  NodePtr dot_rhs(int bp) {
    const Token& t = cur();
    switch (t.type) {
      case Tok::kIdentifier:
      case Tok::kQuotedIdentifier:
      case Tok::kStar:
        return expression(bp);
      case Tok::kLbracket:
        advance();
        return multi_select_list(t);
      case Tok::kLbrace:
        advance();
        return multi_select_hash(t);
      default:
        return fail(t.offset,
                    "expected an identifier, '*', '[' or '{' after '.', got " + describe(t));
    }
  }

  // [?condition] on left; the '[?' is consumed.
  NodePtr filter(const Token& open, NodePtr left) {
    NodePtr condition = expression(0);
    if (!condition || !expect(Tok::kRbracket, "']'")) return nullptr;
    NodePtr node;
    if (cur().type == Tok::kFlatten) {
      node = make_node(QueryOp::kProjection, open.offset, std::move(left),
                       make_node(QueryOp::kCurrent, cur().offset));
    } else {
      node = projection(QueryOp::kProjection, open.offset, std::move(left),
                        binding_power(Tok::kFilter));
    }
    if (!node) return nullptr;
    node->op = QueryOp::kFilterProjection;
    node->children.push_back(std::move(condition));
    return node;
  }

  // [n] or [a:b:c] on left; the '[' at offset is consumed, the number or ':' is next.
  NodePtr index_or_slice(NodePtr left, size_t offset) {
    if (cur().type == Tok::kColon || ahead(1).type == Tok::kColon) {
      NodePtr slice = slice_parts(offset);
      if (!slice) return nullptr;
      return projection(QueryOp::kProjection, offset, chain(std::move(left), std::move(slice)),
                        binding_power(Tok::kStar));
    }
    NodePtr index = make_node(QueryOp::kIndex, offset);
    index->index = cur().number;
    advance();
    if (!expect(Tok::kRbracket, "']'")) return nullptr;
    return chain(std::move(left), std::move(index));
  }

  NodePtr slice_parts(size_t offset) {
    NodePtr slice = make_node(QueryOp::kSlice, offset);
    size_t part = 0;
    size_t step_offset = 0;
    while (cur().type != Tok::kRbracket) {
      if (cur().type == Tok::kColon) {
        if (++part == 3) return fail(cur().offset, "a slice has at most two ':'");
        advance();
      } else if (cur().type == Tok::kNumber && !slice->slice[part]) {
        slice->slice[part] = cur().number;
        step_offset = cur().offset;
        advance();
      } else {
        return fail(cur().offset,
                    "expected a number, ':' or ']' in a slice, got " + describe(cur()));
      }
    }
    advance();
    if (slice->slice[2] == 0) return fail(step_offset, "slice step cannot be 0");
    return slice;
  }

  // [a, b, ...]; the '[' is consumed.
  NodePtr multi_select_list(const Token& open) {
    NodePtr node = make_node(QueryOp::kMultiList, open.offset);
    while (true) {
      NodePtr item = expression(0);
      if (!item) return nullptr;
      node->children.push_back(std::move(item));
      if (cur().type == Tok::kRbracket) break;
      if (!expect(Tok::kComma, "',' or ']'")) return nullptr;
    }
    advance();
    return node;
  }

  // {key: a, ...}; the '{' is consumed.
  NodePtr multi_select_hash(const Token& open) {
    NodePtr node = make_node(QueryOp::kMultiHash, open.offset);
    while (true) {
      if (cur().type != Tok::kIdentifier && cur().type != Tok::kQuotedIdentifier) {
        return fail(cur().offset, "expected a key, got " + describe(cur()));
      }
      node->keys.push_back(cur().text);
      advance();
      if (!expect(Tok::kColon, "':'")) return nullptr;
      NodePtr value = expression(0);
      if (!value) return nullptr;
      node->children.push_back(std::move(value));
      if (cur().type == Tok::kRbrace) break;
      if (!expect(Tok::kComma, "',' or '}'")) return nullptr;
    }
    advance();
    return node;
  }

  // name(args); the '(' is consumed.
  NodePtr call(const Token& open, NodePtr name) {
    if (name->op != QueryOp::kField) return fail(open.offset, "only a function name can be called");
    const FunctionInfo* info = find_function(name->name);
    if (info == nullptr) return fail(name->offset, "unknown function " + name->name + "()");
    NodePtr node = make_node(QueryOp::kFunction, name->offset);
    node->function = info->function;
    if (cur().type != Tok::kRparen) {
      while (true) {
        NodePtr arg = expression(0);
        if (!arg) return nullptr;
        node->children.push_back(std::move(arg));
        if (cur().type == Tok::kRparen) break;
        if (!expect(Tok::kComma, "',' or ')'")) return nullptr;
      }
    }
    advance();
    const size_t n = node->children.size();
    if (n < info->min_args || (info->max_args != 0 && n > info->max_args)) {
      std::string wanted = std::to_string(info->min_args);
      if (info->max_args == 0) {
        wanted = "at least " + wanted;
      } else if (info->max_args != info->min_args) {
        wanted += " to " + std::to_string(info->max_args);
      }
      const bool one = info->min_args == 1 && info->max_args <= 1;
      return fail(name->offset, std::string(info->name) + "() takes " + wanted +
                                    (one ? " argument" : " arguments") + ", got " +
                                    std::to_string(n));
    }
    return node;
  }

  // After parsing: the tree is at most kMaxQueryDepth deep (chains of pipes or comparisons
  // nest without recursing in the parser), and expression references appear exactly where a
  // function takes one.
  void check(const QueryNode& node, size_t depth, bool expref_allowed) {
    if (!error_.is_ok()) return;
    if (depth > kMaxQueryDepth) {
      fail(node.offset, "expression nests deeper than " + std::to_string(kMaxQueryDepth));
      return;
    }
    if (node.op == QueryOp::kExpref && !expref_allowed) {
      fail(node.offset, "'&' is only allowed for a function argument that takes an expression");
      return;
    }
    for (size_t i = 0; i < node.children.size(); ++i) {
      bool wants_expref = false;
      if (node.op == QueryOp::kFunction) {
        const FunctionInfo& info = function_info(node.function);
        wants_expref = info.expref_arg == i + 1;
        if (wants_expref && node.children[i]->op != QueryOp::kExpref) {
          fail(node.children[i]->offset, std::string(info.name) + "() argument " +
                                             std::to_string(i + 1) +
                                             " must be an expression reference (&expr)");
          return;
        }
      }
      check(*node.children[i], depth + 1, wants_expref);
    }
  }

  std::string_view expr_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  size_t nesting_ = 0;  // of expression() calls
  Status error_;
};

}  // namespace

Result<Query> compile(std::string_view expression) {
  if (expression.size() > kMaxQueryBytes) {
    return query_error(kMaxQueryBytes, "expression is longer than the limit of " +
                                           std::to_string(kMaxQueryBytes) + " bytes");
  }
  for (size_t i = 0; i < expression.size();) {
    const size_t n = utf8_sequence_length(expression, i);
    if (n == 0) return query_error(i, "invalid UTF-8");
    i += n;
  }
  auto tokens = lex_query(expression);
  if (!tokens) return tokens.status();
  auto root = Parser(expression, std::move(*tokens)).run();
  if (!root) return root.status();
  return Query(std::string(expression), std::shared_ptr<const QueryNode>(std::move(*root)));
}

}  // namespace smeg::api
