// The kernels' contract. Every kernel works on flat, row-major float32 arrays that the caller owns and
// sizes (the JS side allocates outputs; no kernel allocates a tensor), llm.c-style. Shapes are given as
// extents; broadcasting follows NumPy/tfjs rules. Kernels parallelise with OpenMP over their outer loop
// and leave matrix products to the system BLAS (its own threads).
#pragma once
#include <cstdint>
#include <vector>

namespace tl {

// Loops shorter than this run on one thread: waking the OpenMP team costs more than a memory-bound
// pass over a megabyte takes (measured on small models, where most tensors are below it).
constexpr int64_t kParallelMin = int64_t{1} << 18;
// The same for loops that compute per element (exp, decoding): worth threads sooner.
constexpr int64_t kParallelMinCompute = int64_t{1} << 15;

enum class Binary { Add, Sub, Mul, Div, Max, Min, SquaredDiff, Pow };
enum class Unary { Neg, Exp, Log, Sqrt, Rsqrt, Square, Sigmoid, Abs, Reciprocal, Tanh, Relu };
enum class Reduce { Sum, Max, Min, Mean };

// out[batch, m, n] = op(a)[batch % batchA, m, k] · op(b)[batch % batchB, k, n], op = transpose when
// the flag is set (a is then stored [k, m], b [n, k]); batch = max(batchA, batchB) (tfjs's rule).
void batch_matmul(const float* a, const float* b, float* out, int64_t batchA, int64_t batchB, int64_t m,
                  int64_t n, int64_t k, bool transA, bool transB);

// out = op(a, b) with a, b broadcast to outShape; aShape/bShape are right-aligned to outShape.
void binary(Binary op, const float* a, const std::vector<int64_t>& aShape, const float* b,
            const std::vector<int64_t>& bShape, float* out, const std::vector<int64_t>& outShape);

void unary(Unary op, const float* x, float* out, int64_t n);

// x viewed as [outer, r, inner]: out[outer, inner] = reduce over r.
void reduce(Reduce op, const float* x, float* out, int64_t outer, int64_t r, int64_t inner);

// Softmax / log-softmax over the last axis of x viewed as [rows, cols].
void softmax(const float* x, float* out, int64_t rows, int64_t cols, bool log);

// Cross-entropy over a vocabulary without [N, V] temporaries, x viewed as [rows, cols] (logits):
// out[i] = log Σ_j exp(x[i, j]) (max-shifted); and its gradient in one pass,
// out[i, j] = scale[i] · (exp(x[i, j] − lse[i]) − [j = targets[i]]) (rows with scale 0 are zero).
void row_logsumexp(const float* x, float* out, int64_t rows, int64_t cols);
void softmax_xent_grad(const float* x, const float* lse, const float* scale, const int32_t* targets, float* out,
                       int64_t rows, int64_t cols);

// out = x transposed by perm (out.shape[i] = shape[perm[i]]).
void transpose(const float* x, float* out, const std::vector<int64_t>& shape, const std::vector<int64_t>& perm);

// out = x[begin : begin + size] per axis (elemBytes: 4 for float32/int32).
void slice(const void* x, void* out, const std::vector<int64_t>& shape, const std::vector<int64_t>& begin,
           const std::vector<int64_t>& size, int elemBytes);

// out[o, :] = concatenation over inputs of in_i[o, :] (each input viewed as [outer, inner_i]).
void concat(const std::vector<const void*>& inputs, const std::vector<int64_t>& inners, void* out, int64_t outer,
            int elemBytes);

// out[i, :] = x[ids[i], :] for x viewed as [rows, inner]; returns the first bad index's position or -1.
int64_t gather_rows(const float* x, int64_t rows, int64_t inner, const int32_t* ids, int64_t n, float* out);

// out[s, :] = Σ_{i: ids[i] = s} x[i, :]; ids outside [0, segments) are skipped (as tfjs).
void segment_sum(const float* x, const int32_t* ids, int64_t n, int64_t inner, float* out, int64_t segments);

// One AdamW update in place (torch.optim.AdamW): m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g²,
// p ← p·decay − lr · (m / c1) / (√(v / c2) + eps), decay = 1 − lr·wd, c1 = 1 − β1^t, c2 = 1 − β2^t; `scale`
// multiplies g first (gradient clipping folded in). The constants come computed in double by the caller
// and rounded once, as the tfjs-ops update rounds its scalars, so both give the same float32 results.
struct AdamWConstants {
  float lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, decay, c1, c2, scale;
};
void adamw(float* p, const float* g, float* m, float* v, int64_t n, const AdamWConstants& k);

// Frozen weights stored compactly (quant/ in the engine), expanded to float32 for one matmul:
// 4-bit codes, eight per int32 word (code i at bit shifts[i % 8] of word i / 8), out[i] = table[code] ·
// absmax[i / blockSize] (NF4: bitsandbytes' dequantize_4bit); and 16-bit values, two per word (element 2k
// in the low half of word k), out[i] = table[bits] (bfloat16 / float16 → float32 by a 65,536-entry table).
void dequant_4bit(const int32_t* words, const int32_t* shifts, const float* table, const float* absmax,
                  int64_t blockSize, float* out, int64_t n);
void unpack_16bit(const int32_t* words, const float* table, float* out, int64_t n);
// bitsandbytes' blockwise 4-bit quantisation in float32 arithmetic (the engine's quant/blockwise.ts):
// absmax per block, x · (1/absmax) clamped to [−1, 1], the nearest code by midpoint thresholds (ties to the
// lower code), a zero block all zeroCode; codes packed eight per word at `shifts`, the tail padded with
// zeroCode. words [ceil(n / 8)], absmax [ceil(n / blockSize)].
void quantize_4bit(const float* values, int64_t n, int64_t blockSize, const float* thresholds, int nThresholds,
                   int32_t zeroCode, const int32_t* shifts, int32_t* words, float* absmax);

// A frozen matrix W [rows, cols] in compact storage (the layouts above): 4-bit codes with a 16-entry table
// and per-block absmax, or 16-bit values with a 65,536-entry table.
struct CompactWeight {
  int bits;  // 4 or 16
  const int32_t* words;
  const float* table;
  const int32_t* shifts;  // 4-bit only
  const float* absmax;    // 4-bit only: absmax per block, or null under double quantisation:
  // absmax[b] = absmaxTable[8-bit code b] · absmaxScale[b / absmaxGroup] + absmaxOffset (codes four per word)
  const int32_t* absmaxCodes;
  const float* absmaxTable;
  const float* absmaxScale;
  float absmaxOffset;
  int64_t absmaxGroup;
  int64_t blockSize;  // 4-bit only
  int64_t rows, cols;
};
// Matmuls with W decoded a block of rows at a time (never a whole float32 W): forward out [n, rows] =
// x [n, cols] · Wᵀ; backward out [n, cols] = x [n, rows] · W (x is then dy).
void compact_matmul(const CompactWeight& w, const float* x, int64_t n, float* out, bool backward);

// Σ x² in double (global gradient norm).
double sum_squares(const float* x, int64_t n);

}  // namespace tl
