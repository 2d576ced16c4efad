// The rounding of categorical spans of the VAE family.
#include "vae_family.h"

namespace imbgen {

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
