#include <cmath>
#include <limits>

#include "kernels.h"
#include "vmath.h"

namespace tl {

void row_logsumexp(const float* x, float* out, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols > kParallelMinCompute)
  for (int64_t i = 0; i < rows; i++) {
    const float* src = x + i * cols;
    float mx = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < cols; j++) mx = src[j] > mx ? src[j] : mx;
    float sum = 0.0f;
    TL_SIMD_SUM
    for (int64_t j = 0; j < cols; j++) sum += expf(src[j] - mx);
    out[i] = mx + logf(sum);
  }
}

void softmax_xent_grad(const float* x, const float* lse, const float* scale, const int32_t* targets, float* out,
                       int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols > kParallelMinCompute)
  for (int64_t i = 0; i < rows; i++) {
    const float* src = x + i * cols;
    float* dst = out + i * cols;
    const float s = scale[i], m = lse[i];
    if (s == 0.0f) {
      for (int64_t j = 0; j < cols; j++) dst[j] = 0.0f;
      continue;
    }
    TL_SIMD
    for (int64_t j = 0; j < cols; j++) dst[j] = expf(src[j] - m) * s;
    const int32_t t = targets[i];
    if (t >= 0 && t < cols) dst[t] -= s;
  }
}

}  // namespace tl
