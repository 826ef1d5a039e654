// xml_problem() (sim/xml_check.h) lives here: it is a test helper, not part of smeg_sim.
#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <vector>

#include "sim/xml_check.h"

namespace smeg::sim {
namespace {

bool name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool name_char(char c) {
  return name_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}
bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A valid entity or character reference starts at text[0] ('&')?
bool entity_ok(std::string_view text) {
  const size_t end = text.find(';');
  if (end == std::string_view::npos) return false;
  const std::string_view e = text.substr(1, end - 1);
  if (e == "amp" || e == "lt" || e == "gt" || e == "quot" || e == "apos") return true;
  if (e.size() < 2 || e[0] != '#') return false;
  const bool hex = e[1] == 'x';
  const std::string_view digits = e.substr(hex ? 2 : 1);
  if (digits.empty()) return false;
  for (char c : digits) {
    if (!(hex ? std::isxdigit(static_cast<unsigned char>(c))
              : std::isdigit(static_cast<unsigned char>(c))))
      return false;
  }
  return true;
}

}  // namespace

std::string xml_problem(std::string_view doc) {
  std::vector<std::string> open;
  bool root_done = false, root_seen = false;
  size_t i = 0;
  auto at = [&](size_t k) { return " at offset " + std::to_string(k); };
  auto read_name = [&](size_t& j) {
    const size_t start = j;
    if (j < doc.size() && name_start(doc[j])) {
      while (j < doc.size() && name_char(doc[j])) ++j;
    }
    return std::string(doc.substr(start, j - start));
  };
  while (i < doc.size()) {
    const char c = doc[i];
    if (c == '&') {
      if (!entity_ok(doc.substr(i))) return "bad entity" + at(i);
      ++i;
      continue;
    }
    if (c != '<') {
      if (open.empty() && !space(c)) return "text outside the root element" + at(i);
      if (c == '>') return "stray '>'" + at(i);
      ++i;
      continue;
    }
    if (doc.substr(i, 2) == "<?" || doc.substr(i, 4) == "<!--") {
      const bool pi = doc[i + 1] == '?';
      if (pi && (root_seen || i != 0)) return "processing instruction not at the start" + at(i);
      const size_t end = doc.find(pi ? "?>" : "-->", i);
      if (end == std::string_view::npos) return "unterminated <? or <!--" + at(i);
      i = end + (pi ? 2 : 3);
      continue;
    }
    size_t j = i + 1;
    if (j < doc.size() && doc[j] == '/') {  // end tag
      ++j;
      const std::string name = read_name(j);
      while (j < doc.size() && space(doc[j])) ++j;
      if (j >= doc.size() || doc[j] != '>') return "bad end tag" + at(i);
      if (open.empty() || open.back() != name) return "unmatched </" + name + ">" + at(i);
      open.pop_back();
      if (open.empty()) root_done = true;
      i = j + 1;
      continue;
    }
    const std::string name = read_name(j);
    if (name.empty()) return "bad tag name" + at(i);
    if (open.empty() && root_done) return "a second root element" + at(i);
    root_seen = true;
    std::set<std::string> attributes;
    for (;;) {
      const size_t before = j;
      while (j < doc.size() && space(doc[j])) ++j;
      if (j >= doc.size()) return "unterminated tag <" + name + at(i);
      if (doc[j] == '>' || doc.substr(j, 2) == "/>") break;
      if (j == before) return "no space before an attribute" + at(j);
      const std::string attr = read_name(j);
      if (attr.empty() || j >= doc.size() || doc[j] != '=') return "bad attribute" + at(j);
      if (!attributes.insert(attr).second) return "duplicate attribute " + attr + at(j);
      ++j;
      if (j >= doc.size() || (doc[j] != '"' && doc[j] != '\'')) return "unquoted value" + at(j);
      const size_t end = doc.find(doc[j], j + 1);
      if (end == std::string_view::npos) return "unterminated value" + at(j);
      for (size_t k = j + 1; k < end; ++k) {
        if (doc[k] == '<') return "'<' in an attribute value" + at(k);
        if (doc[k] == '&' && !entity_ok(doc.substr(k, end - k))) return "bad entity" + at(k);
      }
      j = end + 1;
    }
    if (doc[j] == '>') {
      open.push_back(name);
      i = j + 1;
    } else {
      if (open.empty()) root_done = true;
      i = j + 2;
    }
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  if (!root_seen) return "no root element";
  return "";
}

namespace {

TEST(XmlCheck, AcceptsWellFormedAndRejectsTheRest) {
  EXPECT_EQ(xml_problem("<?xml version=\"1.0\"?>\n<a x=\"1\" y='&amp;'><b/>t &lt; &#38;</a>\n"),
            "");
  for (std::string_view bad :
       {"<a><b></a></b>", "<a>&</a>", "<a x=1/>", "<a x=\"1\" x=\"2\"/>", "<a>", "<a/><b/>", "text",
        "<a x=\"<\"/>", "<a>&bogus;</a>", "<a x=\"1\"y=\"2\"/>", "", "<a></b>"}) {
    EXPECT_NE(xml_problem(bad), "") << bad;
  }
}

}  // namespace
}  // namespace smeg::sim
