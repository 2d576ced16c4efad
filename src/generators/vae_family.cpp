// Checks of the settings the VAE family configs share, and the rounding of categorical spans.
#include "vae_family.h"

namespace imbgen {

void vae_check_layers(const char* key, const std::vector<int>& widths,
                      std::vector<std::string>& p) {
  if (widths.size() > kVaeMaxLayers) {
    p.push_back(std::string(key) + ": at most " + std::to_string(kVaeMaxLayers) +
                " hidden layers, got " + std::to_string(widths.size()));
  }
  for (size_t i = 0; i < widths.size(); ++i) {
    if (widths[i] < 1 || widths[i] > kVaeMaxWidth) {
      p.push_back(std::string(key) + "[" + std::to_string(i) + "] must be in [1, " +
                  std::to_string(kVaeMaxWidth) + "], got " + std::to_string(widths[i]));
    }
  }
}

void vae_check_positive(const char* key, double v, std::vector<std::string>& p) {
  if (!std::isfinite(v) || v <= 0.0) {
    std::ostringstream s;
    s << key << " must be a finite number > 0, got " << v;
    p.push_back(s.str());
  }
}

void vae_check_range(const char* key, double v, double lo, double hi, std::vector<std::string>& p) {
  if (!(v >= lo && v <= hi)) {
    std::ostringstream s;
    s << key << " must be in [" << lo << ", " << hi << "], got " << v;
    p.push_back(s.str());
  }
}

void round_spans(Matrix& x, const std::vector<EncodedSpan>& spans) {
  for (const EncodedSpan& s : spans) {
    if (s.kind == SpanKind::kNumeric) continue;
    for (size_t i = 0; i < x.rows; ++i) {
      double* v = x.row(i) + s.start;
      if (s.kind == SpanKind::kMissingIndicator) {
        v[0] = v[0] > 0.5 ? 1.0 : 0.0;
        continue;
      }
      size_t best = 0;
      for (size_t k = 1; k < s.width; ++k) {
        if (v[k] > v[best]) best = k;
      }
      for (size_t k = 0; k < s.width; ++k) v[k] = k == best ? 1.0 : 0.0;
    }
  }
}

}  // namespace imbgen
