// imbgen._core: the Python binding of imbgen's public library API (include/imbgen/experiment/
// model.h, fidelity.h, benchmark.h). It converts tables and JSON at the edge and maps errors to
// Python exceptions; the Python modules beside it (python/imbgen/) give the API its Python shape.
//
// Long calls run on a worker thread while the calling thread, without the GIL, polls for Ctrl-C
// (Python runs signal handlers in the main thread only) and draws progress when asked: a
// KeyboardInterrupt stops the work at its next progress report and nothing half-done is kept.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/core/observer.h"
#include "imbgen/core/threads.h"
#include "imbgen/core/version.h"
#include "imbgen/data/table.h"
#include "imbgen/experiment/benchmark.h"
#include "imbgen/experiment/fidelity.h"
#include "imbgen/experiment/model.h"
#include "imbgen/generators/generator.h"
#include "imbgen/report/report.h"

namespace py = pybind11;
using nlohmann::json;

namespace imbgen::python {
namespace {

// ---- errors ----

// The exception classes live in Python (imbgen/_errors.py) so they can be documented there.
py::object g_diverged;

void translate(const Error& e) {
  switch (e.kind()) {
    case ErrorKind::kInvalidArgument: PyErr_SetString(PyExc_ValueError, e.what()); return;
    case ErrorKind::kNotFound: PyErr_SetString(PyExc_FileNotFoundError, e.what()); return;
    case ErrorKind::kIo: PyErr_SetString(PyExc_OSError, e.what()); return;
    case ErrorKind::kUnsupported: PyErr_SetString(PyExc_NotImplementedError, e.what()); return;
    case ErrorKind::kDiverged: PyErr_SetString(g_diverged.ptr(), e.what()); return;
    case ErrorKind::kCancelled: PyErr_SetString(PyExc_KeyboardInterrupt, e.what()); return;
    case ErrorKind::kInternal: PyErr_SetString(PyExc_RuntimeError, e.what()); return;
  }
  PyErr_SetString(PyExc_RuntimeError, e.what());
}

// ---- progress and Ctrl-C ----

// Collects progress from the worker thread; stops the work (Error kCancelled at its next report)
// once `stop` is set by the polling thread.
class Watch : public Observer {
 public:
  std::atomic<bool> stop{false};
  // Throw at the next report once stopped (a fit, an evaluation); the benchmark instead reads
  // `stop` itself and keeps its finished cells.
  bool throw_on_stop = true;

  void on_progress(const Progress& p) override {
    if (throw_on_stop && stop.load()) throw Error(ErrorKind::kCancelled, "interrupted");
    std::lock_guard<std::mutex> lock(mu_);
    latest_ = p;
    fresh_ = true;
  }
  void on_message(const std::string& m) override {
    std::lock_guard<std::mutex> lock(mu_);
    messages_.push_back(m);
  }
  // What to print since the last call (empty when nothing new).
  std::vector<std::string> take_lines() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out = std::move(messages_);
    messages_.clear();
    if (fresh_) {
      std::string line = latest_.task;
      if (latest_.total > 0)
        line += ": " + std::to_string(latest_.step) + "/" + std::to_string(latest_.total);
      for (const auto& [k, v] : latest_.values) line += " " + k + "=" + std::to_string(v);
      out.push_back(line);
      fresh_ = false;
    }
    return out;
  }

