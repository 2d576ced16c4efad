// Tests for load_table and the Table helpers: target/drop handling, label ordering, categorical
// columns, missing values, every bad value, writing rows back, and the bundled data.
#include "imbgen/data/table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "data/temp_dir.h"
#include "imbgen/core/error.h"
#include "imbgen/core/sha256.h"

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

// Same values, NaN equal to NaN.
bool same_values(const Matrix& a, const Matrix& b) {
  if (a.rows != b.rows || a.cols != b.cols) return false;
  for (size_t i = 0; i < a.data.size(); ++i) {
    const double u = a.data[i], v = b.data[i];
    if (!(u == v || (std::isnan(u) && std::isnan(v)))) return false;
  }
  return true;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
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

TEST(LoadTable, TypoInANumericColumnNamesItAndHintsToDeclareCategorical) {
  TempDir dir;
  // Two numbers and one text: still numeric (most values are numbers), so the text is an error.
  const auto path = dir.write("t.csv", "Amount,Class\n1.5,0\n2,1\nabc,0\n");
  const std::string msg =
      error_of([&] { load_table(path, target("Class")); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg, path + ":4: column 'Amount': expected a number, got \"abc\"")) << msg;
  EXPECT_TRUE(has(msg, "2 of the column's values are numbers and 1 are not")) << msg;
  EXPECT_TRUE(has(msg, "declare it: --categorical Amount")) << msg;
  // A text some people use for a missing value gets a hint on how to write one instead.
  const auto none = dir.write("n.csv", "Amount,Class\n1.5,0\n2,1\nNone,0\n");
  const std::string msg2 =
      error_of([&] { load_table(none, target("Class")); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg2, none + ":4: column 'Amount': expected a number, got \"None\" (write a "
                               "missing value as an empty field"))
      << msg2;
}

TEST(LoadTable, ReadsMissingMarkersAsMissingNumbers) {
  TempDir dir;
  for (const std::string value :
       {"", "\"  \"", " ", "?", "NA", "na", "N/A", "n/a", "NaN", "nan", "null", "NULL"}) {
    const auto path = dir.write("m.csv", "a,b,y\n1,2,0\n3,4.5,1\n5," + value + ",0\n");
    const Table t = load_table(path, target("y"));
    ASSERT_EQ(t.columns[1].kind, ColumnKind::kNumeric) << value;
    EXPECT_TRUE(std::isnan(t.x(2, 1))) << value;
    EXPECT_EQ(t.x(1, 1), 4.5) << value;
    EXPECT_TRUE(t.columns[1].has_missing) << value;
    EXPECT_FALSE(t.columns[0].has_missing) << value;
    // min, max and the integer flag look at the non-missing values only.
    EXPECT_EQ(t.columns[1].min, 2.0);
    EXPECT_EQ(t.columns[1].max, 4.5);
    EXPECT_FALSE(t.columns[1].integer);
  }
  // Missing values in an integer column keep it integer.
  const auto path = dir.write("i.csv", "a,y\n1,0\n,1\n-3,0\n");
  const Table t = load_table(path, target("y"));
  EXPECT_TRUE(t.columns[0].integer);
  EXPECT_EQ(t.columns[0].min, -3.0);
  EXPECT_EQ(t.columns[0].max, 1.0);
  // A column with no value at all is numeric, all NaN, with unknown bounds.
  const auto empty = dir.write("e.csv", "a,b,y\n1,,0\n2,,1\n");
  const Table e = load_table(empty, target("y"));
  EXPECT_EQ(e.columns[1].kind, ColumnKind::kNumeric);
  EXPECT_TRUE(std::isnan(e.x(0, 1)) && std::isnan(e.x(1, 1)));
  EXPECT_TRUE(std::isnan(e.columns[1].min) && std::isnan(e.columns[1].max));
  EXPECT_TRUE(e.columns[1].has_missing);
}

TEST(LoadTable, RejectsInfiniteAndOutOfRangeValues) {
  TempDir dir;
  struct Case {
    std::string value, expected;
  };
  const std::vector<Case> cases = {
      {"inf", "column 'b': value \"inf\" is not a finite number (leave the field empty if"},
      {"-Infinity", "column 'b': value \"-Infinity\" is not a finite number"},
      {"-nan", "column 'b': value \"-nan\" is not a finite number"},
      {"1e999", "column 'b': value \"1e999\" is out of the range of a double"},
  };
  for (const auto& c : cases) {
    const auto path = dir.write("m.csv", "a,b,y\n1,2,0\n3,4,1\n5," + c.value + ",0\n");
    const std::string msg =
        error_of([&] { load_table(path, target("y")); }, ErrorKind::kInvalidArgument);
    EXPECT_TRUE(has(msg, path + ":4: " + c.expected)) << c.value << " -> " << msg;
  }
}

TEST(LoadTable, InfersCategoricalColumnsWithSortedCategories) {
  TempDir dir;
  const auto path = dir.write("u.csv",
                              "type,amount,city,y\n"
                              "PAYMENT,1,Paris,0\n"
                              "CASH, 2 ,,1\n"
                              " TRANSFER ,3,Lyon,0\n"
                              "PAYMENT,4,NA,1\n"
                              "CASH,5,Paris,0\n");
  const Table t = load_table(path, target("y"));
  ASSERT_EQ(t.column_names(), (std::vector<std::string>{"type", "amount", "city"}));
  const ColumnInfo& type = t.columns[0];
  EXPECT_EQ(type.kind, ColumnKind::kCategorical);
  EXPECT_EQ(type.categories, (std::vector<std::string>{"CASH", "PAYMENT", "TRANSFER"}));
  EXPECT_FALSE(type.has_missing);
  EXPECT_FALSE(type.integer);
  EXPECT_EQ(type.min, 0.0);
  EXPECT_EQ(type.max, 2.0);
  EXPECT_EQ(t.columns[1].kind, ColumnKind::kNumeric);
  // The missing level ("" and "NA" alike) is a category of its own, sorted first.
  const ColumnInfo& city = t.columns[2];
  EXPECT_EQ(city.kind, ColumnKind::kCategorical);
  EXPECT_EQ(city.categories, (std::vector<std::string>{"", "Lyon", "Paris"}));
  EXPECT_TRUE(city.has_missing);
  EXPECT_EQ(t.x.data, (std::vector<double>{1, 1, 2,  //
                                           0, 2, 0,  //
                                           2, 3, 1,  //
                                           1, 4, 0,  //
                                           0, 5, 2}));
  EXPECT_EQ(category_label(city.categories[0]), "(missing)");
  EXPECT_EQ(category_label(city.categories[1]), "Lyon");
}

TEST(LoadTable, MostlyTextColumnIsCategoricalWithNumbersAsCategories) {
  TempDir dir;
  const auto path = dir.write("t.csv", "size,y\nS,0\nM,1\nL,0\n10,1\nM,0\n");
  const Table t = load_table(path, target("y"));
  EXPECT_EQ(t.columns[0].kind, ColumnKind::kCategorical);
  EXPECT_EQ(t.columns[0].categories, (std::vector<std::string>{"10", "L", "M", "S"}));
  EXPECT_EQ(t.x.data, (std::vector<double>{3, 2, 1, 0, 2}));
}

TEST(LoadTable, TextsThatMayMeanMissingDoNotDecideTheKind) {
  TempDir dir;
  // Mostly "-": still numeric, so the "-" is an error with a hint (not a categorical column).
  const auto dash = dir.write("d.csv", "amount,y\n-,0\n-,1\n12.5,0\n-,1\n");
  const std::string msg =
      error_of([&] { load_table(dash, target("y")); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg, dash + ":2: column 'amount': expected a number, got \"-\" (write a "
                              "missing value as"))
      << msg;
  // Mostly "None" among texts: categorical, and "None" is one of its categories.
  const auto none = dir.write("n.csv", "alley,y\nNone,0\nNone,1\nGravel,0\nNone,1\n");
  const Table t = load_table(none, target("y"));
  EXPECT_EQ(t.columns[0].kind, ColumnKind::kCategorical);
  EXPECT_EQ(t.columns[0].categories, (std::vector<std::string>{"Gravel", "None"}));
  EXPECT_FALSE(t.columns[0].has_missing);
}

TEST(LoadTable, DeclaredCategoricalColumnsKeepNumbersAsText) {
  TempDir dir;
  const auto path = dir.write("t.csv", "zip,n,y\n10,1,a\n9,2,b\n1.0,3,a\n,4,b\n1,5,a\n10,6,b\n");
  LoadOptions o = target("y");
  o.categorical = {"zip", "y"};  // naming the target changes nothing
  const Table t = load_table(path, o);
  const ColumnInfo& zip = t.columns[0];
  EXPECT_EQ(zip.kind, ColumnKind::kCategorical);
  // Sorted by value when all are numbers ("1" and "1.0" are two categories, ties by text).
  EXPECT_EQ(zip.categories, (std::vector<std::string>{"", "1", "1.0", "9", "10"}));
  EXPECT_EQ(t.x(0, 0), 4.0);
  EXPECT_EQ(t.x(3, 0), 0.0);
  EXPECT_TRUE(zip.has_missing);
  EXPECT_EQ(t.columns[1].kind, ColumnKind::kNumeric);
  EXPECT_EQ(t.classes, (std::vector<std::string>{"a", "b"}));

  o.categorical = {"Zip"};
  const std::string msg = error_of([&] { load_table(path, o); }, ErrorKind::kNotFound);
  EXPECT_TRUE(has(msg, "categorical column 'Zip' is not in the header (did you mean 'zip'?)"))
      << msg;
}

TEST(LoadTable, RejectsTooManyCategories) {
  TempDir dir;
  const auto path = dir.write("t.csv", "id,x,y\nu1,1,0\nu2,2,1\nu1,3,0\nu3,4,1\nu4,5,0\n");
  LoadOptions o = target("y");
  o.max_categories = 3;
  const std::string msg = error_of([&] { load_table(path, o); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg, path + ":6: column 'id': more than 3 distinct values (\"u4\" is one more)"))
      << msg;
  EXPECT_TRUE(has(msg, "--drop id")) << msg;
  o.max_categories = 4;
  EXPECT_EQ(load_table(path, o).columns[0].categories.size(), 4u);
  o.max_categories = 0;  // no limit
  EXPECT_EQ(load_table(path, o).columns[0].categories.size(), 4u);
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

TEST(FormatRow, WritesCategoriesIntegersAndMissingValuesAsInTheFile) {
  Table schema;
  schema.columns = {ColumnInfo{"n", ColumnKind::kNumeric, true},
                    ColumnInfo{"r", ColumnKind::kNumeric, false},
                    ColumnInfo{"c", ColumnKind::kCategorical, false}};
  schema.columns[2].categories = {"", "a,b", "Paris"};
  const double nan = std::nan("");
  const double row1[] = {2.6, 0.1, 1.0};
  EXPECT_EQ(format_row(schema, row1), (std::vector<std::string>{"3", "0.1", "a,b"}));
  const double row2[] = {-0.4, nan, 0.0};  // rounds to "0", never "-0"
  EXPECT_EQ(format_row(schema, row2), (std::vector<std::string>{"0", "", ""}));
  const double row3[] = {nan, -1e-7, 2.0};
  EXPECT_EQ(format_row(schema, row3), (std::vector<std::string>{"", "-1e-07", "Paris"}));

  for (const double bad : {3.0, -1.0, 0.5, nan}) {
    const double row[] = {1.0, 1.0, bad};
    const std::string msg = error_of([&] { format_row(schema, row); }, ErrorKind::kInvalidArgument);
    EXPECT_TRUE(has(msg, "column 'c': expected a category code (an integer 0..3 - 1), got")) << msg;
  }
  const double inf_row[] = {1.0, HUGE_VAL, 1.0};
  const std::string msg =
      error_of([&] { format_row(schema, inf_row); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg, "column 'r': cannot write the non-finite value inf")) << msg;
}

TEST(WriteRowsCsv, WhatItWritesLoadsBackToTheSameTable) {
  TempDir dir;
  const auto path = dir.write("t.csv",
                              "n,kind,amount,zip,y\n"
                              "3,PAYMENT,12.5,75001,fraud\n"
                              ",\"CASH, out\",,?,ok\n"
                              "-2,NA,0.1,69002,ok\n"
                              "7,PAYMENT,1e-07,75001,fraud\n");
  LoadOptions o = target("y");
  o.categorical = {"zip"};
  const Table t = load_table(path, o);
  std::ostringstream out;
  write_rows_csv(t, t.x, t.y, out);
  EXPECT_EQ(out.str(),
            "n,kind,amount,zip,y\n"
            "3,PAYMENT,12.5,75001,fraud\n"
            ",\"CASH, out\",,,ok\n"
            "-2,,0.1,69002,ok\n"
            "7,PAYMENT,1e-07,75001,fraud\n");
  const Table back = load_table(dir.write("back.csv", out.str()), o);
  EXPECT_TRUE(same_values(back.x, t.x));
  EXPECT_EQ(back.y, t.y);
  for (size_t k = 0; k < t.columns.size(); ++k) {
    EXPECT_EQ(back.columns[k].kind, t.columns[k].kind) << k;
    EXPECT_EQ(back.columns[k].categories, t.columns[k].categories) << k;
    EXPECT_EQ(back.columns[k].integer, t.columns[k].integer) << k;
  }
}

TEST(WriteRowsCsv, RejectsRowsThatDoNotFitTheSchema) {
  Table schema;
  schema.columns = {ColumnInfo{"a", ColumnKind::kNumeric, false}};
  schema.target = "y";
  schema.classes = {"0", "1"};
  std::ostringstream out;
  const std::string msg = error_of(
      [&] {
        write_rows_csv(schema, Matrix(2, 2), {0, 1}, out);
      },
      ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg, "the schema has 1 columns; got rows of 2 values, 2 rows and 2 labels"))
      << msg;
  const std::string msg2 = error_of(
      [&] {
        write_rows_csv(schema, Matrix(2, 1), {0, 2}, out);
      },
      ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg2, "row 1 has class index 2; the schema has 2 classes")) << msg2;
}

