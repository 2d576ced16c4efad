// Tests for TableEncoder and EncoderConfig: values against scikit-learn, training-rows-only
// fitting, round trips (hand-made table, the Adult fixture, seeded random model-space rows),
// clipping, unseen categories, the JSON form and every error path.
#include "imbgen/data/encoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "data/temp_dir.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

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

bool same(double u, double v) { return u == v || (std::isnan(u) && std::isnan(v)); }

// Exact equality, NaN equal to NaN; non-integer numeric columns within a relative 1e-12
// (un-standardising is not exact in floating point).
void expect_same_table(const std::vector<ColumnInfo>& cols, const Matrix& got, const Matrix& want) {
  ASSERT_EQ(got.rows, want.rows);
  ASSERT_EQ(got.cols, want.cols);
  for (size_t i = 0; i < got.rows; ++i) {
    for (size_t k = 0; k < got.cols; ++k) {
      const double g = got(i, k), w = want(i, k);
      if (cols[k].kind == ColumnKind::kNumeric && !cols[k].integer && !std::isnan(w)) {
        EXPECT_NEAR(g, w, 1e-12 * std::max(1.0, std::abs(w))) << "row " << i << " col " << k;
      } else {
        EXPECT_TRUE(same(g, w)) << "row " << i << " col " << k << ": " << g << " vs " << w;
      }
    }
  }
}

// Five columns: numeric (missing), categorical (missing level only in row 5), integer (missing),
// numeric (two missing), categorical (missing level in row 2).
Table mixed_table(const TempDir& dir) {
  const auto path = dir.write("mixed.csv",
                              "amount,kind,count,score,city,y\n"
                              "12.5,PAYMENT,3,0.25,Paris,0\n"
                              ",TRANSFER,1,,Lyon,1\n"
                              "7.25,PAYMENT,,1.5,,0\n"
                              "100,CASH_OUT,2,-0.5,Paris,0\n"
                              "0,PAYMENT,5,NA,Nice,1\n"
                              "3.5,?,0,2.25,Lyon,0\n"
                              "42,TRANSFER,4,0.75,Paris,1\n");
  LoadOptions o;
  o.target = "y";
  return load_table(path, o);
}

EncoderConfig with_indicators(Imputation imputation = Imputation::kMedian) {
  EncoderConfig c;
  c.imputation = imputation;
  c.missing_indicators = true;
  return c;
}

