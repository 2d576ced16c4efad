// The public Model API: fit/sample/generate/resample, save/load with the model card, one seeding
// rule, and model files of imbgen 0.1 (metadata without a card) still loading.
#include "imbgen/experiment/model.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/table.h"
#include "imbgen/experiment/fidelity.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

namespace fs = std::filesystem;

const std::string kAdult = std::string(IMBGEN_TEST_DATA) + "/adult-small.csv";

Table adult() {
  LoadOptions o;
  o.target = "target";
  return load_table(kAdult, o);
}

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("imbgen-model-test-" + std::to_string(::getpid()) + "-" + name);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Model, SamplesRowsInTheTablesOwnSchema) {
  const Table t = adult();
  const Model m = Model::fit(t, {"smote_nc", nlohmann::json::object(), {}, 5, nullptr});
  ASSERT_EQ(m.fitted_classes().size(), 1u);
  const std::string label = m.fitted_classes()[0];
  const Table rows = m.sample(label, 200, 9);
  ASSERT_EQ(rows.rows(), 200u);
  EXPECT_EQ(rows.column_names(), t.column_names());
  for (size_t c = 0; c < t.columns.size(); ++c) {
    const ColumnInfo& col = t.columns[c];
    for (size_t r = 0; r < rows.rows(); ++r) {
      const double v = rows.x(r, c);
      if (col.kind == ColumnKind::kCategorical) {
        EXPECT_EQ(v, std::floor(v)) << col.name;
        EXPECT_GE(v, 0.0);
        EXPECT_LT(v, static_cast<double>(col.categories.size())) << col.name;
      } else if (!std::isnan(v)) {
        if (col.integer) {
          EXPECT_EQ(v, std::round(v)) << col.name;
        }
        EXPECT_GE(v, col.min) << col.name;
        EXPECT_LE(v, col.max) << col.name;
      }
    }
  }
  for (int y : rows.y) EXPECT_EQ(t.classes[static_cast<size_t>(y)], label);
  // Same model and seed: same bytes; another seed: other rows.
  EXPECT_EQ(m.sample(label, 200, 9).x.data, rows.x.data);
  EXPECT_NE(m.sample(label, 200, 10).x.data, rows.x.data);
}

TEST(Model, GenerateDrawsEachClassWithItsClassSampleSeed) {
  const Table t = load_table(std::string(IMBGEN_TEST_DATA) + "/nsl-kdd-small.csv.gz",
                             [] {
                               LoadOptions o;
                               o.target = "target";
                               return o;
                             }());
  ModelOptions o;
  o.generator = "random";
  o.seed = 4;
  const Model m = Model::fit(t, o);
  const auto classes = m.fitted_class_indices();
  ASSERT_GE(classes.size(), 2u);
  std::map<int, size_t> want;
  for (int c : classes) want[c] = 3;
  const SyntheticRows rows = m.generate(want, 4);
  ASSERT_EQ(rows.x.rows, 3 * classes.size());
  size_t at = 0;
  for (const auto& [cls, n] : want) {  // class by class, in index order
    const Matrix one = m.sample_values(cls, n, class_sample_seed(4, cls));
    for (size_t r = 0; r < n; ++r, ++at) {
      EXPECT_EQ(rows.y[at], cls);
      for (size_t c = 0; c < one.cols; ++c) EXPECT_EQ(rows.x(at, c), one(r, c));
    }
  }
  // class_sample_seed is mix_seed of mix_seed: fixed, documented values.
  EXPECT_EQ(class_sample_seed(4, 1), mix_seed(mix_seed(4, 0x736d70), 1));
  EXPECT_NE(class_sample_seed(4, 1), class_sample_seed(4, 2));
}