// tests/data/adult-small.csv: 299 rows of UCI Adult (see tests/data/README.md).
TEST(BundledData, AdultSmallLoadsMixedTypesAndWritesBackByteForByte) {
  const std::string path = std::string(IMBGEN_TEST_DATA) + "/adult-small.csv";
  const Table t = load_table(path, target("target"));
  EXPECT_EQ(t.rows(), 299u);
  ASSERT_EQ(t.x.cols, 14u);
  EXPECT_EQ(t.class_counts(), (std::vector<size_t>{232, 67}));
  std::vector<std::string> categorical;
  for (const auto& c : t.columns) {
    if (c.kind == ColumnKind::kCategorical) categorical.push_back(c.name);
  }
  EXPECT_EQ(categorical,
            (std::vector<std::string>{"workclass", "education", "marital_status", "occupation",
                                      "relationship", "race", "sex", "native_country"}));
  // Missing values (pandas: (df == "").sum()): workclass 12, occupation 12, native_country 6.
  auto missing = [&](size_t k) {
    size_t n = 0;
    for (size_t i = 0; i < t.rows(); ++i) n += t.columns[k].categories[size_t(t.x(i, k))].empty();
    return n;
  };
  EXPECT_EQ(missing(1), 12u);
  EXPECT_EQ(missing(6), 12u);
  EXPECT_EQ(missing(13), 6u);
  EXPECT_EQ(missing(3), 0u);
  EXPECT_EQ(t.columns[1].categories.size(), 7u);  // 6 workclasses + missing
  EXPECT_EQ(t.columns[9].categories, (std::vector<std::string>{"Female", "Male"}));
  EXPECT_TRUE(t.columns[0].integer);
  EXPECT_EQ(t.columns[0].min, 17.0);
  EXPECT_EQ(t.columns[0].max, 84.0);

  std::ostringstream out;
  write_rows_csv(t, t.x, t.y, out);
  EXPECT_EQ(out.str(), read_all(path));
}

}  // namespace
}  // namespace imbgen