 private:
  std::mutex mu_;
  Progress latest_;
  bool fresh_ = false;
  std::vector<std::string> messages_;
};

// Writes what `watch` collected since the last call to sys.stderr (the GIL held).
void print_progress(Watch& watch) {
  py::object err = py::module_::import("sys").attr("stderr");
  for (const auto& line : watch.take_lines()) err.attr("write")("imbgen: " + line + "\n");
  err.attr("flush")();
}

// Runs `work` on a worker thread; the caller's thread polls for Ctrl-C every 50 ms (taking the
// GIL only then) and, with `verbose`, prints progress to sys.stderr about once a second and once
// when the work ends. Exceptions of the work are rethrown here; with `raise_on_interrupt`, a Ctrl-C
// becomes KeyboardInterrupt once the work has stopped. Returns whether Ctrl-C was pressed.
template <typename Work>
bool run_watched(Work&& work, Watch& watch, bool verbose, bool raise_on_interrupt = true) {
  std::exception_ptr failure;
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  std::thread worker([&] {
    try {
      work();
    } catch (...) {
      failure = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(done_mu);
    done = true;
    done_cv.notify_one();
  });
  bool interrupted = false;
  auto last_print = std::chrono::steady_clock::now();
  {
    py::gil_scoped_release release;
    while (true) {
      {
        // Wakes as soon as the work is done (a short call costs no polling delay).
        std::unique_lock<std::mutex> lock(done_mu);
        if (done_cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return done; })) break;
      }
      py::gil_scoped_acquire acquire;
      if (!interrupted && PyErr_CheckSignals() != 0) {
        PyErr_Clear();  // raised again below, once the worker has stopped
        interrupted = true;
        watch.stop.store(true);
      }
      const auto now = std::chrono::steady_clock::now();
      if (verbose && now - last_print > std::chrono::seconds(1)) {
        last_print = now;
        print_progress(watch);
      }
    }
  }
  worker.join();
  if (verbose) print_progress(watch);  // the last state, also of work shorter than a second
  if (interrupted && raise_on_interrupt) {
    throw Error(ErrorKind::kCancelled, "interrupted; nothing was kept");
  }
  if (failure) std::rethrow_exception(failure);
  return interrupted;
}

// ---- tables ----

// Class labels from Python: (codes, texts), codes an integer array indexing texts (one text per
// distinct label), or a list with the text of each row.
LabelCodes label_codes(const py::handle& labels) {
  LabelCodes out;
  if (py::isinstance<py::tuple>(labels)) {
    const auto t = labels.cast<py::tuple>();
    out.texts = t[1].cast<std::vector<std::string>>();
    auto codes = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(t[0]);
    if (!codes) throw Error(ErrorKind::kInvalidArgument, "labels: the codes are not integers");
    out.codes.assign(codes.data(), codes.data() + codes.size());
    return out;
  }
  std::map<std::string, int64_t> index;
  for (const auto& text : labels.cast<std::vector<std::string>>()) {
    const auto [it, added] = index.emplace(text, static_cast<int64_t>(out.texts.size()));
    if (added) out.texts.push_back(text);
    out.codes.push_back(it->second);
  }
  return out;
}

// A table from Python: columns [(name, "numeric", float64 array) or (name, "categorical",
// list of str)], the class labels (label_texts), the target's name.
Table to_table(const py::list& columns, const py::handle& label_values, const std::string& target,
               const std::string& source, bool allow_single_class) {
  const LabelCodes labels = label_codes(label_values);
  std::vector<ColumnValues> values;
  for (const py::handle& item : columns) {
    const auto t = item.cast<py::tuple>();
    ColumnValues c;
    c.name = t[0].cast<std::string>();
    const std::string kind = t[1].cast<std::string>();
    if (kind == "numeric") {
      auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(t[2]);
      if (!a) throw Error(ErrorKind::kInvalidArgument, "column '" + c.name + "': not numeric");
      c.numbers.assign(a.data(), a.data() + a.size());
    } else {
      c.kind = ColumnKind::kCategorical;
      c.texts = t[2].cast<std::vector<std::string>>();
    }
    values.push_back(std::move(c));
  }
  return table_from_columns(values, labels, target, source, allow_single_class);
}

// Rows for Python: {"columns": [(name, kind, values)], "label_codes": int64 array indexing
// "classes" (the label texts)}; numeric values as a float64 array (NaN = missing), categorical
// as a list of texts (None = missing).
py::dict from_table(const Table& t) {
  py::list columns;
  for (size_t c = 0; c < t.columns.size(); ++c) {
    const ColumnInfo& col = t.columns[c];
    if (col.kind == ColumnKind::kCategorical) {
      py::list texts;
      for (size_t r = 0; r < t.rows(); ++r) {
        const std::string& text = col.categories.at(static_cast<size_t>(t.x(r, c)));
        if (text.empty()) {
          texts.append(py::none());
        } else {
          texts.append(py::str(text));
        }
      }
      columns.append(py::make_tuple(col.name, "categorical", texts));
    } else {
      py::array_t<double> a(static_cast<py::ssize_t>(t.rows()));
      double* p = a.mutable_data();
      for (size_t r = 0; r < t.rows(); ++r) p[r] = t.x(r, c);
      columns.append(py::make_tuple(col.name, "numeric", a));
    }
  }
  py::array_t<int64_t> codes(static_cast<py::ssize_t>(t.rows()));
  int64_t* q = codes.mutable_data();
  for (size_t r = 0; r < t.rows(); ++r) q[r] = t.y[r];
  py::dict out;
  out["columns"] = columns;
  out["label_codes"] = codes;
  out["classes"] = t.classes;
  return out;
}

