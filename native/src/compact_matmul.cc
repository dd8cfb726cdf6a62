#include <cblas.h>

#include <algorithm>
#include <vector>

#include "kernels.h"

namespace tl {
namespace {

// The scale of 4-bit block b: stored, or rebuilt from its 8-bit code as the engine's absmaxOnHost does
// (code · scale rounded to float, then + offset rounded to float).
inline float block_scale(const CompactWeight& w, int64_t b) {
  if (w.absmax != nullptr) return w.absmax[b];
  const uint32_t code = (static_cast<uint32_t>(w.absmaxCodes[b >> 2]) >> (8 * (b & 3))) & 255u;
  const float scaled = w.absmaxTable[code] * w.absmaxScale[b / w.absmaxGroup];
  return scaled + w.absmaxOffset;
}

// Weights [rowBegin, rowEnd) of W [rows, cols] decoded to float32 into buf (row-major). 4-bit: a scale
// block at a time (its absmax loaded once, eight codes per word); 16-bit: a table lookup per half word.
void decode_rows(const CompactWeight& w, int64_t rowBegin, int64_t rowEnd, float* buf) {
  const int64_t begin = rowBegin * w.cols, end = rowEnd * w.cols;
  if (w.bits == 16) {
#pragma omp parallel for schedule(static) if (end - begin > kParallelMinCompute)
    for (int64_t i = begin; i < end; i++) {
      const uint32_t word = static_cast<uint32_t>(w.words[i >> 1]);
      buf[i - begin] = w.table[(i & 1) ? word >> 16 : word & 0xffffu];
    }
    return;
  }
  const int64_t firstBlock = begin / w.blockSize, lastBlock = (end + w.blockSize - 1) / w.blockSize;
#pragma omp parallel for schedule(static) if (end - begin > kParallelMinCompute)
  for (int64_t b = firstBlock; b < lastBlock; b++) {
    const float scale = block_scale(w, b);
    const int64_t lo = std::max(begin, b * w.blockSize), hi = std::min(end, (b + 1) * w.blockSize);
    for (int64_t i = lo; i < hi; i++) {
      const uint32_t code = (static_cast<uint32_t>(w.words[i >> 3]) >> w.shifts[i & 7]) & 15u;
      buf[i - begin] = w.table[code] * scale;
    }
  }
}

// Rows of W per block: the decoded block (rows × cols floats) stays in cache for its matmul.
int64_t block_rows(int64_t cols) { return std::max<int64_t>(16, std::min<int64_t>(512, (1 << 20) / cols)); }

// Decodes W row `r`, columns [c0, c1), into dst (one thread; the small-n path below).
inline void decode_row(const CompactWeight& w, int64_t r, int64_t c0, int64_t c1, float* dst) {
  const int64_t base = r * w.cols;
  if (w.bits == 16) {
    for (int64_t c = c0; c < c1; c++) {
      const int64_t i = base + c;
      const uint32_t word = static_cast<uint32_t>(w.words[i >> 1]);
      dst[c - c0] = w.table[(i & 1) ? word >> 16 : word & 0xffffu];
    }
    return;
  }
  const int64_t end = base + c1;
  for (int64_t i = base + c0; i < end;) {  // a scale block at a time: one division per block
    const int64_t b = i / w.blockSize, stop = std::min(end, (b + 1) * w.blockSize);
    const float scale = block_scale(w, b);
    for (; i < stop; i++) {
      const uint32_t code = (static_cast<uint32_t>(w.words[i >> 3]) >> w.shifts[i & 7]) & 15u;
      dst[i - base - c0] = w.table[code] * scale;
    }
  }
}

// A few rows of x (generation, tiny batches): one parallel pass over W that decodes each row once and
// multiplies it in, instead of a BLAS call per block whose threads would wake for a few rows of work.
void small_n(const CompactWeight& w, const float* x, int64_t n, float* out, bool backward) {
  if (!backward) {
#pragma omp parallel
    {
      std::vector<float> row(static_cast<size_t>(w.cols));
#pragma omp for schedule(static)
      for (int64_t r = 0; r < w.rows; r++) {
        decode_row(w, r, 0, w.cols, row.data());
        for (int64_t k = 0; k < n; k++) {
          const float* xk = x + k * w.cols;
          float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
          for (int64_t c = 0; c < w.cols; c++) acc += xk[c] * row[c];
          out[k * w.rows + r] = acc;
        }
      }
    }
    return;
  }
  // dx [n, cols] = dy [n, rows] · W: each thread owns a range of columns of dx
  const int64_t chunk = 256;
#pragma omp parallel
  {
    std::vector<float> row(static_cast<size_t>(chunk));
#pragma omp for schedule(static)
    for (int64_t c0 = 0; c0 < w.cols; c0 += chunk) {
      const int64_t c1 = std::min(w.cols, c0 + chunk), width = c1 - c0;
      for (int64_t k = 0; k < n; k++)
        for (int64_t c = c0; c < c1; c++) out[k * w.cols + c] = 0.0f;
      for (int64_t r = 0; r < w.rows; r++) {
        decode_row(w, r, c0, c1, row.data());
        for (int64_t k = 0; k < n; k++) {
          const float g = x[k * w.rows + r];
          float* dst = out + k * w.cols + c0;
#pragma omp simd
          for (int64_t c = 0; c < width; c++) dst[c] += g * row[c];
        }
      }
    }
  }
}

}  // namespace

void compact_matmul(const CompactWeight& w, const float* x, int64_t n, float* out, bool backward) {
  if (n <= 8) return small_n(w, x, n, out, backward);
  const int64_t step = block_rows(w.cols);
  static thread_local std::vector<float> buf;
  buf.resize(static_cast<size_t>(step * w.cols));
  for (int64_t r0 = 0; r0 < w.rows; r0 += step) {
    const int64_t r1 = std::min(w.rows, r0 + step), rows = r1 - r0;
    decode_rows(w, r0, r1, buf.data());
    if (!backward) {
      // out[:, r0:r1] = x [n, cols] · block [rows, cols]ᵀ
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, rows, w.cols, 1.0f, x, w.cols, buf.data(), w.cols,
                  0.0f, out + r0, w.rows);
    } else {
      // out [n, cols] += dy[:, r0:r1] · block [rows, cols]  (x is dy [n, rows of W])
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, w.cols, rows, 1.0f, x + r0, w.rows, buf.data(),
                  w.cols, r0 == 0 ? 0.0f : 1.0f, out, w.cols);
    }
  }
}

}  // namespace tl
