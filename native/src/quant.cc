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

namespace tl {

void quantize_4bit(const float* values, int64_t n, int64_t blockSize, const float* thresholds, int nThresholds,
                   int32_t zeroCode, const int32_t* shifts, int32_t* words, float* absmax) {
  const int64_t blocks = (n + blockSize - 1) / blockSize;
  const int64_t nWords = (n + 7) / 8;
#pragma omp parallel for schedule(static) if (n > kParallelMinCompute)
  for (int64_t w = 0; w < nWords; w++) words[w] = 0;
  // blocks of 64 hold eight whole words, so threads never share a word unless blockSize % 8 != 0
  const bool wordAligned = blockSize % 8 == 0;
#pragma omp parallel for schedule(static) if (wordAligned && n > kParallelMinCompute)
  for (int64_t b = 0; b < blocks; b++) {
    const int64_t lo = b * blockSize, hi = lo + blockSize < n ? lo + blockSize : n;
    float mx = 0.0f;
    for (int64_t i = lo; i < hi; i++) {
      const float a = values[i] < 0 ? -values[i] : values[i];
      mx = a > mx ? a : mx;
    }
    absmax[b] = mx;
    const float inv = 1.0f / mx;  // float division = the JS path's fround(1 / absmax)
    for (int64_t i = lo; i < hi; i++) {
      int32_t code = zeroCode;
      if (mx != 0.0f) {
        float x = values[i] * inv;
        x = x < -1.0f ? -1.0f : (x > 1.0f ? 1.0f : x);
        int lo2 = 0, hi2 = nThresholds;  // the first threshold ≥ x: ties go to the lower code
        while (lo2 < hi2) {
          const int mid = (lo2 + hi2) >> 1;
          if (x > thresholds[mid]) lo2 = mid + 1;
          else hi2 = mid;
        }
        code = lo2;
      }
      words[i >> 3] |= code << shifts[i & 7];
    }
  }
  for (int64_t i = n; i < nWords * 8; i++) words[i >> 3] |= zeroCode << shifts[i & 7];  // padding codes
}

}  // namespace tl
