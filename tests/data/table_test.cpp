// Tests for load_table and the Table helpers: target/drop handling, label ordering, every bad
// value, and the bundled credit-card data.
#include "imbgen/data/table.h"

#include <gtest/gtest.h>

#include "data/temp_dir.h"
#include "imbgen/core/error.h"

namespace imbgen {
namespace {

using testing::TempDir;

template <typename Fn>
std::string error_of(Fn fn, ErrorKind kind) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no imbgen::Error thrown";
  return "";
}

bool has(const std::string& msg, const std::string& part) {
  return msg.find(part) != std::string::npos;
}

LoadOptions target(const std::string& name, std::vector<std::string> drop = {}) {
  LoadOptions o;
  o.target = name;
  o.drop = std::move(drop);
  return o;
}

TEST(LoadTable, ReadsFeaturesAndNumericClasses) {
  TempDir dir;
  const auto path = dir.write("t.csv",
                              "Time,V1,Amount,Class\n"
                              "0,-1.5,149.62,\"0\"\n"
                              "1,+2,2.69,\"1\"\n"
                              "2, 3e-2 ,378.66,\"0\"\n");
  const Table t = load_table(path, target("Class"));
  EXPECT_EQ(t.source, path);
  EXPECT_EQ(t.target, "Class");
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"Time", "V1", "Amount"}));
  EXPECT_EQ(t.classes, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(t.y, (std::vector<int>{0, 1, 0}));
  ASSERT_EQ(t.rows(), 3u);
  ASSERT_EQ(t.x.cols, 3u);
  EXPECT_EQ(t.x(0, 1), -1.5);
  EXPECT_EQ(t.x(1, 1), 2.0);
  EXPECT_EQ(t.x(2, 1), 0.03);
  EXPECT_EQ(t.x(2, 2), 378.66);
  EXPECT_TRUE(t.columns[0].integer);
  EXPECT_FALSE(t.columns[1].integer);
  EXPECT_FALSE(t.columns[2].integer);
  for (const auto& c : t.columns) EXPECT_EQ(c.kind, ColumnKind::kNumeric);
}

TEST(LoadTable, TargetMayBeAnyColumnAndDropRemovesColumns) {
  TempDir dir;
  const auto path = dir.write("t.csv", "a,label,b,c\n1,x,2,3\n4,y,5,6\n");
  const Table t = load_table(path, target("label", {"b"}));
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(t.x.data, (std::vector<double>{1, 3, 4, 6}));
}

TEST(LoadTable, OrdersNumericLabelsByValue) {
  TempDir dir;
  const auto path = dir.write("t.csv", "x,y\n1,10\n2,9\n3,-1\n4,2.5\n5,9\n");
  const Table t = load_table(path, target("y"));
  // Lexicographic order would put "10" before "2.5" and "9".
  EXPECT_EQ(t.classes, (std::vector<std::string>{"-1", "2.5", "9", "10"}));
  EXPECT_EQ(t.y, (std::vector<int>{3, 2, 0, 1, 2}));
  EXPECT_EQ(t.class_counts(), (std::vector<size_t>{1, 1, 2, 1}));
}

TEST(LoadTable, OrdersTextLabelsLexicographically) {
  TempDir dir;
  const auto path = dir.write("t.csv", "x,y\n1,fraud\n2,genuine\n3,10\n4,genuine\n");
  const Table t = load_table(path, target("y"));
  EXPECT_EQ(t.classes, (std::vector<std::string>{"10", "fraud", "genuine"}));
  EXPECT_EQ(t.y, (std::vector<int>{1, 2, 0, 2}));
  EXPECT_EQ(t.minority_class(), 0);  // ties between "10" and "fraud": the lower index
  EXPECT_EQ(t.majority_class(), 2);
}

TEST(LoadTable, IntegerFlagIsByValue) {
  TempDir dir;
  const auto path = dir.write("t.csv", "a,b,c,y\n1,2.0,-3,0\n1e3,4,0.5,1\n");
  const Table t = load_table(path, target("y"));
  EXPECT_TRUE(t.columns[0].integer);
  EXPECT_TRUE(t.columns[1].integer);
  EXPECT_FALSE(t.columns[2].integer);
}

TEST(LoadTable, RejectsUnknownTargetListingColumns) {
  TempDir dir;
  const auto path = dir.write("t.csv", "Time,Amount,Class\n1,2,0\n3,4,1\n");
  const std::string msg =
      error_of([&] { load_table(path, target("class")); }, ErrorKind::kNotFound);
  EXPECT_TRUE(has(msg, "target column 'class' is not in the header")) << msg;
  EXPECT_TRUE(has(msg, "did you mean 'Class'?")) << msg;
  EXPECT_TRUE(has(msg, "Time, Amount, Class")) << msg;
  EXPECT_TRUE(has(msg, path)) << msg;
}