// Expected values from scikit-learn 1.2.1 (/usr/bin/python3), fit on rows 0-4 only:
//   import numpy as np
//   from sklearn.impute import SimpleImputer
//   from sklearn.preprocessing import StandardScaler, OneHotEncoder
//   num = np.array([[12.5, 3, 0.25], [np.nan, 1, np.nan], [7.25, np.nan, 1.5], [100, 2, -0.5],
//                   [0, 5, np.nan], [3.5, 0, 2.25], [42, 4, 0.75]])
//   cat = np.array([["PAYMENT", "Paris"], ["TRANSFER", "Lyon"], ["PAYMENT", ""],
//                   ["CASH_OUT", "Paris"], ["PAYMENT", "Nice"], ["", "Lyon"],
//                   ["TRANSFER", "Paris"]], dtype=object)
//   train = [0, 1, 2, 3, 4]
//   for strategy in ["median", "mean"]:
//       imp = SimpleImputer(strategy=strategy, add_indicator=True).fit(num[train])
//       filled = imp.transform(num)
//       sc = StandardScaler().fit(filled[train, :3])
//       z = sc.transform(filled[:, :3]); ind = filled[:, 3:]
//       print(strategy, imp.statistics_.tolist(), sc.mean_.tolist(), sc.scale_.tolist())
//       if strategy == "median":
//           ohe = OneHotEncoder(handle_unknown="ignore").fit(cat[train])
//           oh = ohe.transform(cat).toarray(); k = len(ohe.categories_[0])
//           out = np.hstack([z[:, [0]], ind[:, [0]], oh[:, :k], z[:, [1]], ind[:, [1]],
//                            z[:, [2]], ind[:, [2]], oh[:, k:]])
//           for r in out.tolist(): print(r)
// Output (categories_: [CASH_OUT, PAYMENT, TRANSFER], ["", Lyon, Nice, Paris]):
//   median [9.875, 2.5, 0.25] [25.925, 2.7, 0.35] [37.27143678475516, 1.32664991614216,
//          0.6442049363362562]
//   mean [29.9375, 2.75, 0.4166666666666667] [29.9375, 2.75, 0.4166666666666667]
//        [36.397244057758, 1.3228756555322954, 0.6390096504226938]
TEST(TableEncoder, MatchesScikitLearnImputerScalerAndOneHot) {
  TempDir dir;
  const Table t = mixed_table(dir);
  const Table train = t.subset({0, 1, 2, 3, 4});
  TableEncoder enc(with_indicators());
  enc.fit(train);
  ASSERT_EQ(enc.dim(), 13u);
  EXPECT_EQ(enc.imputation_value(0), 9.875);
  EXPECT_EQ(enc.imputation_value(2), 2.5);
  EXPECT_EQ(enc.imputation_value(3), 0.25);
  const std::vector<std::vector<double>> want = {
      {-0.36019539781978893, 0.0, 0.0, 1.0, 0.0, 0.22613350843332256, 0.0, -0.15523010514126656,
       0.0, 0.0, 0.0, 0.0, 1.0},
      {-0.4306246655499153, 1.0, 0.0, 0.0, 1.0, -1.2814232144554953, 0.0, -0.15523010514126656, 1.0,
       0.0, 1.0, 0.0, 0.0},
      {-0.5010539332800417, 0.0, 0.0, 1.0, 0.0, -0.15075567228888193, 1.0, 1.7851462091245656, 0.0,
       1.0, 0.0, 0.0, 0.0},
      {1.9874468598510888, 0.0, 1.0, 0.0, 0.0, -0.5276448530110864, 0.0, -1.319455893700766, 0.0,
       0.0, 0.0, 0.0, 1.0},
      {-0.6955728632013429, 0.0, 0.0, 1.0, 0.0, 1.7336902313221405, 0.0, -0.15523010514126656, 1.0,
       0.0, 0.0, 1.0, 0.0},
      // Row 5: kind "" was not in the training rows -> its span is all zeros.
      {-0.6016671728945078, 0.0, 0.0, 0.0, 0.0, -2.0352015758999045, 0.0, 2.949371997684065, 0.0,
       0.0, 1.0, 0.0, 0.0},
      {0.43129542048067837, 0.0, 0.0, 0.0, 1.0, 0.9799118698777315, 0.0, 0.6209204205650664, 0.0,
       0.0, 0.0, 0.0, 1.0}};
  const Matrix z = enc.transform(t.x);
  ASSERT_EQ(z.rows, 7u);
  for (size_t i = 0; i < z.rows; ++i) {
    for (size_t j = 0; j < z.cols; ++j) {
      EXPECT_NEAR(z(i, j), want[i][j], 1e-12) << "row " << i << " col " << j;
    }
  }
  EXPECT_EQ(enc.model_column_names(),
            (std::vector<std::string>{"amount", "amount (missing)", "kind=CASH_OUT", "kind=PAYMENT",
                                      "kind=TRANSFER", "count", "count (missing)", "score",
                                      "score (missing)", "city=(missing)", "city=Lyon", "city=Nice",
                                      "city=Paris"}));

  TableEncoder mean_enc(with_indicators(Imputation::kMean));
  mean_enc.fit(train);
  EXPECT_NEAR(mean_enc.imputation_value(0), 29.9375, 1e-12);
  EXPECT_NEAR(mean_enc.imputation_value(2), 2.75, 1e-12);
  EXPECT_NEAR(mean_enc.imputation_value(3), 0.4166666666666667, 1e-15);
  const std::vector<double> scale = {36.397244057758, 1.3228756555322954, 0.6390096504226938};
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(mean_enc.scaler().scale()[c], scale[c], 1e-12 * scale[c]);
  }
}