json parse_json(const std::string& text, const char* what) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded())
    throw Error(ErrorKind::kInvalidArgument, std::string(what) + ": not valid JSON");
  return j;
}

// ---- the API ----

Model fit(const py::list& columns, const py::object& labels,
          const std::string& target, const std::string& generator, const std::string& config,
          const std::vector<std::string>& classes, uint64_t seed, bool verbose) {
  const Table table = to_table(columns, labels, target, "DataFrame", false);
  ModelOptions o;
  o.generator = generator;
  o.config = parse_json(config, "generator options");
  o.classes = classes;
  o.seed = seed;
  Watch watch;
  o.observer = &watch;
  std::optional<Model> model;
  run_watched([&] { model = Model::fit(table, o); }, watch, verbose);
  return std::move(*model);
}

// What resample_rows and resample_numbers ask of resample(): the added rows' only (Python keeps
// X), `counts` (class label -> rows to add) as target counts of `table`'s classes.
ResampleOptions resample_options(const Table& table, const std::string& generator,
                                 const std::string& config,
                                 const std::map<std::string, size_t>& counts, uint64_t seed) {
  ResampleOptions o;
  o.generator = generator;
  o.config = parse_json(config, "generator options");
  o.seed = seed;
  o.sampling.kind = SamplingStrategy::Kind::kTargets;
  o.keep_original = false;
  const auto have = table.class_counts();
  for (const auto& [label, n] : counts) {
    if (n == 0) continue;
    const size_t c = static_cast<size_t>(table.class_index(label));
    o.sampling.targets.emplace_back(label, have[c] + n);
  }
  return o;
}

// The rows resample() adds (counts: class label -> rows to add), and the fitted model.
py::tuple resample_rows(const py::list& columns, const py::object& labels,
                        const std::string& target, const std::string& generator,
                        const std::string& config, const std::map<std::string, size_t>& counts,
                        uint64_t seed, bool verbose) {
  const Table table = to_table(columns, labels, target, "DataFrame", false);
  ResampleOptions o = resample_options(table, generator, config, counts, seed);
  Watch watch;
  o.observer = &watch;
  std::optional<Resampled> r;
  if (!o.sampling.targets.empty()) {
    run_watched([&] { r = resample(table, o); }, watch, verbose);
  }
  const Table added = r ? std::move(r->table) : table.subset({});
  return py::make_tuple(from_table(added), r ? py::cast(std::move(r->model)) : py::none());
}