TEST(LoadTable, RejectsUnknownDropColumnNamingIt) {
  TempDir dir;
  const auto path = dir.write("t.csv", "Time,Amount,Class\n1,2,0\n3,4,1\n");
  const std::string msg =
      error_of([&] { load_table(path, target("Class", {"Tme"})); }, ErrorKind::kNotFound);
  EXPECT_TRUE(has(msg, "column to drop 'Tme' is not in the header")) << msg;
  EXPECT_TRUE(has(msg, "Time, Amount, Class")) << msg;
}

TEST(LoadTable, RejectsDroppingTheTargetOrEveryFeature) {
  TempDir dir;
  const auto path = dir.write("t.csv", "a,b,y\n1,2,0\n3,4,1\n");
  const std::string msg =
      error_of([&] { load_table(path, target("y", {"y"})); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg, "cannot drop 'y': it is the target column")) << msg;
  const std::string msg2 = error_of(
      [&] {
        load_table(path, target("y", {"a", "b"}));
      },
      ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg2, "no feature columns left")) << msg2;
}

TEST(LoadTable, RejectsDuplicateColumnNames) {
  TempDir dir;
  const auto path = dir.write("t.csv", "a,b,a,y\n1,2,3,0\n4,5,6,1\n");
  const std::string msg =
      error_of([&] { load_table(path, target("y")); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg, "column name 'a' appears more than once in the header (columns 1, 3)"))
      << msg;
}

TEST(LoadTable, RejectsNonNumericValueNamingFileLineColumnValue) {
  TempDir dir;
  const auto path = dir.write("t.csv", "Time,Amount,Class\n0,1.5,0\n1,\"2\",1\n2,abc,0\n3,x,1\n");
  const std::string msg =
      error_of([&] { load_table(path, target("Class")); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg, path + ":4: column 'Amount': expected a number, got \"abc\"")) << msg;
}

TEST(LoadTable, ReportsTheFirstBadValueInFileOrder) {
  TempDir dir;
  const auto path = dir.write("t.csv", "a,b,y\n1,2,0\n3,oops,1\nbad,4,0\n");
  const std::string msg =
      error_of([&] { load_table(path, target("y")); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg, path + ":3: column 'b': expected a number, got \"oops\"")) << msg;
}

TEST(LoadTable, RejectsMissingNanAndInfValues) {
  TempDir dir;
  struct Case {
    std::string value, expected;
  };
  const std::vector<Case> cases = {
      {"", "column 'b': empty value (missing values are not supported yet"},
      {"\"  \"", "column 'b': empty value"},
      {"NaN", "column 'b': value \"NaN\" is not a finite number (missing values"},
      {"nan", "column 'b': value \"nan\" is not a finite number"},
      {"inf", "column 'b': value \"inf\" is not a finite number"},
      {"-Infinity", "column 'b': value \"-Infinity\" is not a finite number"},
      {"1e999", "column 'b': value \"1e999\" is out of the range of a double"},
      {"NA", "column 'b': expected a number, got \"NA\" (missing values are not supported yet"},
  };
  for (const auto& c : cases) {
    const auto path = dir.write("m.csv", "a,b,y\n1,2,0\n3,4,1\n5," + c.value + ",0\n");
    const std::string msg =
        error_of([&] { load_table(path, target("y")); }, ErrorKind::kInvalidArgument);
    EXPECT_TRUE(has(msg, path + ":4: " + c.expected)) << c.value << " -> " << msg;
  }
}

TEST(LoadTable, RejectsCategoricalColumnsWithHint) {
  TempDir dir;
  const auto path = dir.write("t.csv", "type,amount,y\nPAYMENT,1,0\nTRANSFER,2,1\n");
  const std::string msg = error_of([&] { load_table(path, target("y")); }, ErrorKind::kUnsupported);
  EXPECT_TRUE(has(msg, "column 'type' (e.g. \"PAYMENT\") is categorical")) << msg;
  EXPECT_TRUE(has(msg, "not supported yet")) << msg;
  EXPECT_TRUE(has(msg, "--drop type")) << msg;

  const auto two = dir.write("u.csv", "type,amount,city,y\nPAYMENT,1,Paris,0\nCASH,2,,1\n");
  const std::string msg2 = error_of([&] { load_table(two, target("y")); }, ErrorKind::kUnsupported);
  EXPECT_TRUE(
      has(msg2, "columns 'type' (e.g. \"PAYMENT\"), 'city' (e.g. \"Paris\") are categorical"))
      << msg2;
  EXPECT_TRUE(has(msg2, "--drop type,city")) << msg2;
  // Dropping them as the hint says loads the file.
  EXPECT_EQ(load_table(two, target("y", {"type", "city"})).x.cols, 1u);
}

