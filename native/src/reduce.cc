#include <cmath>
#include <limits>

#include "kernels.h"
#include "vmath.h"

namespace tl {
namespace {

template <Reduce op>
inline float init() {
  if constexpr (op == Reduce::Max) return -std::numeric_limits<float>::infinity();
  if constexpr (op == Reduce::Min) return std::numeric_limits<float>::infinity();
  return 0.0f;
}

template <Reduce op>
inline float step(float acc, float x) {
  if constexpr (op == Reduce::Max) return (std::isnan(x) || x > acc) ? x : acc;
  if constexpr (op == Reduce::Min) return (std::isnan(x) || x < acc) ? x : acc;
  return acc + x;
}

template <Reduce op>
void reduceT(const float* x, float* out, int64_t outer, int64_t r, int64_t inner) {
  const float scale = op == Reduce::Mean ? 1.0f / static_cast<float>(r) : 1.0f;
  if (inner == 1) {
    // a contiguous run per output: sums accumulate in double so long rows stay exact to float32
#pragma omp parallel for schedule(static) if (outer * r > kParallelMin)
    for (int64_t o = 0; o < outer; o++) {
      const float* row = x + o * r;
      if constexpr (op == Reduce::Sum || op == Reduce::Mean) {
        double acc = 0;
        for (int64_t j = 0; j < r; j++) acc += row[j];
        out[o] = static_cast<float>(acc) * scale;
      } else {
        float acc = init<op>();
        for (int64_t j = 0; j < r; j++) acc = step<op>(acc, row[j]);
        out[o] = acc;
      }
    }
    return;
  }
  // strided: accumulate whole rows of `inner` (vectorised), parallel over outer × inner chunks
  const int64_t chunk = 1024;
  const int64_t chunks = (inner + chunk - 1) / chunk;
#pragma omp parallel for schedule(static) collapse(2) if (outer * r * inner > kParallelMin)
  for (int64_t o = 0; o < outer; o++) {
    for (int64_t c = 0; c < chunks; c++) {
      const int64_t lo = c * chunk, hi = lo + chunk < inner ? lo + chunk : inner;
      float* dst = out + o * inner;
      for (int64_t i = lo; i < hi; i++) dst[i] = init<op>();
      for (int64_t j = 0; j < r; j++) {
        const float* src = x + (o * r + j) * inner;
        for (int64_t i = lo; i < hi; i++) dst[i] = step<op>(dst[i], src[i]);
      }
      if (op == Reduce::Mean)
        for (int64_t i = lo; i < hi; i++) dst[i] *= scale;
    }
  }
}

}  // namespace

void reduce(Reduce op, const float* x, float* out, int64_t outer, int64_t r, int64_t inner) {
  switch (op) {
    case Reduce::Sum: return reduceT<Reduce::Sum>(x, out, outer, r, inner);
    case Reduce::Max: return reduceT<Reduce::Max>(x, out, outer, r, inner);
    case Reduce::Min: return reduceT<Reduce::Min>(x, out, outer, r, inner);
    case Reduce::Mean: return reduceT<Reduce::Mean>(x, out, outer, r, inner);
  }
}

void softmax(const float* x, float* out, int64_t rows, int64_t cols, bool log) {
#pragma omp parallel for schedule(static) if (rows * cols > kParallelMinCompute)
  for (int64_t i = 0; i < rows; i++) {
    const float* src = x + i * cols;
    float* dst = out + i * cols;
    float mx = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < cols; j++) mx = src[j] > mx ? src[j] : mx;
    TL_SIMD
    for (int64_t j = 0; j < cols; j++) dst[j] = expf(src[j] - mx);
    double sum = 0;
    for (int64_t j = 0; j < cols; j++) sum += dst[j];
    if (log) {
      const float lse = logf(static_cast<float>(sum));
      for (int64_t j = 0; j < cols; j++) dst[j] = src[j] - mx - lse;
    } else {
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t j = 0; j < cols; j++) dst[j] *= inv;
    }
  }
}

double sum_squares(const float* x, int64_t n) {
  double acc = 0;
#pragma omp parallel for reduction(+ : acc) schedule(static) if (n > kParallelMin)
  for (int64_t i = 0; i < n; i++) acc += static_cast<double>(x[i]) * x[i];
  return acc;
}

void adamw(float* p, const float* g, float* m, float* v, int64_t n, const AdamWConstants& k) {
  const float lr = k.lr, beta1 = k.beta1, beta2 = k.beta2, b1c = k.oneMinusBeta1, b2c = k.oneMinusBeta2;
  const float eps = k.eps, decay = k.decay, c1 = k.c1, c2 = k.c2, scale = k.scale;
#pragma omp parallel for schedule(static) if (n > kParallelMin)
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i] * scale;
    const float mi = m[i] * beta1 + gi * b1c;
    const float vi = v[i] * beta2 + (gi * gi) * b2c;
    m[i] = mi;
    v[i] = vi;
    const float update = (mi / c1) / (std::sqrt(vi / c2) + eps);
    p[i] = p[i] * decay - update * lr;
  }
}

}  // namespace tl