TEST(Model, ResampleKeepsTheOriginalRowsFirst) {
  const Table t = adult();
  ResampleOptions o;
  o.generator = "smote_nc";
  o.seed = 12;
  const Resampled r = resample(t, o);
  EXPECT_EQ(r.original_rows, t.rows());
  const auto before = t.class_counts();
  const auto after = r.table.class_counts();
  EXPECT_EQ(after[0], after[1]);  // auto: every class up to the majority
  EXPECT_EQ(r.table.rows(), t.rows() + r.added.begin()->second);
  for (size_t i = 0; i < t.x.data.size(); ++i) {
    const double a = t.x.data[i], b = r.table.x.data[i];
    EXPECT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << i;
  }
  EXPECT_EQ(std::vector<int>(r.table.y.begin(), r.table.y.begin() + t.rows()), t.y);
  // The added rows are the model's generate() with the same seed.
  const SyntheticRows again = r.model.generate(r.added, 12);
  for (size_t i = 0; i < again.x.data.size(); ++i) {
    const double a = again.x.data[i], b = r.table.x.data[t.x.data.size() + i];
    EXPECT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << i;
  }
  (void)before;
}

// Three classes (200, 30 and 20 rows) of numbers only: "a" continuous, "b" whole numbers in
// [0, 5], "c" continuous and positive.
Table numbers_table() {
  std::vector<ColumnValues> columns(3);
  columns[0].name = "a";
  columns[1].name = "b";
  columns[2].name = "c";
  std::vector<std::string> labels;
  Rng rng(5);
  for (int i = 0; i < 250; ++i) {
    const int cls = i < 200 ? 0 : (i < 230 ? 1 : 2);
    columns[0].numbers.push_back(rng.normal() + cls);
    columns[1].numbers.push_back(static_cast<double>(static_cast<int>(rng.uniform() * 6)));
    columns[2].numbers.push_back(std::exp(rng.normal()) * (1 + cls));
    labels.push_back(cls == 0 ? "no" : (cls == 1 ? "yes" : "maybe"));
  }
  return table_from_columns(columns, labels, "t", "numbers");
}

// The numbers of a table as a block: Fortran order (a DataFrame's values) or C order.
std::vector<double> block_values(const Table& t, bool fortran) {
  std::vector<double> out;
  if (fortran) {
    for (size_t c = 0; c < t.columns.size(); ++c)
      for (size_t r = 0; r < t.rows(); ++r) out.push_back(t.x(r, c));
  } else {
    out = t.x.data;
  }
  return out;
}

NumberBlock block_of(const std::vector<double>& values, size_t rows, size_t cols, bool fortran) {
  return fortran ? NumberBlock{values.data(), rows, cols, 1, static_cast<ptrdiff_t>(rows)}
                 : NumberBlock{values.data(), rows, cols, static_cast<ptrdiff_t>(cols), 1};
}

LabelCodes codes_of(const Table& t) {
  LabelCodes labels;
  labels.texts = t.classes;
  for (int c : t.y) labels.codes.push_back(c);
  return labels;
}

// NumberResample writes the table's rows, then what resample() adds, the same bytes in the same
// order, for generators of every kind (interpolation and copies, fit on their own classes' rows
// alone; neighbourhoods of every class, a copula, a network), in either order.
TEST(Model, NumberResampleWritesWhatResampleAdds) {
  const Table t = numbers_table();
  const std::vector<std::string> names = {"a", "b", "c"};
  for (const auto& [generator, config] :
       std::vector<std::pair<std::string, nlohmann::json>>{
           {"smote", nlohmann::json::object()},
           {"random", nlohmann::json::object()},
           {"adasyn", nlohmann::json::object()},
           {"gaussian_copula", nlohmann::json::object()},
           {"gan", {{"steps", 20}}}}) {
    ResampleOptions o;
    o.generator = generator;
    o.config = config;
    o.seed = 21;
    o.keep_original = false;
    const Resampled want = resample(t, o);
    for (const bool fortran : {true, false}) {
      const std::vector<double> values = block_values(t, fortran);
      const NumberResample job(block_of(values, t.rows(), 3, fortran), names, codes_of(t), "t",
                               "numbers", o);
      ASSERT_EQ(job.rows_to_add(), want.table.rows()) << generator;
      EXPECT_EQ(job.added(), want.added) << generator;
      EXPECT_EQ(job.classes(), t.classes);
      const size_t total = t.rows() + job.rows_to_add();
      std::vector<double> buffer(total * 3, -1.0);
      const MutableNumberBlock out =
          fortran ? MutableNumberBlock{buffer.data(), total, 3, 1, static_cast<ptrdiff_t>(total)}
                  : MutableNumberBlock{buffer.data(), total, 3, 3, 1};
      ASSERT_TRUE(job.write(out)) << generator;
      size_t different = 0;
      for (size_t r = 0; r < total; ++r) {
        for (size_t c = 0; c < 3; ++c) {
          const double w = r < t.rows() ? t.x(r, c) : want.table.x(r - t.rows(), c);
          different += std::memcmp(&out(r, c), &w, sizeof w) != 0;
        }
      }
      EXPECT_EQ(different, 0u) << generator << (fortran ? " fortran" : " c");
      // The rows are real work: whole numbers in "b", within the bounds of "c".
      for (size_t r = t.rows(); r < total; ++r) {
        EXPECT_EQ(out(r, 1), std::round(out(r, 1))) << generator;
        EXPECT_GE(out(r, 2), t.columns[2].min) << generator;
      }
    }
  }
}

