// Progress bar drawing for the CLI.
#include "progress_bar.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace imbgen::cli {
namespace {

std::string format_seconds(double s) {
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.0fs", s);
  } else {
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  }
  return buf;
}

}  // namespace

ProgressBar::ProgressBar(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::finish() {
  if (line_open_) {
    std::fputs("\n", stderr);
    line_open_ = false;
  }
}

void ProgressBar::on_message(const std::string& message) {
  if (quiet_) return;
  if (line_open_) std::fputs("\r\033[K", stderr);
  std::fprintf(stderr, "%s\n", message.c_str());
  line_open_ = false;
}

void ProgressBar::on_progress(const Progress& p) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool new_task = p.task != task_;
  if (new_task) {
    if (line_open_ && !tty_) finish();
    task_ = p.task;
    task_start_ = now;
    last_quarter_ = -1;
  }
  const bool done = p.total > 0 && p.step >= p.total;
  if (tty_) {
    // Redraw at most ~15 times a second.
    if (!new_task && !done && now - last_draw_ < std::chrono::milliseconds(66)) return;
    last_draw_ = now;
    draw(p, false);
    return;
  }
  // Not a terminal: a line at the start of a task and at every quarter of a long one.
  const int quarter = p.total > 0 ? static_cast<int>(4 * p.step / p.total) : 0;
  if (new_task || quarter > last_quarter_) {
    last_quarter_ = quarter;
    draw(p, true);
  }
}

void ProgressBar::draw(const Progress& p, bool final_line) {
  std::string line;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - task_start_).count();
  if (p.total > 0) {
    const double frac = std::min(1.0, static_cast<double>(p.step) / static_cast<double>(p.total));
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(std::lround(frac * kWidth));
    line += "[" + std::string(static_cast<size_t>(filled), '#') +
            std::string(static_cast<size_t>(kWidth - filled), '.') + "] ";
    char pct[16];
    std::snprintf(pct, sizeof pct, "%3.0f%% ", 100.0 * frac);
    line += pct;
  }
  line += p.task;
  if (p.total > 0 && p.step > 0 && p.total > 1) {
    line += "  " + std::to_string(p.step) + "/" + std::to_string(p.total);
  }
  for (const auto& [name, value] : p.values) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "  %s %.3g", name.c_str(), value);
    line += buf;
  }
  if (p.total > 0 && p.step > 0 && p.step < p.total && elapsed > 1.0) {
    const double eta = elapsed * static_cast<double>(p.total - p.step) / static_cast<double>(p.step);
    line += "  ETA " + format_seconds(eta);
  }
  if (final_line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  } else {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    line_open_ = true;
  }
  std::fflush(stderr);
}

}  // namespace imbgen::cli