namespace imbgen {
namespace {

TEST(TableFromColumns, LabelCodesGiveTheSameTableAsOneTextPerRow) {
  std::vector<ColumnValues> columns(2);
  columns[0].name = "a";
  columns[0].numbers = {1.0, 2.5, NAN, 4.0, 5.0};
  columns[1].name = "b";
  columns[1].kind = ColumnKind::kCategorical;
  columns[1].texts = {"x", "y", "?", "x", "z"};
  // "10" sorts after "9" as numbers; " 9" trims to "9" and so is the same class.
  const std::vector<std::string> texts = {"10", "9", " 9", "10", "2"};
  const Table by_text = table_from_columns(columns, texts, "t", "df");
  LabelCodes coded;
  coded.texts = {"2", " 9", "10", "9", "unused"};
  coded.codes = {2, 3, 1, 2, 0};
  const Table by_code = table_from_columns(columns, coded, "t", "df");
  EXPECT_EQ(by_code.classes, (std::vector<std::string>{"2", "9", "10"}));
  EXPECT_EQ(by_code.classes, by_text.classes);
  EXPECT_EQ(by_code.y, by_text.y);
  EXPECT_EQ(by_code.y, (std::vector<int>{2, 1, 1, 2, 0}));
  EXPECT_TRUE(same_values(by_code.x, by_text.x));
  EXPECT_EQ(table_fingerprint(by_code), table_fingerprint(by_text));

  LabelCodes empty_label;
  empty_label.texts = {"1", " "};
  empty_label.codes = {0, 0, 1, 0, 0};
  EXPECT_TRUE(has(error_of([&] { table_from_columns(columns, empty_label, "t", "df"); },
                           ErrorKind::kInvalidArgument),
                  "row 2: the class label is empty"));
}


// table_from_numbers reads a caller's block in place, in C or Fortran order: the same Table as
// numeric ColumnValues, and the same errors.
TEST(TableFromNumbers, IsTableFromColumnsForABlockInEitherOrder) {
  const std::vector<std::vector<double>> cols = {{1.0, 2.5, NAN, 4.0, -3.0}, {7, 8, 9, 10, 11}};
  std::vector<ColumnValues> columns(2);
  columns[0].name = "a";
  columns[0].numbers = cols[0];
  columns[1].name = "b";
  columns[1].numbers = cols[1];
  LabelCodes labels;
  labels.texts = {"10", "9", " 9"};
  labels.codes = {0, 1, 2, 0, 1};
  const Table want = table_from_columns(columns, labels, "t", "df");
  std::vector<double> c_order, f_order;
  for (size_t r = 0; r < 5; ++r)
    for (size_t c = 0; c < 2; ++c) c_order.push_back(cols[c][r]);
  for (size_t c = 0; c < 2; ++c)
    for (size_t r = 0; r < 5; ++r) f_order.push_back(cols[c][r]);
  for (const NumberBlock& block : {NumberBlock{c_order.data(), 5, 2, 2, 1},
                                   NumberBlock{f_order.data(), 5, 2, 1, 5}}) {
    const Table got = table_from_numbers(block, {"a", "b"}, labels, "t", "df");
    EXPECT_EQ(got.classes, want.classes);
    EXPECT_EQ(got.y, want.y);
    EXPECT_TRUE(same_values(got.x, want.x));
    for (size_t c = 0; c < 2; ++c) {
      EXPECT_EQ(got.columns[c].name, want.columns[c].name);
      EXPECT_EQ(got.columns[c].integer, want.columns[c].integer) << c;
      EXPECT_EQ(got.columns[c].has_missing, want.columns[c].has_missing) << c;
      EXPECT_EQ(got.columns[c].min, want.columns[c].min) << c;
      EXPECT_EQ(got.columns[c].max, want.columns[c].max) << c;
    }
    EXPECT_EQ(table_fingerprint(got), table_fingerprint(want));
  }
  EXPECT_FALSE(want.columns[0].integer);
  EXPECT_TRUE(want.columns[1].integer);
  EXPECT_TRUE(want.columns[0].has_missing);

  // Two infinite values: both name the first in column order (row 3 of "a", not row 1 of "b").
  std::vector<double> bad = c_order;
  bad[1 * 2 + 1] = INFINITY;   // row 1, column b
  bad[3 * 2 + 0] = -INFINITY;  // row 3, column a
  columns[0].numbers[3] = -INFINITY;
  columns[1].numbers[1] = INFINITY;
  const std::string from_columns = error_of(
      [&] { table_from_columns(columns, labels, "t", "df"); }, ErrorKind::kInvalidArgument);
  EXPECT_EQ(error_of([&] { table_from_numbers({bad.data(), 5, 2, 2, 1}, {"a", "b"}, labels, "t",
                                              "df"); },
                     ErrorKind::kInvalidArgument),
            from_columns);
  EXPECT_TRUE(has(from_columns, "row 3, column 'a': value -inf is not a finite number"))
      << from_columns;
  EXPECT_TRUE(has(error_of([&] { table_from_numbers({c_order.data(), 5, 2, 2, 1}, {"a", "a"},
                                                    labels, "t", "df"); },
                           ErrorKind::kInvalidArgument),
                  "column name 'a' appears more than once"));
  EXPECT_TRUE(has(error_of([&] { table_from_numbers({c_order.data(), 4, 2, 2, 1}, {"a", "b"},
                                                    labels, "t", "df"); },
                           ErrorKind::kInvalidArgument),
                  "the numbers have 4 rows but there are 5 class labels"));
}

TEST(TableFingerprint, IsTheDocumentedByteLayoutHashedWithSha256) {
  // Reference (python3): the layout table.h documents, hashed with hashlib:
  //   import hashlib, struct, math
  //   h = hashlib.sha256()
  //   def u64(v): h.update(struct.pack('<Q', v))
  //   def text(s): b = s.encode(); u64(len(b)); h.update(b)
  //   def dbl(v): h.update(struct.pack('<d', float('nan') if math.isnan(v) else v + 0.0))
  //   text('imbgen-table-v1'); u64(2); text('a'); u64(0); u64(0); text('b'); u64(1); u64(2)
  //   text('x'); text('y'); text('t'); u64(2); text('0'); text('1'); u64(3)
  //   for a, b, y in [(1.5, 1.0, 0), (-0.0, 0.0, 1), (float('nan'), 1.0, 0)]:
  //       dbl(a); dbl(b); u64(y)
  //   print(h.hexdigest())
  std::vector<ColumnValues> columns(2);
  columns[0].name = "a";
  columns[0].numbers = {1.5, -0.0, NAN};
  columns[1].name = "b";
  columns[1].kind = ColumnKind::kCategorical;
  columns[1].texts = {"y", "x", "y"};
  const Table t = table_from_columns(columns, std::vector<std::string>{"0", "1", "0"}, "t", "df");
  const std::string want =
      "sha256:582fa8f2ad88522e9bf771043050a06adc02d30ba8b0f2170fb0dbd8ee7c9649";
  EXPECT_EQ(table_fingerprint(t), want);
  sha256_use_cpu_extensions(false);
  EXPECT_EQ(table_fingerprint(t), want);
  sha256_use_cpu_extensions(true);
}

}  // namespace
}  // namespace imbgen

