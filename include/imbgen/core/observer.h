// Progress is data, not printing: long work reports through an observer; the CLI draws a
// progress bar from it, the report plots the recorded curves.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace imbgen {

struct Progress {
  std::string task;     // what is running, e.g. "gan: class 1" or "xgboost on smote"
  int64_t step = 0;     // steps done so far (1-based after the first step)
  int64_t total = 0;    // total steps, 0 if unknown
  // Named values at this step, e.g. {"d_loss", 0.69}, {"g_loss", 0.71}.
  std::vector<std::pair<std::string, double>> values;
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_progress(const Progress& progress) = 0;
  // A line of information for the user (e.g. "svm_rbf: trained on a sample of 20000 rows").
  virtual void on_message(const std::string& message) {}
};

// Does nothing; the default when no observer is given.
class NullObserver : public Observer {
 public:
  void on_progress(const Progress&) override {}
};

}  // namespace imbgen