// resample_rows for X held as one float64 array (a numeric DataFrame's values or a numpy
// array, C or Fortran order): (X_res, added rows' {"label_codes", "classes"}, the model or None),
// X_res a new array in X's order holding X's rows, then the added ones. NumberResample reads X in
// place and writes X_res (no model is made); with a missing value in X it is resample() on
// table_from_numbers, whose model comes back. Same rows either way as resample_rows on X's
// columns.
py::tuple resample_numbers(const py::array& x_in, const py::object& labels,
                           const std::vector<std::string>& names, const std::string& target,
                           const std::string& generator, const std::string& config,
                           const std::map<std::string, size_t>& counts, uint64_t seed,
                           bool verbose) {
  if (x_in.ndim() != 2 || !x_in.dtype().is(py::dtype::of<double>()))
    throw Error(ErrorKind::kInvalidArgument, "resample_numbers: X must be a 2-d float64 array");
  const auto rows = static_cast<size_t>(x_in.shape(0));
  const auto cols = static_cast<size_t>(x_in.shape(1));
  const auto step = static_cast<py::ssize_t>(sizeof(double));
  const NumberBlock in{static_cast<const double*>(x_in.data()), rows, cols,
                       x_in.strides(0) / step, x_in.strides(1) / step};
  const LabelCodes codes_in = label_codes(labels);
  const std::string source = "DataFrame";
  ResampleOptions o =
      resample_options(table_without_numbers(names, codes_in, target, source), generator, config,
                       counts, seed);
  if (o.sampling.targets.empty())
    throw Error(ErrorKind::kInvalidArgument, "resample_numbers: no class needs rows");
  Watch watch;
  o.observer = &watch;
  const NumberResample job(in, names, codes_in, target, source, o);
  const size_t added = job.rows_to_add();

  // X_res in X's order (Fortran for a DataFrame's values: pandas wraps it without a copy).
  const bool fortran = (x_in.flags() & py::array::f_style) && !(x_in.flags() & py::array::c_style);
  const size_t total = rows + added;
  const auto t = static_cast<py::ssize_t>(total), d = static_cast<py::ssize_t>(cols);
  const std::vector<py::ssize_t> strides =
      fortran ? std::vector<py::ssize_t>{step, step * t} : std::vector<py::ssize_t>{step * d, step};
  py::array_t<double> out(std::vector<py::ssize_t>{t, d}, strides);
  const MutableNumberBlock all{out.mutable_data(), total, cols, strides[0] / step,
                               strides[1] / step};
  std::optional<Model> model;
  run_watched(
      [&] {
        if (job.write(all)) return;
        // A missing value: the general path, from the same numbers.
        Resampled r = resample(table_from_numbers(in, names, codes_in, target, source), o);
        for (size_t i = 0; i < added; ++i)
          for (size_t c = 0; c < cols; ++c) all(rows + i, c) = r.table.x(i, c);
        model = std::move(r.model);
      },
      watch, verbose);
  py::array_t<int64_t> codes(static_cast<py::ssize_t>(added));
  int64_t* q = codes.mutable_data();
  for (const auto& [cls, n] : job.added()) q = std::fill_n(q, n, static_cast<int64_t>(cls));
  py::dict rows_out;
  rows_out["label_codes"] = codes;
  rows_out["classes"] = job.classes();
  return py::make_tuple(out, rows_out, model ? py::cast(std::move(*model)) : py::none());
}

std::string evaluate_py(const py::list& real, const py::list& synthetic,
                        const std::optional<py::list>& holdout, const std::string& config,
                        bool verbose) {
  auto table = [](const py::list& cols, const char* name) {
    // Every column is compared: one class "" for all rows.
    size_t rows = 0;
    if (py::len(cols) > 0) {
      const auto t = cols[0].cast<py::tuple>();
      rows = static_cast<size_t>(py::len(t[2]));
    }
    return to_table(cols, py::cast(std::vector<std::string>(rows, "rows")), "", name, true);
  };
  const Table r = table(real, "real");
  const Table s = table(synthetic, "synthetic");
  std::optional<Table> h;
  if (holdout) h = table(*holdout, "holdout");
  const EvaluationConfig c = EvaluationConfig::from_json(parse_json(config, "evaluation options"));
  Watch watch;
  json out;
  run_watched([&] { out = evaluate_tables(r, s, h ? &*h : nullptr, c, &watch); }, watch, verbose);
  return out.dump();
}