// A sample of more than kSamplePiece rows is drawn in pieces, each on its own: piece 0 is the
// single draw of a small sample with the same seed, piece k is Model::sample_piece(k), and
// NumberResample (the Python package's door) draws by the same rule as resample().
TEST(Model, LargeSamplesAreDrawnInPiecesThatCanBeDrawnAlone) {
  const Table t = numbers_table();
  ModelOptions mo;
  mo.generator = "smote";
  mo.classes = {"yes"};
  mo.seed = 3;
  const Model m = Model::fit(t, mo);
  const size_t n = 2 * kSamplePiece + 1000;
  ASSERT_EQ(sample_piece_count(n), 3u);
  EXPECT_EQ(sample_piece_rows(n, 2), 1000u);
  const Table all = m.sample("yes", n, 8);
  ASSERT_EQ(all.rows(), n);
  const Table first = m.sample("yes", kSamplePiece, 8);  // one draw with seed 8
  Matrix piece(5, 5, 7.0);  // its storage is reused
  std::vector<int> y = {4};
  for (const size_t k : {2, 0, 1}) {  // in any order
    m.sample_piece("yes", n, 8, k, piece, y);
    ASSERT_EQ(piece.rows, sample_piece_rows(n, k));
    ASSERT_EQ(piece.cols, 3u);
    EXPECT_EQ(y, std::vector<int>(piece.rows, m.fitted_class_index("yes")));
    const double* from = all.x.row(k * kSamplePiece);
    EXPECT_TRUE(std::equal(piece.data.begin(), piece.data.end(), from)) << "piece " << k;
    if (k == 0) {
      EXPECT_EQ(piece.data, first.x.data);
    }
  }
  // The pieces are different draws (not one piece repeated).
  EXPECT_FALSE(std::equal(all.x.row(0), all.x.row(1), all.x.row(kSamplePiece)));
  EXPECT_EQ(sample_piece_seed(8, 0), 8u);
  EXPECT_NE(sample_piece_seed(8, 1), sample_piece_seed(8, 2));

  // resample() and NumberResample: class "yes" grown to more than two pieces.
  ResampleOptions o;
  o.seed = 21;
  o.keep_original = false;
  o.sampling = SamplingStrategy::parse("yes=" + std::to_string(n));
  const Resampled want = resample(t, o);
  ASSERT_EQ(want.table.rows(), n - 30);
  const std::vector<double> values = block_values(t, false);
  const NumberResample job(block_of(values, t.rows(), 3, false), {"a", "b", "c"}, codes_of(t),
                           "t", "numbers", o);
  std::vector<double> buffer((t.rows() + job.rows_to_add()) * 3, -1.0);
  ASSERT_TRUE(job.write({buffer.data(), t.rows() + job.rows_to_add(), 3, 3, 1}));
  EXPECT_TRUE(std::equal(want.table.x.data.begin(), want.table.x.data.end(),
                         buffer.begin() + static_cast<ptrdiff_t>(t.rows() * 3)));
}

