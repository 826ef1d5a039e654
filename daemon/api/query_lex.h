// The tokens of the query language and the lexer that produces them, for query_parse.cc.
// Internal to smeg_api.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "daemon/api/json.h"

namespace smeg::api {

enum class Tok {
  kEof,
  kIdentifier,
  kQuotedIdentifier,
  kLiteral,  // `json` and 'raw string'
  kNumber,
  kDot,
  kStar,
  kFlatten,   // []
  kLbracket,  // [
  kFilter,    // [?
  kRbracket,
  kLbrace,
  kRbrace,
  kLparen,
  kRparen,
  kComma,
  kColon,
  kPipe,
  kOr,
  kAnd,
  kNot,
  kCurrent,
  kExpref,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
};

// One token; offset and length locate it in the expression.
struct Token {
  Tok type;
  size_t offset;
  size_t length;
  std::string text;  // identifiers
  Json value;        // literals
  int64_t number = 0;
};

// "query: offset N: what".
Status query_error(size_t offset, const std::string& what);

// The tokens of expression, ending with one kEof at expression.size(). Identifiers carry their
// name, numbers their value, literals and raw strings their Json value.
Result<std::vector<Token>> lex_query(std::string_view expression);

}  // namespace smeg::api
