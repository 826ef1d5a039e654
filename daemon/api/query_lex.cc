#include "daemon/api/query_lex.h"

#include <charconv>
#include <utility>

#include "daemon/api/text.h"

namespace smeg::api {

Status query_error(size_t offset, const std::string& what) {
  return Status::invalid_argument("query: offset " + std::to_string(offset) + ": " + what);
}

namespace {

bool is_identifier_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  explicit Lexer(std::string_view expr) : expr_(expr) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> tokens;
    while (true) {
      while (pos_ < expr_.size() && (expr_[pos_] == ' ' || expr_[pos_] == '\t' ||
                                     expr_[pos_] == '\n' || expr_[pos_] == '\r')) {
        ++pos_;
      }
      if (pos_ == expr_.size()) break;
      Token token{Tok::kEof, pos_, 1, {}, {}, 0};
      if (Status s = next(token); !s) return s;
      token.length = pos_ - token.offset;
      tokens.push_back(std::move(token));
    }
    tokens.push_back(Token{Tok::kEof, expr_.size(), 0, {}, {}, 0});
    return tokens;
  }

 private:
  // The character after the current one is c: consume both.
  bool pair(char c) {
    if (pos_ + 1 < expr_.size() && expr_[pos_ + 1] == c) {
      pos_ += 2;
      return true;
    }
    ++pos_;
    return false;
  }

  Status next(Token& t) {
    const char c = expr_[pos_];
    if (is_identifier_start(c)) {
      size_t end = pos_ + 1;
      while (end < expr_.size() && (is_identifier_start(expr_[end]) || is_digit(expr_[end]))) {
        ++end;
      }
      t.type = Tok::kIdentifier;
      t.text = std::string(expr_.substr(pos_, end - pos_));
      pos_ = end;
      return Status::ok();
    }
    if (is_digit(c) || c == '-') return number(t);
    switch (c) {
      case '"':
        return quoted_identifier(t);
      case '\'':
        return raw_string(t);
      case '`':
        return json_literal(t);
      case '.':
        t.type = Tok::kDot, ++pos_;
        return Status::ok();
      case '*':
        t.type = Tok::kStar, ++pos_;
        return Status::ok();
      case ']':
        t.type = Tok::kRbracket, ++pos_;
        return Status::ok();
      case '{':
        t.type = Tok::kLbrace, ++pos_;
        return Status::ok();
      case '}':
        t.type = Tok::kRbrace, ++pos_;
        return Status::ok();
      case '(':
        t.type = Tok::kLparen, ++pos_;
        return Status::ok();
      case ')':
        t.type = Tok::kRparen, ++pos_;
        return Status::ok();
      case ',':
        t.type = Tok::kComma, ++pos_;
        return Status::ok();
      case ':':
        t.type = Tok::kColon, ++pos_;
        return Status::ok();
      case '@':
        t.type = Tok::kCurrent, ++pos_;
        return Status::ok();
      case '[':
        if (pos_ + 1 < expr_.size() && (expr_[pos_ + 1] == '?' || expr_[pos_ + 1] == ']')) {
          t.type = expr_[pos_ + 1] == '?' ? Tok::kFilter : Tok::kFlatten;
          pos_ += 2;
        } else {
          t.type = Tok::kLbracket, ++pos_;
        }
        return Status::ok();
      case '|':
        t.type = pair('|') ? Tok::kOr : Tok::kPipe;
        return Status::ok();
      case '&':
        t.type = pair('&') ? Tok::kAnd : Tok::kExpref;
        return Status::ok();
      case '!':
        t.type = pair('=') ? Tok::kNe : Tok::kNot;
        return Status::ok();
      case '<':
        t.type = pair('=') ? Tok::kLe : Tok::kLt;
        return Status::ok();
      case '>':
        t.type = pair('=') ? Tok::kGe : Tok::kGt;
        return Status::ok();
      case '=':
        if (!pair('=')) return query_error(t.offset, "'=' is not an operator, use '=='");
        t.type = Tok::kEq;
        return Status::ok();
      default:
        return query_error(pos_, "unexpected " + describe_byte(c));
    }
  }

  Status number(Token& t) {
    size_t end = pos_;
    if (expr_[end] == '-') ++end;
    if (end == expr_.size() || !is_digit(expr_[end])) {
      return query_error(pos_, "expected a digit after '-'");
    }
    while (end < expr_.size() && is_digit(expr_[end])) ++end;
    const auto [ptr, ec] = std::from_chars(expr_.data() + pos_, expr_.data() + end, t.number);
    if (ec != std::errc()) return query_error(pos_, "number out of range");
    t.type = Tok::kNumber;
    pos_ = end;
    return Status::ok();
  }

  // The offset of the quote that closes the one at pos_, skipping backslash escapes; npos if
  // there is none.
  size_t closing(char quote) const {
    for (size_t i = pos_ + 1; i < expr_.size(); ++i) {
      if (expr_[i] == '\\') {
        ++i;
      } else if (expr_[i] == quote) {
        return i;
      }
    }
    return std::string_view::npos;
  }

  Status quoted_identifier(Token& t) {
    const size_t end = closing('"');
    if (end == std::string_view::npos) return query_error(pos_, "unterminated quoted identifier");
    auto name =
        parse_embedded_json(expr_.substr(pos_, end + 1 - pos_), ParseLimits{}, "query", pos_);
    if (!name) return name.status();
    t.type = Tok::kQuotedIdentifier;
    t.text = std::string(*name->get_string());
    pos_ = end + 1;
    return Status::ok();
  }

  // 'text': \' stands for ' and \\ for \; any other backslash is kept as it is.
  Status raw_string(Token& t) {
    const size_t end = closing('\'');
    if (end == std::string_view::npos) return query_error(pos_, "unterminated raw string");
    std::string text;
    for (size_t i = pos_ + 1; i < end; ++i) {
      if (expr_[i] == '\\' && (expr_[i + 1] == '\'' || expr_[i + 1] == '\\')) ++i;
      text += expr_[i];
    }
    t.type = Tok::kLiteral;
    t.value = Json(std::move(text));
    pos_ = end + 1;
    return Status::ok();
  }

  // `json`: \` stands for a backquote; the rest must be one JSON text.
  Status json_literal(Token& t) {
    const size_t end = closing('`');
    if (end == std::string_view::npos) return query_error(pos_, "unterminated JSON literal");
    std::string text;
    for (size_t i = pos_ + 1; i < end; ++i) {
      if (expr_[i] == '\\' && expr_[i + 1] == '`') ++i;
      text += expr_[i];
    }
    // Offsets inside are right up to the first escaped backquote.
    auto value = parse_embedded_json(text, ParseLimits{}, "query", pos_ + 1);
    if (!value) return value.status();
    t.type = Tok::kLiteral;
    t.value = std::move(*value);
    pos_ = end + 1;
    return Status::ok();
  }

  std::string_view expr_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::vector<Token>> lex_query(std::string_view expression) {
  return Lexer(expression).run();
}

}  // namespace smeg::api
