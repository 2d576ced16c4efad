// One C-library rand() stream per thread for liblinear and libsvm (see thread_rand.cpp).
#pragma once

namespace imbgen::classifiers_detail {

// Seeds the calling thread's rand() stream; liblinear's and libsvm's rand() calls in this thread
// then draw from it. Every classifier that fits through those libraries calls this first.
void seed_thread_rand(unsigned seed);

}  // namespace imbgen::classifiers_detail