TEST(TableEncoder, ExposesTheLayoutAsSpans) {
  TempDir dir;
  const Table t = mixed_table(dir);
  TableEncoder enc(with_indicators());
  enc.fit(t.subset({0, 1, 2, 3, 4}));
  struct Want {
    SpanKind kind;
    size_t column, start, width;
  };
  const std::vector<Want> want = {
      {SpanKind::kNumeric, 0, 0, 1},          {SpanKind::kMissingIndicator, 0, 1, 1},
      {SpanKind::kOneHot, 1, 2, 3},           {SpanKind::kNumeric, 2, 5, 1},
      {SpanKind::kMissingIndicator, 2, 6, 1}, {SpanKind::kNumeric, 3, 7, 1},
      {SpanKind::kMissingIndicator, 3, 8, 1}, {SpanKind::kOneHot, 4, 9, 4}};
  ASSERT_EQ(enc.spans().size(), want.size());
  for (size_t s = 0; s < want.size(); ++s) {
    EXPECT_EQ(enc.spans()[s].kind, want[s].kind) << s;
    EXPECT_EQ(enc.spans()[s].column, want[s].column) << s;
    EXPECT_EQ(enc.spans()[s].start, want[s].start) << s;
    EXPECT_EQ(enc.spans()[s].width, want[s].width) << s;
  }
  // kind's table codes: "" 0, CASH_OUT 1, PAYMENT 2, TRANSFER 3; training rows lack "".
  EXPECT_EQ(enc.levels(1), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(enc.levels(4), (std::vector<int>{0, 1, 2, 3}));
  // Indicators only where the training rows had a missing value; off by default.
  TableEncoder plain;
  plain.fit(t.subset({0, 3, 5, 6}));               // no missing number in these rows
  EXPECT_EQ(plain.dim(), 1u + 4u + 1u + 1u + 2u);  // kind has "", CASH_OUT, PAYMENT, TRANSFER
  TableEncoder some(with_indicators());
  some.fit(t.subset({0, 1, 3}));  // only amount and score are missing (row 1)
  EXPECT_EQ(some.dim(), 2u + 3u + 1u + 2u + 2u);
  EXPECT_EQ(some.model_column_names()[1], "amount (missing)");
  EXPECT_EQ(some.model_column_names()[5], "count");
  EXPECT_EQ(some.model_column_names()[6], "score");
  EXPECT_EQ(some.model_column_names()[7], "score (missing)");
}

TEST(TableEncoder, ImputesFromTrainingRowsOnly) {
  TempDir dir;
  const Table t = mixed_table(dir);
  // amount over all non-missing rows: median 9.875; over rows {3, 5, 6}: 42.
  TableEncoder enc;
  enc.fit(t.subset({3, 5, 6}));
  EXPECT_EQ(enc.imputation_value(0), 42.0);
  EXPECT_EQ(enc.imputation_value(2), 2.0);  // count: 2, 0, 4
  EXPECT_EQ(enc.lower_bound(0), 3.5);
  EXPECT_EQ(enc.upper_bound(0), 100.0);
  // Row 1 (amount missing) transforms as if its amount were 42: like row 6.
  const Matrix z = enc.transform(t.subset({1, 6}).x);
  EXPECT_EQ(z(0, 0), z(1, 0));
  // Without indicators, a missing value decodes to the imputation value.
  const Matrix back = enc.inverse_transform(z);
  EXPECT_NEAR(back(0, 0), 42.0, 1e-12);
  EXPECT_EQ(back(0, 2), 1.0);
  // The scaler too: mean of the imputed training values only (count: 2, 0, 4).
  EXPECT_EQ(enc.scaler().mean()[1], 2.0);
}

TEST(TableEncoder, RoundTripGivesBackTheTable) {
  TempDir dir;
  const Table t = mixed_table(dir);
  TableEncoder enc(with_indicators());
  enc.fit(t);
  const Matrix z = enc.transform(t.x);
  for (double v : z.data) EXPECT_TRUE(std::isfinite(v));
  const Matrix back = enc.inverse_transform(z);
  expect_same_table(t.columns, back, t.x);
  // The categorical and integer columns and the missing values come back exactly.
  for (size_t i = 0; i < t.rows(); ++i) {
    EXPECT_EQ(back(i, 1), t.x(i, 1));
    EXPECT_TRUE(same(back(i, 2), t.x(i, 2)));
    EXPECT_EQ(std::isnan(back(i, 3)), std::isnan(t.x(i, 3)));
  }
}

TEST(TableEncoder, RoundTripOnAdultFixtureAfterASplit) {
  LoadOptions o;
  o.target = "target";
  const Table t = load_table(std::string(IMBGEN_TEST_DATA) + "/adult-small.csv", o);
  std::vector<size_t> train, test;
  for (size_t i = 0; i < t.rows(); ++i) (i % 4 == 3 ? test : train).push_back(i);
  const Table tr = t.subset(train);
  TableEncoder enc(with_indicators());
  enc.fit(tr);
  // Adult has no missing number: no indicator. 6 numeric + one-hot of the training categories.
  size_t onehot = 0;
  for (const auto& s : enc.spans()) {
    EXPECT_NE(s.kind, SpanKind::kMissingIndicator);
    if (s.kind == SpanKind::kOneHot) onehot += s.width;
  }
  EXPECT_EQ(enc.dim(), 6u + onehot);
  // Every Adult feature is integer or categorical, so the round trip is exact.
  const Matrix back = enc.inverse_transform(enc.transform(tr.x));
  EXPECT_EQ(back.data, tr.x.data);
  // Test rows too, as far as the training rows allow: a category the training rows lack
  // decodes to some training category, a number outside the training range is clipped.
  const Table te = t.subset(test);
  const Matrix back_te = enc.inverse_transform(enc.transform(te.x));
  for (size_t i = 0; i < te.rows(); ++i) {
    for (size_t k = 0; k < te.x.cols; ++k) {
      const double v = te.x(i, k);
      if (t.columns[k].kind == ColumnKind::kCategorical) {
        const auto& lv = enc.levels(k);
        if (std::find(lv.begin(), lv.end(), static_cast<int>(v)) != lv.end()) {
          EXPECT_EQ(back_te(i, k), v);
        }
      } else {
        EXPECT_EQ(back_te(i, k), std::clamp(v, enc.lower_bound(k), enc.upper_bound(k)));
      }
    }
  }
}

TEST(TableEncoder, InverseRoundsIntegersClipsToTrainingBoundsAndReadsIndicators) {
  TempDir dir;
  const Table t = mixed_table(dir);
  TableEncoder enc(with_indicators());
  enc.fit(t.subset({0, 1, 2, 3, 4}));
  const auto& mean = enc.scaler().mean();
  const auto& scale = enc.scaler().scale();
  // One model-space row, built by hand: amount far below 0, count 2.4 and far above 5,
  // score with its indicator at 0.7 (-> missing), soft one-hot values.
  Matrix z(2, enc.dim(), 0.0);
  z(0, 0) = (-50.0 - mean[0]) / scale[0];
  z(0, 1) = 0.2;
  z(0, 2) = 0.1, z(0, 3) = 0.3, z(0, 4) = 0.25;  // kind: PAYMENT (table code 2)
  z(0, 5) = (2.4 - mean[1]) / scale[1];
  z(0, 7) = 0.0, z(0, 8) = 0.7;
  z(0, 9) = 0.4, z(0, 10) = 0.4;  // city: a tie -> the first, "" (the missing level, code 0)
  z(1, 0) = (150.0 - mean[0]) / scale[0];
  z(1, 5) = (9.0 - mean[1]) / scale[1];
  z(1, 7) = (1.0 - mean[2]) / scale[2];
  z(1, 12) = 0.1;
  const Matrix x = enc.inverse_transform(z);
  EXPECT_EQ(x(0, 0), 0.0);  // clipped up to the training minimum: amounts stay >= 0
  EXPECT_EQ(x(0, 1), 2.0);
  EXPECT_EQ(x(0, 2), 2.0);  // 2.4 rounded
  EXPECT_TRUE(std::isnan(x(0, 3)));
  EXPECT_EQ(x(0, 4), 0.0);
  EXPECT_EQ(x(1, 0), 100.0);  // clipped down to the training maximum
  EXPECT_EQ(x(1, 2), 5.0);
  EXPECT_NEAR(x(1, 3), 1.0, 1e-15);
  EXPECT_EQ(x(1, 4), 3.0);  // Paris
  // With clipping off, the values stay where the model put them.
  EncoderConfig c = with_indicators();
  c.clip_to_bounds = false;
  TableEncoder free(c);
  free.fit(t.subset({0, 1, 2, 3, 4}));
  const Matrix y = free.inverse_transform(z);
  EXPECT_NEAR(y(0, 0), -50.0, 1e-12);
  EXPECT_EQ(y(1, 2), 9.0);
}

TEST(TableEncoder, UnseenCategoryIsAllZerosAndNeverDecoded) {
  TempDir dir;
  const Table t = mixed_table(dir);
  TableEncoder enc;
  enc.fit(t.subset({0, 1, 2, 3, 4}));  // kind "" (code 0) only in row 5
  const Matrix z = enc.transform(t.subset({5}).x);
  const EncodedSpan& kind = enc.spans()[1];
  ASSERT_EQ(kind.kind, SpanKind::kOneHot);
  for (size_t j = kind.start; j < kind.start + kind.width; ++j) EXPECT_EQ(z(0, j), 0.0);
  // Decoding any model row gives one of the training categories.
  Rng rng(7);
  Matrix r(200, enc.dim());
  for (double& v : r.data) v = rng.normal();
  const Matrix x = enc.inverse_transform(r);
  for (size_t i = 0; i < x.rows; ++i) EXPECT_NE(x(i, 1), 0.0);
}

// Seeded property: a decoded table is a fixed point (decode(encode(decode(z))) == decode(z)),
// for random model-space rows with every setting.
TEST(TableEncoder, DecodedRowsAreFixedPoints) {
  TempDir dir;
  const Table t = mixed_table(dir);
  for (const bool indicators : {false, true}) {
    for (const bool clip : {false, true}) {
      EncoderConfig c;
      c.missing_indicators = indicators;
      c.clip_to_bounds = clip;
      TableEncoder enc(c);
      enc.fit(t);
      Rng rng(mix_seed(11, indicators * 2 + clip));
      Matrix z(300, enc.dim());
      for (double& v : z.data) v = 2.0 * rng.normal();
      const Matrix x = enc.inverse_transform(z);
      for (size_t i = 0; i < x.rows; ++i) {
        for (size_t k = 0; k < x.cols; ++k) {
          if (t.columns[k].kind == ColumnKind::kNumeric && !std::isnan(x(i, k)) && clip) {
            EXPECT_GE(x(i, k), enc.lower_bound(k));
            EXPECT_LE(x(i, k), enc.upper_bound(k));
          }
          if (!indicators) {
            EXPECT_FALSE(std::isnan(x(i, k)));
          }
        }
      }
      expect_same_table(t.columns, enc.inverse_transform(enc.transform(x)), x);
    }
  }
}

TEST(TableEncoder, JsonRoundTripGivesTheSameEncoder) {
  TempDir dir;
  const Table t = mixed_table(dir);
  EncoderConfig c = with_indicators(Imputation::kMean);
  c.indicator_threshold = 0.25;
  TableEncoder enc(c);
  enc.fit(t.subset({0, 1, 2, 3, 4}));
  const nlohmann::json j = enc.to_json();
  EXPECT_EQ(j.at("format"), "imbgen.table_encoder");
  EXPECT_EQ(j.at("version"), 1);
  // Through text, as it is saved.
  const TableEncoder back = TableEncoder::from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.to_json(), j);
  EXPECT_EQ(back.dim(), enc.dim());
  EXPECT_EQ(back.model_column_names(), enc.model_column_names());
  EXPECT_EQ(back.config().indicator_threshold, 0.25);
  EXPECT_EQ(back.config().imputation, Imputation::kMean);
  EXPECT_EQ(back.columns()[4].categories, t.columns[4].categories);
  EXPECT_EQ(back.transform(t.x).data, enc.transform(t.x).data);
  Rng rng(3);
  Matrix z(50, enc.dim());
  for (double& v : z.data) v = rng.normal();
  const Matrix a = enc.inverse_transform(z), b = back.inverse_transform(z);
  for (size_t i = 0; i < a.data.size(); ++i) EXPECT_TRUE(same(a.data[i], b.data[i])) << i;
}

