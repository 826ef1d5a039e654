#include "ctl/table.h"

#include <gtest/gtest.h>

#include <sstream>

namespace smeg::ctl {
namespace {

TEST(Printable, ControlCharactersBecomeVisible) {
  EXPECT_EQ(printable("plain text, é, 日本"), "plain text, é, 日本");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("\x1b[2J\x7f\t\n"), "\\x1b[2J\\x7f\\x09\\x0a");
  // C1: CSI (U+009B) and the neighbours of the range, which stay.
  EXPECT_EQ(printable("\xc2\x9b\xc2\x80\xc2\x9f\xc2\xa0\xc2\x7f"),
            "\\u009b\\u0080\\u009f\xc2\xa0\xc2\\x7f");
  EXPECT_EQ(printable("\xc2"), "\xc2");  // cut short: not C1
}

TEST(TextOf, StringsNullAndOtherValues) {
  EXPECT_EQ(text_of(api::Json("bob\n")), "bob\\x0a");
  EXPECT_EQ(text_of(api::Json(nullptr)), "-");
  EXPECT_EQ(text_of(api::Json(42)), "42");
  EXPECT_EQ(text_of(api::Json(true)), "true");
}

TEST(PrintTable, ColumnsAlign) {
  std::ostringstream out;
  print_table(out, {"A", "LONGER", "C"}, {{"wide cell", "x", "last"}, {"y", "z", ""}});
  EXPECT_EQ(out.str(),
            "A          LONGER  C\n"
            "wide cell  x       last\n"
            "y          z       \n");
}

TEST(PrintTable, NoRowsIsTheHeader) {
  std::ostringstream out;
  print_table(out, {"MESH", "ROLE"}, {});
  EXPECT_EQ(out.str(), "MESH  ROLE\n");
}

}  // namespace
}  // namespace smeg::ctl
