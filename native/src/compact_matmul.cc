#include <cblas.h>

#include <algorithm>
#include <vector>

#include "kernels.h"

namespace tl {
namespace {

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
    const float scale = w.absmax[b];
    const int64_t lo = std::max(begin, b * w.blockSize), hi = std::min(end, (b + 1) * w.blockSize);
    for (int64_t i = lo; i < hi; i++) {
      const uint32_t code = (static_cast<uint32_t>(w.words[i >> 3]) >> w.shifts[i & 7]) & 15u;
      buf[i - begin] = w.table[code] * scale;
    }
  }
}

// Rows of W per block: the decoded block (rows × cols floats) stays in cache for its matmul.
int64_t block_rows(int64_t cols) { return std::max<int64_t>(16, std::min<int64_t>(512, (1 << 20) / cols)); }

}  // namespace

void compact_matmul(const CompactWeight& w, const float* x, int64_t n, float* out, bool backward) {
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