// SampleText streams what write_rows_csv writes of Model::sample's rows, class after class, the
// pieces drawn while the text is read; an unknown label throws before any text.
TEST(Model, SampleTextIsTheTextOfTheSampledRows) {
  const Table t = numbers_table();
  ModelOptions mo;
  mo.generator = "smote";
  mo.classes = {"yes", "maybe"};
  mo.seed = 3;
  const Model m = Model::fit(t, mo);
  const size_t big = kSamplePiece + 4000;
  const Table a = m.sample("maybe", big, 5), b = m.sample("yes", 10, 5);
  std::vector<int> y = a.y;
  y.insert(y.end(), b.y.begin(), b.y.end());
  std::ostringstream want;
  write_rows_csv(a, Matrix::vstack(a.x, b.x), y, want);
  SampleText text(m, {{"maybe", big}, {"yes", 10}}, 5, false);
  EXPECT_EQ(text.rows(), big + 10);
  std::string got;
  for (std::string_view chunk = text.next(); !chunk.empty(); chunk = text.next()) got += chunk;
  EXPECT_TRUE(text.done());
  EXPECT_EQ(got.size(), want.str().size());
  EXPECT_TRUE(got == want.str());
  const std::string msg = error_of([&] { SampleText bad(m, {{"no", 3}}, 5, false); });
  EXPECT_NE(msg.find("class 'no'"), std::string::npos) << msg;
}

// A missing value: write() says so (resample() on table_from_numbers does the encoding); an
// infinite value: table_from_numbers' error, word for word.
TEST(Model, NumberResampleLeavesMissingValuesToResample) {
  const Table t = numbers_table();
  const std::vector<std::string> names = {"a", "b", "c"};
  ResampleOptions o;
  o.keep_original = false;
  std::vector<double> values = block_values(t, false);
  values[7 * 3 + 2] = NAN;
  const NumberResample job(block_of(values, t.rows(), 3, false), names, codes_of(t), "t", "df", o);
  std::vector<double> buffer((t.rows() + job.rows_to_add()) * 3);
  const MutableNumberBlock out{buffer.data(), t.rows() + job.rows_to_add(), 3, 3, 1};
  EXPECT_FALSE(job.write(out));
  values[9 * 3 + 1] = -INFINITY;
  const std::string want = error_of([&] {
    table_from_numbers(block_of(values, t.rows(), 3, false), names, codes_of(t), "t", "df");
  });
  EXPECT_NE(want.find("row 9, column 'b': value -inf is not a finite number"), std::string::npos)
      << want;
  EXPECT_EQ(error_of([&] {
              NumberResample(block_of(values, t.rows(), 3, false), names, codes_of(t), "t", "df",
                             o)
                  .write(out);
            }),
            want);
}

TEST(Model, SaveAndLoadKeepRowsAndCard) {
  const Table t = adult();
  ModelOptions o;
  o.generator = "gaussian_copula";
  o.seed = 21;
  Model m = Model::fit(t, o);
  m.set_fidelity(evaluate_model(m, t, 21, [] {
    EvaluationConfig c;
    c.detection_folds = 2;
    return c;
  }()));
  const fs::path p = temp_file("a.imbgen");
  m.save(p.string());
  const Model back = Model::load(p.string());
  const std::string label = m.fitted_classes()[0];
  EXPECT_EQ(back.sample(label, 50, 3).x.data, m.sample(label, 50, 3).x.data);
  EXPECT_EQ(back.card(), m.card());
  const auto& card = back.card();
  EXPECT_EQ(card.at("generator"), "gaussian_copula");
  EXPECT_EQ(card.at("seed"), 21);
  EXPECT_EQ(card.at("data").at("fingerprint"), table_fingerprint(t));
  EXPECT_EQ(card.at("config"), back.generator().config());
  EXPECT_FALSE(card.at("fidelity").is_null());
  EXPECT_TRUE(card.at("fidelity").at("classes").contains(label));
  fs::remove(p);
}