// datasets: [(name, columns, labels, target)]. Returns (summary table rows, [results.json text],
// [folders written]); the report of each data set is written beside its results.json.
py::tuple benchmark_py(const py::list& datasets, const std::string& config, const std::string& dir,
                       int jobs, int threads, bool resume, bool verbose) {
  std::vector<BenchmarkData> data;
  for (const py::handle& item : datasets) {
    const auto t = item.cast<py::tuple>();
    BenchmarkData d;
    d.name = t[0].cast<std::string>();
    d.table = to_table(t[1].cast<py::list>(), t[2],
                       t[3].cast<std::string>(), d.name, false);
    data.push_back(std::move(d));
  }
  const BenchmarkConfig c = BenchmarkConfig::from_json(parse_json(config, "benchmark options"));
  Watch watch;
  watch.throw_on_stop = false;
  BenchmarkControl control;
  control.dir = dir;
  control.jobs = jobs;
  control.threads = threads;
  control.resume = resume;
  control.observer = &watch;
  control.stop = &watch.stop;  // a Ctrl-C keeps the finished cells; resume=True goes on
  BenchmarkOutcome outcome;
  std::vector<std::string> folders;
  run_watched(
      [&] {
        outcome = run_benchmark(data, c, control);
        if (outcome.complete) folders = write_benchmark_outputs_and_reports(outcome, dir);
      },
      watch, verbose, /*raise_on_interrupt=*/false);
  if (!outcome.complete) {
    throw Error(ErrorKind::kCancelled,
                "benchmark interrupted: " + std::to_string(outcome.cells_resumed + outcome.cells_run) +
                    " of " + std::to_string(outcome.cells_total) + " cells are stored in " +
                    outcome.store + "; call again with resume=True to go on");
  }
  std::vector<std::string> results;
  for (const auto& r : outcome.results) results.push_back(r.dump());
  return py::make_tuple(benchmark_summary_table(outcome), results, folders);
}

}  // namespace
}  // namespace imbgen::python

PYBIND11_MODULE(_core, m) {
  using namespace imbgen;
  using namespace imbgen::python;
  m.doc() = "imbgen's C++ library (use the imbgen package, not this module)";
  set_blas_threads(1);
  keep_freed_memory();
  g_diverged = py::module_::import("imbgen._errors").attr("TrainingDiverged");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      translate(e);
    } catch (const nlohmann::json::exception& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  m.def("version", [] { return std::string(version()); });
  m.def(
      "blas",
      [] {
        const BlasKernels k = blas_kernels();
        py::dict d;
        d["library"] = k.library;
        d["kernels"] = k.kernels;
        d["forced"] = k.forced;
        d["cpu_avx512"] = k.cpu_avx512;
        d["own_products"] = k.own_products;
        d["description"] = k.describe();
        return d;
      },
      "The BLAS that imbgen's matrix products run on: 'library' ('OpenBLAS 0.3.21'; '' when "
      "not OpenBLAS), 'kernels' (the kernel set OpenBLAS picked for this CPU, e.g. 'Haswell'), "
      "'forced' (OPENBLAS_CORETYPE chose them), 'cpu_avx512' (the CPU has AVX-512), "
      "'own_products' (the deep generators multiply with imbgen's own AVX-512 kernel "
      "instead: on an AVX-512 CPU whose BLAS kernels do not use it, or with IMBGEN_GEMM=imbgen) "
      "and a one-line 'description'. The kernels decide the last bits of every product, so the "
      "same seed gives the same rows only on the same kernels.");
  m.def("generator_names", &generator_names);
  m.def("generator_options_schema",
        [](const std::string& name) { return generator_options_schema(name).dump(); });
  m.def("generator_description", &generator_description);
  m.def("check_generator_options", [](const std::string& name, const std::string& config) {
    make_generator(name, parse_json(config, "generator options"));
  });

  py::class_<Model>(m, "Model")
      .def("sample",
           [](const Model& model, const std::string& label, size_t n, uint64_t seed) {
             Table t;
             {
               py::gil_scoped_release release;
               t = model.sample(label, n, seed);
             }
             return from_table(t);
           })
      .def("card", [](const Model& model) { return model.card().dump(); })
      .def("save",
           [](const Model& model, const std::string& path) {
             py::gil_scoped_release release;
             model.save(path);
           })
      .def_static("load",
                  [](const std::string& path) {
                    py::gil_scoped_release release;
                    return Model::load(path);
                  })
      .def("fitted_classes", &Model::fitted_classes)
      .def("generator_name", &Model::generator_name)
      .def("columns_info", [](const Model& model) {
        py::list out;
        for (const auto& c : model.schema().columns) {
          std::vector<std::string> cats;
          for (const auto& t : c.categories)
            if (!t.empty()) cats.push_back(t);
          out.append(py::make_tuple(c.name,
                                    c.kind == ColumnKind::kCategorical ? "categorical" : "numeric",
                                    c.integer, cats));
        }
        return out;
      });

  m.def("fit", &fit);
  m.def("resample_rows", &resample_rows);
  m.def("resample_numbers", &resample_numbers);
  m.def("evaluate", &evaluate_py);
  m.def("benchmark", &benchmark_py);
}
