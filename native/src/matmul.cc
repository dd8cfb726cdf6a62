#include <cblas.h>

#include "kernels.h"

namespace tl {

void batch_matmul(const float* a, const float* b, float* out, int64_t batchA, int64_t batchB, int64_t m,
                  int64_t n, int64_t k, bool transA, bool transB) {
  const int64_t batch = batchA > batchB ? batchA : batchB;
  if (k == 0) {  // an empty sum; the output buffer may hold anything (it is reused)
    for (int64_t i = 0; i < batch * m * n; i++) out[i] = 0.0f;
    return;
  }
  const int64_t lda = transA ? m : k;
  const int64_t ldb = transB ? k : n;
  for (int64_t i = 0; i < batch; i++) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k,
                1.0f, a + (i % batchA) * m * k, lda, b + (i % batchB) * k * n, ldb, 0.0f, out + i * m * n, n);
  }
}

}  // namespace tl
