// Test helper: a small XML well-formedness check (tags nest and match, attributes are quoted and
// unique, entities are the five predefined ones or character references, one root element), so
// tests can say that a generated SVG parses without an XML library.
#pragma once

#include <string>
#include <string_view>

namespace smeg::sim {

// The first problem found, or "" if the document is well-formed.
std::string xml_problem(std::string_view doc);

}  // namespace smeg::sim