TEST(TableEncoder, FromJsonReportsEveryProblem) {
  TempDir dir;
  const Table t = mixed_table(dir);
  TableEncoder enc;
  enc.fit(t);
  nlohmann::json j = enc.to_json();
  j["format"] = "imbgen.standard_scaler";
  j["version"] = 2;
  j["extra"] = 1;
  j["columns"][0]["low"] = 5.0;
  j["columns"][0]["high"] = 1.0;
  j["columns"][1]["levels"] = {2, 1};
  j["columns"][2]["kind"] = "ordinal";
  j["columns"][3].erase("impute");
  j["config"]["imputation"] = "mode";
  const std::string msg =
      error_of([&] { TableEncoder::from_json(j); }, ErrorKind::kInvalidArgument);
  for (const char* part :
       {"TableEncoder JSON: ", "unknown key 'extra'", "\"format\" must be \"imbgen.table_encoder\"",
        "\"version\" must be 1, got 2", "columns[0]: \"low\" (5) is above \"high\" (1)",
        "columns[1]: \"levels\" must be a non-empty, increasing array",
        "columns[2]: unknown kind \"ordinal\"", "columns[3]: \"impute\" is missing",
        "unknown imputation \"mode\" (valid: median, mean)",
        "\"scaler\" has 3 columns but there are 2 numeric columns"}) {
    EXPECT_TRUE(has(msg, part)) << part << "\n" << msg;
  }
  EXPECT_TRUE(has(error_of([] { TableEncoder::from_json(nlohmann::json::array()); },
                           ErrorKind::kInvalidArgument),
                  "expected an object"));
}

