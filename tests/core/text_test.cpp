// printable() and the escaping every Error message gets: text from files, options and requests
// can neither cut a message short (NUL), drive the terminal (ESC, CSI) nor break JSON (bytes that
// are not UTF-8).
#include <gtest/gtest.h>

#include <string>

#include "imbgen/core/error.h"
#include "imbgen/core/text.h"

namespace imbgen {
namespace {

TEST(Printable, EscapesControlCharactersAndKeepsTheRest) {
  EXPECT_EQ(printable(std::string("2\0" "3", 3)), "2\\03");
  EXPECT_EQ(printable("a\tb\r\nc"), "a\\tb\\r\\nc");
  EXPECT_EQ(printable("\x1b[31mred\x7f"), "\\x1b[31mred\\x7f");
  EXPECT_EQ(printable("plain ASCII, with \\ and \"quotes\""), "plain ASCII, with \\ and \"quotes\"");
  EXPECT_EQ(printable("Zürich ± 5 °C, 東京, 😀"), "Zürich ± 5 °C, 東京, 😀");
  EXPECT_EQ(printable("line\nbreak", /*keep_line_breaks=*/true), "line\nbreak");
}

TEST(Printable, EscapesBytesThatAreNotUtf8) {
  EXPECT_EQ(printable("x\xe9y"), "x\\xe9y");                // Latin-1 e-acute
  EXPECT_EQ(printable("\xc3"), "\\xc3");                    // truncated sequence
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a UTF-16 surrogate
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(printable("\xc2\x9b" "2J"), "\\u009b2J");       // C1 control (CSI) in UTF-8
}

TEST(Printable, FindsTheFirstByteThatIsNotUtf8) {
  EXPECT_EQ(find_invalid_utf8("abc"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("Zürich"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("ab\xe9"), 2u);
  EXPECT_EQ(find_invalid_utf8("\xe2\x82"), 0u);  // "€" cut short
}

TEST(Error, MessagesAreEscapedButKeepTheirLineBreaks) {
  const Error e(ErrorKind::kInvalidArgument,
                std::string("f.csv:2: got \"2\0" "3\x1b[0m\" (more)\n  - second", 40));
  // what() is a C string: without the escape it would end at the NUL.
  EXPECT_EQ(std::string(e.what()), "f.csv:2: got \"2\\03\\x1b[0m\" (more)\n  - second");
}

}  // namespace
}  // namespace imbgen
