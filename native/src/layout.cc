#include <cstring>

#include "kernels.h"

namespace tl {

void transpose(const float* x, float* out, const std::vector<int64_t>& shape, const std::vector<int64_t>& perm) {
  // merge output axes that are also adjacent, in order, in the input (perm [0,2,1,3] keeps the last axis
  // contiguous: rows of hd are copied whole)
  std::vector<int64_t> inStride(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    inStride[i] = s;
    s *= shape[i];
  }
  std::vector<int64_t> ext, str;  // per output axis: extent and input stride
  for (size_t i = 0; i < perm.size(); i++) {
    const int64_t e = shape[perm[i]], st = inStride[perm[i]];
    if (e == 1) continue;
    if (!ext.empty() && str.back() == st * e) {
      ext.back() *= e;
      str.back() = st;
      continue;
    }
    ext.push_back(e);
    str.push_back(st);
  }
  const int64_t total = s;
  if (ext.empty() || (ext.size() == 1 && str[0] == 1)) {
    std::memcpy(out, x, total * sizeof(float));
    return;
  }
  const size_t r = ext.size();
  if (str[r - 1] == 1) {
    // contiguous inner runs
    const int64_t inner = ext[r - 1];
    const int64_t rows = total / inner;
#pragma omp parallel for schedule(static) if (total > kParallelMin)
    for (int64_t row = 0; row < rows; row++) {
      int64_t off = 0, rest = row;
      for (size_t i = r - 1; i-- > 0;) {
        off += (rest % ext[i]) * str[i];
        rest /= ext[i];
      }
      std::memcpy(out + row * inner, x + off, inner * sizeof(float));
    }
    return;
  }
  // the inner output axis is strided in the input: tile the last two output axes for locality
  const int64_t n1 = ext[r - 1], s1 = str[r - 1];
  const int64_t n0 = r >= 2 ? ext[r - 2] : 1, s0 = r >= 2 ? str[r - 2] : 0;
  const int64_t planes = total / (n0 * n1);
  const int64_t tile = 32;
  const int64_t tiles0 = (n0 + tile - 1) / tile;
#pragma omp parallel for schedule(static) collapse(2) if (total > kParallelMin)
  for (int64_t pl = 0; pl < planes; pl++) {
    for (int64_t t0 = 0; t0 < tiles0; t0++) {
      int64_t base = 0, rest = pl;
      for (size_t i = r >= 2 ? r - 2 : 0; i-- > 0;) {
        base += (rest % ext[i]) * str[i];
        rest /= ext[i];
      }
      float* dst = out + pl * n0 * n1;
      const int64_t lo0 = t0 * tile, hi0 = lo0 + tile < n0 ? lo0 + tile : n0;
      for (int64_t t1 = 0; t1 < n1; t1 += tile) {
        const int64_t hi1 = t1 + tile < n1 ? t1 + tile : n1;
        for (int64_t i0 = lo0; i0 < hi0; i0++)
          for (int64_t i1 = t1; i1 < hi1; i1++) dst[i0 * n1 + i1] = x[base + i0 * s0 + i1 * s1];
      }
    }
  }
}

void slice(const void* x, void* out, const std::vector<int64_t>& shape, const std::vector<int64_t>& begin,
           const std::vector<int64_t>& size, int elemBytes) {
  const size_t r = shape.size();
  // the inner run: the last axis, extended outwards over axes taken whole
  size_t k = r;
  int64_t run = 1;
  while (k > 0) {
    run *= size[k - 1];
    if (size[k - 1] != shape[k - 1]) {
      k--;
      break;
    }
    k--;
  }
  // axes [0, k) are iterated; axis k onwards form one contiguous run starting at begin
  std::vector<int64_t> stride(r);
  int64_t s = 1;
  for (size_t i = r; i-- > 0;) {
    stride[i] = s;
    s *= shape[i];
  }
  int64_t rows = 1;
  for (size_t i = 0; i < k; i++) rows *= size[i];
  int64_t start = 0;
  for (size_t i = k; i < r; i++) start += begin[i] * stride[i];
  const char* src = static_cast<const char*>(x);
  char* dst = static_cast<char*>(out);
#pragma omp parallel for schedule(static) if (rows * run > kParallelMin)
  for (int64_t row = 0; row < rows; row++) {
    int64_t off = start, rest = row;
    for (size_t i = k; i-- > 0;) {
      off += (begin[i] + rest % size[i]) * stride[i];
      rest /= size[i];
    }
    std::memcpy(dst + row * run * elemBytes, src + off * elemBytes, run * elemBytes);
  }
}

void concat(const std::vector<const void*>& inputs, const std::vector<int64_t>& inners, void* out, int64_t outer,
            int elemBytes) {
  int64_t width = 0;
  for (int64_t w : inners) width += w;
  char* dst = static_cast<char*>(out);
#pragma omp parallel for schedule(static) if (outer * width > kParallelMin)
  for (int64_t o = 0; o < outer; o++) {
    int64_t col = 0;
    for (size_t i = 0; i < inputs.size(); i++) {
      std::memcpy(dst + (o * width + col) * elemBytes, static_cast<const char*>(inputs[i]) + o * inners[i] * elemBytes,
                  inners[i] * elemBytes);
      col += inners[i];
    }
  }
}

int64_t gather_rows(const float* x, int64_t rows, int64_t inner, const int32_t* ids, int64_t n, float* out) {
  for (int64_t i = 0; i < n; i++)
    if (ids[i] < 0 || ids[i] >= rows) return i;
#pragma omp parallel for schedule(static) if (n * inner > kParallelMin)
  for (int64_t i = 0; i < n; i++) std::memcpy(out + i * inner, x + ids[i] * inner, inner * sizeof(float));
  return -1;
}

void segment_sum(const float* x, const int32_t* ids, int64_t n, int64_t inner, float* out, int64_t segments) {
  std::memset(out, 0, segments * inner * sizeof(float));
  // parallel over column chunks: every thread owns its columns of every segment, so no two write one float
  const int64_t chunk = 256;
  const int64_t chunks = (inner + chunk - 1) / chunk;
#pragma omp parallel for schedule(static) if (n * inner > kParallelMin)
  for (int64_t c = 0; c < chunks; c++) {
    const int64_t lo = c * chunk, hi = lo + chunk < inner ? lo + chunk : inner;
    for (int64_t i = 0; i < n; i++) {
      const int32_t s = ids[i];
      if (s < 0 || s >= segments) continue;
      float* dst = out + s * inner;
      const float* src = x + i * inner;
      for (int64_t j = lo; j < hi; j++) dst[j] += src[j];
    }
  }
}

}  // namespace tl
