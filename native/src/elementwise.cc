#include <cmath>
#include <cstring>

#include "kernels.h"
#include "vmath.h"

namespace tl {
namespace {

template <Binary op>
inline float apply(float a, float b) {
  if constexpr (op == Binary::Add) return a + b;
  if constexpr (op == Binary::Sub) return a - b;
  if constexpr (op == Binary::Mul) return a * b;
  if constexpr (op == Binary::Div) return a / b;
  if constexpr (op == Binary::Max) return (std::isnan(a) || a > b) ? a : b;
  if constexpr (op == Binary::Min) return (std::isnan(a) || a < b) ? a : b;
  if constexpr (op == Binary::SquaredDiff) return (a - b) * (a - b);
  if constexpr (op == Binary::Pow) return std::pow(a, b);
}

// One run of the innermost (collapsed) axis; the strides are 0 (broadcast) or 1 after collapsing, so the
// three common cases get loops the compiler vectorises.
template <Binary op>
inline void run(const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float y = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(a[i], y);
  } else if (sa == 0 && sb == 1) {
    const float x = a[0];
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(x, b[i]);
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(a[i * sa], b[i * sb]);
  }
}

struct Layout {
  std::vector<int64_t> extent, strideA, strideB;
};

// Right-aligns both shapes to the output, gives broadcast axes stride 0, and merges neighbouring axes
// whose strides stay consistent ([B,T,d] + [d] becomes [B·T, d]), so the inner run is as long as possible.
Layout collapse(const std::vector<int64_t>& aShape, const std::vector<int64_t>& bShape,
                const std::vector<int64_t>& outShape) {
  const size_t r = outShape.size();
  std::vector<int64_t> sa(r, 0), sb(r, 0);
  int64_t pa = 1, pb = 1;
  for (size_t i = r; i-- > 0;) {
    const size_t ia = i + aShape.size() - r, ib = i + bShape.size() - r;
    const int64_t ea = i + aShape.size() >= r ? aShape[ia] : 1;
    const int64_t eb = i + bShape.size() >= r ? bShape[ib] : 1;
    sa[i] = ea == 1 ? 0 : pa;
    sb[i] = eb == 1 ? 0 : pb;
    pa *= ea;
    pb *= eb;
  }
  Layout l;
  for (size_t i = 0; i < r; i++) {
    if (outShape[i] == 1) continue;
    if (!l.extent.empty()) {
      const size_t j = l.extent.size() - 1;
      const bool mergeA = l.strideA[j] == sa[i] * outShape[i] || (l.strideA[j] == 0 && sa[i] == 0);
      const bool mergeB = l.strideB[j] == sb[i] * outShape[i] || (l.strideB[j] == 0 && sb[i] == 0);
      if (mergeA && mergeB) {
        l.extent[j] *= outShape[i];
        l.strideA[j] = sa[i];
        l.strideB[j] = sb[i];
        continue;
      }
    }
    l.extent.push_back(outShape[i]);
    l.strideA.push_back(sa[i]);
    l.strideB.push_back(sb[i]);
  }
  if (l.extent.empty()) {
    l.extent = {1};
    l.strideA = {0};
    l.strideB = {0};
  }
  return l;
}

template <Binary op>
void binaryT(const float* a, const std::vector<int64_t>& aShape, const float* b, const std::vector<int64_t>& bShape,
             float* out, const std::vector<int64_t>& outShape) {
  const Layout l = collapse(aShape, bShape, outShape);
  const size_t r = l.extent.size();
  const int64_t inner = l.extent[r - 1];
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < r; i++) rows *= l.extent[i];
#pragma omp parallel for schedule(static) if (rows * inner > kParallelMin)
  for (int64_t row = 0; row < rows; row++) {
    int64_t offA = 0, offB = 0, rest = row;
    for (size_t i = r - 1; i-- > 0;) {
      const int64_t idx = rest % l.extent[i];
      rest /= l.extent[i];
      offA += idx * l.strideA[i];
      offB += idx * l.strideB[i];
    }
    run<op>(a + offA, l.strideA[r - 1], b + offB, l.strideB[r - 1], out + row * inner, inner);
  }
}

template <Unary op>
inline float apply1(float x) {
  if constexpr (op == Unary::Neg) return -x;
  if constexpr (op == Unary::Exp) return expf(x);
  if constexpr (op == Unary::Log) return logf(x);
  if constexpr (op == Unary::Sqrt) return std::sqrt(x);
  if constexpr (op == Unary::Rsqrt) return 1.0f / std::sqrt(x);
  if constexpr (op == Unary::Square) return x * x;
  if constexpr (op == Unary::Sigmoid) return 1.0f / (1.0f + expf(-x));
  if constexpr (op == Unary::Abs) return std::fabs(x);
  if constexpr (op == Unary::Reciprocal) return 1.0f / x;
  if constexpr (op == Unary::Tanh) return std::tanh(x);
  if constexpr (op == Unary::Relu) return x < 0 ? 0.0f : x;
}

template <Unary op>
void unaryT(const float* x, float* out, int64_t n) {
  const int64_t chunk = 16384;
#pragma omp parallel for schedule(static) if (n > kParallelMinCompute)
  for (int64_t c = 0; c < n; c += chunk) {
    const int64_t end = c + chunk < n ? c + chunk : n;
    TL_SIMD
    for (int64_t i = c; i < end; i++) out[i] = apply1<op>(x[i]);
  }
}

}  // namespace

void binary(Binary op, const float* a, const std::vector<int64_t>& aShape, const float* b,
            const std::vector<int64_t>& bShape, float* out, const std::vector<int64_t>& outShape) {
  switch (op) {
    case Binary::Add: return binaryT<Binary::Add>(a, aShape, b, bShape, out, outShape);
    case Binary::Sub: return binaryT<Binary::Sub>(a, aShape, b, bShape, out, outShape);
    case Binary::Mul: return binaryT<Binary::Mul>(a, aShape, b, bShape, out, outShape);
    case Binary::Div: return binaryT<Binary::Div>(a, aShape, b, bShape, out, outShape);
    case Binary::Max: return binaryT<Binary::Max>(a, aShape, b, bShape, out, outShape);
    case Binary::Min: return binaryT<Binary::Min>(a, aShape, b, bShape, out, outShape);
    case Binary::SquaredDiff: return binaryT<Binary::SquaredDiff>(a, aShape, b, bShape, out, outShape);
    case Binary::Pow: return binaryT<Binary::Pow>(a, aShape, b, bShape, out, outShape);
  }
}

void unary(Unary op, const float* x, float* out, int64_t n) {
  switch (op) {
    case Unary::Neg: return unaryT<Unary::Neg>(x, out, n);
    case Unary::Exp: return unaryT<Unary::Exp>(x, out, n);
    case Unary::Log: return unaryT<Unary::Log>(x, out, n);
    case Unary::Sqrt: return unaryT<Unary::Sqrt>(x, out, n);
    case Unary::Rsqrt: return unaryT<Unary::Rsqrt>(x, out, n);
    case Unary::Square: return unaryT<Unary::Square>(x, out, n);
    case Unary::Sigmoid: return unaryT<Unary::Sigmoid>(x, out, n);
    case Unary::Abs: return unaryT<Unary::Abs>(x, out, n);
    case Unary::Reciprocal: return unaryT<Unary::Reciprocal>(x, out, n);
    case Unary::Tanh: return unaryT<Unary::Tanh>(x, out, n);
    case Unary::Relu: return unaryT<Unary::Relu>(x, out, n);
  }
}

}  // namespace tl
