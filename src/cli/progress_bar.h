// Draws training/experiment progress on stderr: a redrawn bar on a terminal, occasional plain lines
// when stderr is a file or pipe (CI logs stay readable).
#pragma once

#include <chrono>
#include <string>

#include "imbgen/core/observer.h"

namespace imbgen::cli {

class ProgressBar : public Observer {
 public:
  explicit ProgressBar(bool quiet = false);
  ~ProgressBar() override;
  void on_progress(const Progress& p) override;
  void on_message(const std::string& message) override;
  // Ends the current bar line (call before printing other output).
  void finish();

 private:
  void draw(const Progress& p, bool final_line);

  bool quiet_;
  bool tty_;
  bool line_open_ = false;
  std::string task_;
  int last_quarter_ = -1;
  std::chrono::steady_clock::time_point task_start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace imbgen::cli
