// A generator fit on a CSV file and rows sampled from it, through imbgen's public library API.
// Usage: fit_and_sample DATA.csv[.gz] TARGET [GENERATOR] [ROWS]
//   e.g. fit_and_sample data/creditcard.csv.gz Class smote 5
#include <cstdlib>
#include <iostream>

#include "imbgen/core/error.h"
#include "imbgen/data/table.h"
#include "imbgen/experiment/model.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: " << argv[0] << " DATA.csv TARGET [GENERATOR] [ROWS]\n";
    return 2;
  }
  try {
    // 1. Read the training rows: typed columns, missing values, class labels.
    imbgen::LoadOptions load;
    load.target = argv[2];
    const imbgen::Table train = imbgen::load_table(argv[1], load);

    // 2. Fit a generator on every class but the largest (options left at their defaults).
    imbgen::ModelOptions options;
    options.generator = argc > 3 ? argv[3] : "smote";
    options.seed = 7;
    const imbgen::Model model = imbgen::Model::fit(train, options);

    // 3. Sample rows of the rarest class, in the file's own schema, and print them as CSV.
    const std::string label = train.classes[static_cast<size_t>(train.minority_class())];
    const size_t n = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 5;
    const imbgen::Table rows = model.sample(label, n, /*seed=*/11);
    imbgen::write_rows_csv(rows, rows.x, rows.y, std::cout);

    // 4. The model card says what was fit, on which data, with which settings.
    std::cerr << "fit " << model.card().at("generator") << " on "
              << model.card().at("data").at("rows") << " rows ("
              << model.card().at("data").at("fingerprint").get<std::string>().substr(0, 19)
              << "...) in " << model.card().at("fit_seconds") << " s\n";
    return 0;
  } catch (const imbgen::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