TEST(EncoderConfig, ValidatesAndRoundTripsThroughJson) {
  EncoderConfig c;
  EXPECT_EQ(c.imputation, Imputation::kMedian);
  EXPECT_FALSE(c.missing_indicators);
  EXPECT_TRUE(c.clip_to_bounds);
  EXPECT_EQ(c.indicator_threshold, 0.5);
  c.validate();
  c.imputation = Imputation::kMean;
  c.missing_indicators = true;
  c.clip_to_bounds = false;
  c.indicator_threshold = 0.3;
  const EncoderConfig back = EncoderConfig::from_json(c.to_json());
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_EQ(back.imputation, Imputation::kMean);
  EXPECT_EQ(EncoderConfig::from_json(nlohmann::json::object()).to_json(),
            EncoderConfig().to_json());  // missing keys keep their defaults

  EncoderConfig bad;
  bad.imputation = static_cast<Imputation>(7);
  bad.indicator_threshold = 1.0;
  const std::string msg = error_of([&] { bad.validate(); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(msg, "imputation must be median or mean, got the value 7")) << msg;
  EXPECT_TRUE(has(msg, "indicator_threshold must be in (0, 1), got 1")) << msg;
  EXPECT_TRUE(has(error_of([&] { TableEncoder e(bad); }, ErrorKind::kInvalidArgument),
                  "indicator_threshold"));

  const nlohmann::json j = {{"imputation", 3},
                            {"missing_indicators", "yes"},
                            {"clip", true},
                            {"indicator_threshold", "half"}};
  const std::string msg2 =
      error_of([&] { EncoderConfig::from_json(j); }, ErrorKind::kInvalidArgument);
  for (const char* part :
       {"unknown key 'clip' (valid: imputation, missing_indicators, indicator_threshold, "
        "clip_to_bounds)",
        "\"imputation\" must be a string, got 3", "\"missing_indicators\" must be true or false",
        "\"indicator_threshold\" must be a number, got \"half\""}) {
    EXPECT_TRUE(has(msg2, part)) << part << "\n" << msg2;
  }
  EXPECT_TRUE(has(error_of(
                      [] {
                        EncoderConfig::from_json({{"indicator_threshold", 0.0}});
                      },
                      ErrorKind::kInvalidArgument),
                  "indicator_threshold must be in (0, 1), got 0"));
}

TEST(TableEncoder, RejectsBadInputNamingTheColumn) {
  TempDir dir;
  const Table t = mixed_table(dir);
  TableEncoder enc;
  EXPECT_TRUE(has(error_of([&] { enc.transform(t.x); }, ErrorKind::kInvalidArgument),
                  "not fitted; call fit first"));
  EXPECT_TRUE(
      has(error_of([&] { enc.inverse_transform(Matrix(1, 1)); }, ErrorKind::kInvalidArgument),
          "not fitted"));
  EXPECT_TRUE(has(error_of([&] { enc.to_json(); }, ErrorKind::kInvalidArgument), "not fitted"));
  EXPECT_TRUE(has(error_of([&] { enc.fit(t.columns, Matrix()); }, ErrorKind::kInvalidArgument),
                  "no training rows"));
  EXPECT_TRUE(has(error_of([&] { enc.fit(t.columns, Matrix(2, 3)); }, ErrorKind::kInvalidArgument),
                  "the schema has 5 columns but the rows have 3 values"));
  // A numeric column with no value in the training rows.
  Matrix all_missing = t.subset({1}).x;
  const std::string empty_column =
      error_of([&] { enc.fit(t.columns, all_missing); }, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(has(empty_column,
                  "numeric column 'amount' has no value in the 1 training rows (all missing)"));
  EXPECT_FALSE(has(empty_column, "TableEncoder"));  // a user sees it: no internal names

  enc.fit(t);
  EXPECT_TRUE(has(error_of([&] { enc.transform(Matrix(1, 4)); }, ErrorKind::kInvalidArgument),
                  "fitted on 5 columns, got 4"));
  Matrix x = t.x;
  x(2, 1) = std::nan("");
  EXPECT_TRUE(has(error_of([&] { enc.transform(x); }, ErrorKind::kInvalidArgument),
                  "column 'kind', row 2: expected a category code (an integer 0..4 - 1), got nan "
                  "(a missing category is a code of its own, not NaN)"));
  x(2, 1) = 4.0;
  EXPECT_TRUE(has(error_of([&] { enc.transform(x); }, ErrorKind::kInvalidArgument),
                  "column 'kind', row 2: expected a category code"));
  x(2, 1) = 1.0;
  x(3, 0) = HUGE_VAL;
  EXPECT_TRUE(has(error_of([&] { enc.transform(x); }, ErrorKind::kInvalidArgument),
                  "column 'amount', row 3: the value inf is not finite"));
  Matrix z(2, enc.dim(), 0.0);
  z(1, 5) = std::nan("");
  EXPECT_TRUE(has(error_of([&] { enc.inverse_transform(z); }, ErrorKind::kInvalidArgument),
                  "model column 5 (count), row 1: the value nan is not finite"));
  EXPECT_TRUE(
      has(error_of([&] { enc.inverse_transform(Matrix(1, 3)); }, ErrorKind::kInvalidArgument),
          "model space has 11 columns, got 3"));
  EXPECT_TRUE(has(error_of([&] { enc.imputation_value(1); }, ErrorKind::kInvalidArgument),
                  "column 1 is not a numeric column"));
  EXPECT_TRUE(has(error_of([&] { enc.levels(0); }, ErrorKind::kInvalidArgument),
                  "column 0 is not a categorical column"));
}

}  // namespace
}  // namespace imbgen