TEST(LoadTable, RejectsEmptyTargetValue) {
  TempDir dir;
  const auto path = dir.write("t.csv", "a,y\n1,0\n2,\n3,1\n");
  const std::string msg =
      error_of([&] { load_table(path, target("y")); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg, path + ":3: column 'y' (the target) is empty")) << msg;
}

TEST(LoadTable, RejectsSingleClassTarget) {
  TempDir dir;
  const auto path = dir.write("t.csv", "a,Class\n1,\"0\"\n2,\"0\"\n");
  const std::string msg =
      error_of([&] { load_table(path, target("Class")); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg, "the target 'Class' has a single class \"0\"")) << msg;
}

TEST(LoadTable, PropagatesCsvErrors) {
  TempDir dir;
  error_of([&] { load_table(dir.path("missing.csv"), target("y")); }, ErrorKind::kNotFound);
  const auto path = dir.write("h.csv", "a,y\n");
  const std::string msg =
      error_of([&] { load_table(path, target("y")); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg, "file has no data rows")) << msg;
  const auto empty = dir.write("e.csv", "");
  EXPECT_TRUE(has(error_of([&] { load_table(empty, target("y")); }, ErrorKind::kInvalidArgument),
                  "file has no data rows"));

  const auto ragged = dir.write("r.csv", "a,b,y\n1,2,0\n3,1\n");
  const std::string msg2 =
      error_of([&] { load_table(ragged, target("y")); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg2, ragged + ":3: expected 3 fields (as in the header), got 2")) << msg2;

  const auto open_quote = dir.write("q.csv", "a,y\n1,0\n\"2,1\n3,0\n");
  const std::string msg3 =
      error_of([&] { load_table(open_quote, target("y")); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg3, open_quote + ":3: field 1:")) << msg3;
  EXPECT_TRUE(has(msg3, "no closing quote")) << msg3;
}

TEST(LoadTable, HandlesBomCrlfAndQuotedHeader) {
  TempDir dir;
  const auto path = dir.write("t.csv", "\xEF\xBB\xBF\"a\",\"Class\"\r\n1.5,\"0\"\r\n2.5,\"1\"\r\n");
  const Table t = load_table(path, target("Class"));
  EXPECT_EQ(t.column_names(), std::vector<std::string>{"a"});
  EXPECT_EQ(t.x.data, (std::vector<double>{1.5, 2.5}));
  EXPECT_EQ(t.y, (std::vector<int>{0, 1}));
}

TEST(Table, SubsetKeepsSchemaAndSelectsRows) {
  TempDir dir;
  const auto path = dir.write("t.csv", "a,b,y\n1,10,p\n2,20,q\n3,30,p\n4,40,q\n");
  const Table t = load_table(path, target("y"));
  const Table s = t.subset({3, 0, 3});
  EXPECT_EQ(s.column_names(), t.column_names());
  EXPECT_EQ(s.classes, t.classes);
  EXPECT_EQ(s.target, t.target);
  EXPECT_EQ(s.source, t.source);
  EXPECT_EQ(s.x.data, (std::vector<double>{4, 40, 1, 10, 4, 40}));
  EXPECT_EQ(s.y, (std::vector<int>{1, 0, 1}));
  EXPECT_EQ(s.class_counts(), (std::vector<size_t>{1, 2}));
  EXPECT_EQ(s.minority_class(), 0);
  EXPECT_EQ(s.majority_class(), 1);
  // A class absent from the subset still counts (as 0) and is then the minority.
  const Table only_q = t.subset({1, 3});
  EXPECT_EQ(only_q.class_counts(), (std::vector<size_t>{0, 2}));
  EXPECT_EQ(only_q.minority_class(), 0);
  EXPECT_THROW(Table().minority_class(), Error);
}

TEST(BundledData, CreditCardLoadsWithTimeDropped) {
  const std::string path = std::string(IMBGEN_SOURCE_DIR) + "/data/creditcard.csv.gz";
  const Table t = load_table(path, target("Class", {"Time"}));
  EXPECT_EQ(t.rows(), 35392u);
  ASSERT_EQ(t.x.cols, 29u);
  EXPECT_EQ(t.columns.front().name, "V1");
  EXPECT_EQ(t.columns.back().name, "Amount");
  EXPECT_EQ(t.classes, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(t.class_counts(), (std::vector<size_t>{34900, 492}));
  EXPECT_EQ(t.minority_class(), 1);
  EXPECT_EQ(t.classes[static_cast<size_t>(t.minority_class())], "1");
  // First data row of the Kaggle file: V1 = -1.3598071336738, Amount = 149.62.
  EXPECT_EQ(t.x(0, 0), -1.3598071336738);
  EXPECT_EQ(t.x(0, 28), 149.62);
  EXPECT_FALSE(t.columns.back().integer);
}

}  // namespace
}  // namespace imbgen
