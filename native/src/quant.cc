#include "kernels.h"

namespace tl {

void dequant_4bit(const int32_t* words, const int32_t* shifts, const float* table, const float* absmax,
                  int64_t blockSize, float* out, int64_t n) {
  const int64_t blocks = (n + blockSize - 1) / blockSize;
#pragma omp parallel for schedule(static) if (n > kParallelMinCompute)
  for (int64_t b = 0; b < blocks; b++) {
    const float scale = absmax[b];
    const int64_t hi = (b + 1) * blockSize < n ? (b + 1) * blockSize : n;
    for (int64_t i = b * blockSize; i < hi; i++) {
      const uint32_t code = (static_cast<uint32_t>(words[i >> 3]) >> shifts[i & 7]) & 15u;
      out[i] = table[code] * scale;
    }
  }
}

void unpack_16bit(const int32_t* words, const float* table, float* out, int64_t n) {
  const int64_t pairs = n >> 1;
#pragma omp parallel for schedule(static) if (n > kParallelMinCompute)
  for (int64_t k = 0; k < pairs; k++) {
    const uint32_t w = static_cast<uint32_t>(words[k]);
    out[2 * k] = table[w & 0xffffu];
    out[2 * k + 1] = table[w >> 16];
  }
  if (n & 1) out[n - 1] = table[static_cast<uint32_t>(words[pairs]) & 0xffffu];
}

}  // namespace tl