TEST(Model, LoadsModelFilesWithoutACard) {
  // What imbgen 0.1's `imbgen fit` wrote: the schema keys, no "card".
  const Table t = adult();
  const Model m = Model::fit(t, {"random", nlohmann::json::object(), {}, 1, nullptr});
  const nlohmann::json old_meta = {{"space", m.space().to_json()},
                                   {"target", t.target},
                                   {"classes", t.classes},
                                   {"fitted_classes", m.fitted_classes()},
                                   {"source", t.source}};
  const fs::path p = temp_file("old.imbgen");
  save_generator(m.generator(), p.string(), old_meta);
  const Model back = Model::load(p.string());
  const std::string label = m.fitted_classes()[0];
  EXPECT_EQ(back.sample(label, 20, 2).x.data, m.sample(label, 20, 2).x.data);
  EXPECT_EQ(back.card().at("generator"), "random");
  EXPECT_TRUE(back.card().at("seed").is_null());
  fs::remove(p);
}

// A model file whose checksum is right but whose card lacks a
// member or has one of another type ("data": 3, "source": 5) loaded, and its readers (the
// server's model card, save()) then failed with nlohmann's out_of_range or type_error, an
// internal error (500 from the server) instead of naming the damaged file.
TEST(Model, ADamagedModelCardIsNamedWhenTheFileIsLoaded) {
  const Table t = adult();
  const Model m = Model::fit(t, {"random", nlohmann::json::object(), {}, 1, nullptr});
  const fs::path p = temp_file("card.imbgen");
  m.save(p.string());
  const nlohmann::json good_card = Model::load(p.string()).card();
  const auto meta_with = [&](const nlohmann::json& card) {
    return nlohmann::json{{"space", m.space().to_json()},
                          {"target", t.target},
                          {"classes", t.classes},
                          {"fitted_classes", m.fitted_classes()},
                          {"source", 5},
                          {"card", card}};
  };
  nlohmann::json no_data = good_card;
  no_data.erase("data");
  nlohmann::json data_not_object = good_card;
  data_not_object["data"] = 3;
  nlohmann::json source_not_text = good_card;
  source_not_text["data"]["source"] = 5;
  for (const auto& card : {nlohmann::json(7), no_data, data_not_object, source_not_text}) {
    save_generator(m.generator(), p.string(), meta_with(card));
    const std::string msg = error_of([&] { Model::load(p.string()); });
    EXPECT_NE(msg.find("card.imbgen': the model card is damaged: "), std::string::npos)
        << card.dump() << "\n" << msg;
  }
  // Without a card (imbgen 0.1), a "source" that is not text is left out, not an internal error.
  nlohmann::json old_meta = meta_with(nullptr);
  old_meta.erase("card");
  save_generator(m.generator(), p.string(), old_meta);
  EXPECT_EQ(Model::load(p.string()).card().at("data").at("source"), "");
  fs::remove(p);
}

TEST(Model, ErrorsNameTheClassesAndTheFile) {
  const Table t = adult();
  std::string msg = error_of([&] {
    Model::fit(t, {"random", nlohmann::json::object(), {"rich"}, 1, nullptr});
  });
  EXPECT_NE(msg.find("class 'rich'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("classes: "), std::string::npos) << msg;
  const Model m = Model::fit(t, {"random", nlohmann::json::object(), {}, 1, nullptr});
  const std::string majority = t.classes[static_cast<size_t>(t.majority_class())];
  msg = error_of([&] { m.sample(majority, 5, 1); });
  EXPECT_NE(msg.find("fit on class"), std::string::npos) << msg;
  msg = error_of([&] { Model::load(temp_file("missing.imbgen").string()); });
  EXPECT_NE(msg.find("missing.imbgen"), std::string::npos) << msg;
  msg = error_of([&] { Model::fit(t, {"smote", {{"k_neighbours", 3}}, {}, 1, nullptr}); });
  EXPECT_NE(msg.find("k_neighbours"), std::string::npos) << msg;
}

TEST(TableFingerprint, DependsOnContentNotOnSource) {
  Table t = adult();
  const std::string f = table_fingerprint(t);
  EXPECT_EQ(f.size(), 7u + 64u);
  Table renamed = t;
  renamed.source = "elsewhere.csv";
  EXPECT_EQ(table_fingerprint(renamed), f);
  Table changed = t;
  changed.x(0, 0) += 1.0;
  EXPECT_NE(table_fingerprint(changed), f);
  Table fewer = t.subset({0, 1, 2});
  EXPECT_NE(table_fingerprint(fewer), f);
}

}  // namespace
}  // namespace imbgen