namespace imbgen {
namespace {

// A schema with an integer, a real and a categorical column, and rows of all kinds of values.
Table row_text_schema() {
  Table schema;
  schema.columns = {ColumnInfo{"n", ColumnKind::kNumeric, true},
                    ColumnInfo{"r", ColumnKind::kNumeric, false},
                    ColumnInfo{"c", ColumnKind::kCategorical, false}};
  schema.columns[2].categories = {"", "a,b", "Paris \"x\""};
  schema.target = "y";
  schema.classes = {"ok", "fraud, big"};
  return schema;
}

Matrix row_text_rows(size_t n, uint64_t seed) {
  Matrix x(n, 3);
  uint64_t state = seed;
  const auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 11;
  };
  for (size_t i = 0; i < n; ++i) {
    x(i, 0) = static_cast<double>(next() % 2001) - 1000.0 + 0.3;
    const double u = static_cast<double>(next()) / 9007199254740992.0;  // [0, 1)
    x(i, 1) = i % 17 == 0 ? std::nan("") : (u - 0.5) * 1e3;
    x(i, 2) = static_cast<double>(next() % 3);
  }
  return x;
}

// Appends text's chunks to `got` until the end, or until next() throws (what came before stays).
void read_text(RowText& text, std::string& got) {
  for (std::string_view part = text.next(); !part.empty(); part = text.next()) got.append(part);
}

TEST(RowText, GivesTheSameTextAsRowWriterWhateverTheThreadsAndChunks) {
  const Table schema = row_text_schema();
  const Matrix a = row_text_rows(1000, 1), b(0, 3), c = row_text_rows(333, 2);
  std::vector<int> ya(a.rows), yb, yc(c.rows);
  for (size_t i = 0; i < ya.size(); ++i) ya[i] = static_cast<int>(i % 2);
  for (size_t i = 0; i < yc.size(); ++i) yc[i] = 1;
  const RowWriter writer(schema);
  for (const bool ndjson : {false, true}) {
    std::string want = ndjson ? "" : writer.csv_header();
    for (const auto* block : {&a, &b, &c}) {
      const std::vector<int>& y = block == &a ? ya : block == &b ? yb : yc;
      for (size_t r = 0; r < block->rows; ++r) {
        if (ndjson)
          writer.append_ndjson(block->row(r), y[r], want);
        else
          writer.append_csv(block->row(r), y[r], want);
      }
    }
    for (const int threads : {0, 1, 2, 3}) {
      for (const size_t chunk_bytes : {size_t{1}, size_t{500}, size_t{1} << 20}) {
        RowText text(schema, {{&a, &ya}, {&b, &yb}, {&c, &yc}}, ndjson, threads, chunk_bytes);
        std::string got;
        size_t chunks = 0;
        for (std::string_view part = text.next(); !part.empty(); part = text.next()) {
          got.append(part);
          ++chunks;
        }
        EXPECT_TRUE(text.done());
        EXPECT_TRUE(text.next().empty());
        EXPECT_EQ(got, want) << "ndjson " << ndjson << ", threads " << threads << ", chunk "
                             << chunk_bytes;
        if (chunk_bytes == 1) {
          EXPECT_GE(chunks, a.rows + c.rows);  // one row per chunk
        }
      }
    }
  }
  // What write_rows_csv writes is the same text.
  std::ostringstream out;
  write_rows_csv(schema, a, ya, out);
  std::string want = writer.csv_header();
  for (size_t r = 0; r < a.rows; ++r) writer.append_csv(a.row(r), ya[r], want);
  EXPECT_EQ(out.str(), want);
}

TEST(RowText, NoRowsIsTheHeaderOrNothing) {
  const Table schema = row_text_schema();
  const Matrix none(0, 3);
  const std::vector<int> y;
  RowText csv(schema, {{&none, &y}}, false, 2);  // threads that never get a row
  EXPECT_EQ(csv.next(), "n,r,c,y\n");
  EXPECT_TRUE(csv.next().empty());
  EXPECT_TRUE(csv.done());
  RowText ndjson(schema, {}, true, 2);
  EXPECT_TRUE(ndjson.next().empty());
  EXPECT_TRUE(ndjson.done());
}

// Rows made on demand give the same text as the same rows held by the caller, each block made
// once; idle threads make blocks ahead of need, but no more than threads + 1 are held at once.
TEST(RowText, RowsMadeOnDemandGiveTheSameTextAndAreMadeOnce) {
  const Table schema = row_text_schema();
  constexpr size_t kBlocks = 12;
  std::vector<Matrix> x;
  std::vector<std::vector<int>> y;
  for (size_t b = 0; b < kBlocks; ++b) {
    x.push_back(row_text_rows(b == 5 ? 0 : 150 + 10 * b, 10 + b));  // block 5: no rows
    y.emplace_back(x.back().rows, static_cast<int>(b % 2));
  }
  for (const bool ndjson : {false, true}) {
    std::vector<RowText::Block> held;
    for (size_t b = 0; b < kBlocks; ++b) held.emplace_back(&x[b], &y[b]);
    RowText reference(schema, held, ndjson, 0);
    std::string want;
    for (std::string_view part = reference.next(); !part.empty(); part = reference.next())
      want.append(part);
    for (const int threads : {0, 1, 2, 3}) {
      std::vector<std::atomic<int>> made(kBlocks);
      std::vector<RowText::Block> lazy;
      for (size_t b = 0; b < kBlocks; ++b) {
        RowText::Block block;
        if (b % 3 == 0) {  // some of the caller's rows among them
          block = RowText::Block(&x[b], &y[b]);
        } else {
          block.rows = x[b].rows;
          block.make = [&, b](Matrix& mx, std::vector<int>& my) {
            ++made[b];
            mx = x[b];
            my = y[b];
          };
        }
        lazy.push_back(std::move(block));
      }
      RowText text(schema, std::move(lazy), ndjson, threads, 2000);
      std::string got(text.next());
      // A slow reader: the threads run ahead as far as they may.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      int started = 0;
      for (size_t b = 0; b < kBlocks; ++b) started += made[b].load();
      // Two chunks of 2000 bytes reach into the first two blocks; at most threads + 1 blocks
      // are held beyond them.
      EXPECT_LE(started, 2 + std::max(threads, 1) + 1) << "threads " << threads;
      read_text(text, got);
      EXPECT_EQ(got, want) << "ndjson " << ndjson << ", threads " << threads;
      for (size_t b = 0; b < kBlocks; ++b) {
        EXPECT_EQ(made[b].load(), b % 3 == 0 || x[b].rows == 0 ? 0 : 1) << "block " << b;
      }
    }
  }
}

// What a block's make() throws comes out of next() after the text of the blocks before it.
TEST(RowText, AnErrorMakingRowsComesOutWhereTheirTextWouldStart) {
  const Table schema = row_text_schema();
  const Matrix a = row_text_rows(3000, 4);
  const std::vector<int> ya(a.rows, 0);
  for (const int threads : {0, 2}) {
    RowText::Block bad;
    bad.rows = 100;
    bad.make = [](Matrix&, std::vector<int>&) {
      throw Error(ErrorKind::kDiverged, "the generator made NaN");
    };
    std::vector<RowText::Block> blocks;
    blocks.emplace_back(&a, &ya);
    blocks.push_back(std::move(bad));
    RowText text(schema, std::move(blocks), false, threads, 4096);
    std::string got;
    const std::string msg = error_of(
        [&] { read_text(text, got); },
        ErrorKind::kDiverged);
    EXPECT_TRUE(has(msg, "the generator made NaN")) << msg;
    EXPECT_EQ(std::count(got.begin(), got.end(), '\n'), 3001);  // the header and block a
    EXPECT_TRUE(text.done());
  }
}

TEST(RowText, AValueThatCannotBeWrittenIsAnErrorNamingTheColumn) {
  const Table schema = row_text_schema();
  Matrix x = row_text_rows(5000, 3);
  x(4321, 1) = HUGE_VAL;
  const std::vector<int> y(x.rows, 0);
  for (const int threads : {0, 1, 2}) {
    RowText text(schema, {{&x, &y}}, false, threads, 4096);
    std::string got;
    const std::string msg = error_of(
        [&] { read_text(text, got); },
        ErrorKind::kInvalidArgument);
    EXPECT_TRUE(has(msg, "column 'r': cannot write the non-finite value inf")) << msg;
    EXPECT_TRUE(text.done());
    // Every row before the bad one, nothing past it.
    EXPECT_EQ(std::count(got.begin(), got.end(), '\n'), 4321 + 1);
  }
}

}  // namespace
}  // namespace imbgen
