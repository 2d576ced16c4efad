// The report's sections, each rendered to an HTML string from the model of results.json. Chart
// placeholders are <div class="chart" data-chart="KIND" ...> elements that page.js fills with
// plotly.js from the inlined data.
#pragma once

#include <string>
#include <vector>

#include "report/model.h"

namespace imbgen::report_detail {

// Columns drawn in a generator's per-column histogram grid (the ones that differ most); the
// per-column table lists all.
constexpr int kMaxColumnPlots = 24;

struct TocEntry {
  std::string id, title;
  std::vector<TocEntry> children;
};

// A generator's fidelity badges for the page header: {status, short text} per block.
struct Badge {
  Status status;
  std::string label, text;
};

// generators.cpp
std::vector<Badge> generator_badges(const json& evaluation);
std::string generators_section(const Model& model, TocEntry& toc);

// A figure: caption, then a chart placeholder with the given data attributes.
std::string figure(const std::string& caption, const std::string& kind,
                   const std::vector<std::pair<std::string, std::string>>& attributes = {},
                   const std::string& note = "", const std::string& css_class = "");
// <span class="badge good">mark label</span>
std::string badge_html(Status status, const std::string& text);

}  // namespace imbgen::report_detail
