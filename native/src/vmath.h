// glibc's libmvec has vectorised expf/logf (AVX2/AVX-512, within 4 ulp), but math.h declares them as SIMD
// functions only under -ffast-math, which would also drop NaN/Inf semantics the kernels must keep.
// Declaring the two SIMD variants here lets `#pragma omp simd` loops call them with IEEE semantics intact.
#pragma once
#if defined(__GLIBC__) && defined(__x86_64__)
extern "C" __attribute__((simd("notinbranch"))) float expf(float) noexcept;
extern "C" __attribute__((simd("notinbranch"))) float logf(float) noexcept;
#define TL_SIMD _Pragma("omp simd")
// a simd loop summing into a float named `sum`
#define TL_SIMD_SUM _Pragma("omp simd reduction(+ : sum)")
#else
#include <cmath>
#define TL_SIMD
#define TL_SIMD_SUM
#endif
