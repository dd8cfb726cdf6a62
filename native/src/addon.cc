// N-API bindings: each function takes the JS side's typed arrays (no copies) and plain numbers, checks
// what a wrong call from JS could break (sizes), and calls one kernel of kernels.h.
#include <napi.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef __APPLE__
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

#include <string>

#include "kernels.h"

namespace {

using tl::Binary;
using tl::Reduce;
using tl::Unary;

template <typename T>
T* data(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a typed array");
  auto a = v.As<Napi::TypedArray>();
  return reinterpret_cast<T*>(static_cast<char*>(a.ArrayBuffer().Data()) + a.ByteOffset());
}

int64_t length(const Napi::Value& v) { return static_cast<int64_t>(v.As<Napi::TypedArray>().ElementLength()); }

int64_t num(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }

std::vector<int64_t> dims(const Napi::Value& v) {
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return out;
}

int64_t product(const std::vector<int64_t>& s) {
  int64_t p = 1;
  for (int64_t e : s) p *= e;
  return p;
}

void need(const Napi::Env& env, bool ok, const char* message) {
  if (!ok) throw Napi::RangeError::New(env, message);
}

Napi::Value MatMul(const Napi::CallbackInfo& info) {
  const int64_t batchA = num(info[3]), batchB = num(info[4]), m = num(info[5]), n = num(info[6]), k = num(info[7]);
  const int64_t batch = batchA > batchB ? batchA : batchB;
  need(info.Env(), length(info[0]) == batchA * m * k && length(info[1]) == batchB * k * n &&
                       length(info[2]) == batch * m * n,
       "matmul: operand sizes do not match the shapes");
  tl::batch_matmul(data<float>(info[0], "a"), data<float>(info[1], "b"), data<float>(info[2], "out"), batchA, batchB,
                   m, n, k, info[8].As<Napi::Boolean>(), info[9].As<Napi::Boolean>());
  return info.Env().Undefined();
}

Napi::Value BinaryOp(const Napi::CallbackInfo& info) {
  const auto aShape = dims(info[2]), bShape = dims(info[4]), outShape = dims(info[6]);
  need(info.Env(), length(info[1]) == product(aShape) && length(info[3]) == product(bShape) &&
                       length(info[5]) == product(outShape),
       "binary: operand sizes do not match the shapes");
  tl::binary(static_cast<Binary>(num(info[0])), data<float>(info[1], "a"), aShape, data<float>(info[3], "b"), bShape,
             data<float>(info[5], "out"), outShape);
  return info.Env().Undefined();
}

Napi::Value UnaryOp(const Napi::CallbackInfo& info) {
  need(info.Env(), length(info[1]) == length(info[2]), "unary: sizes differ");
  tl::unary(static_cast<Unary>(num(info[0])), data<float>(info[1], "x"), data<float>(info[2], "out"), length(info[1]));
  return info.Env().Undefined();
}

Napi::Value ReduceOp(const Napi::CallbackInfo& info) {
  const int64_t outer = num(info[3]), r = num(info[4]), inner = num(info[5]);
  need(info.Env(), length(info[1]) == outer * r * inner && length(info[2]) == outer * inner,
       "reduce: sizes do not match [outer, r, inner]");
  tl::reduce(static_cast<Reduce>(num(info[0])), data<float>(info[1], "x"), data<float>(info[2], "out"), outer, r,
             inner);
  return info.Env().Undefined();
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const int64_t rows = num(info[2]), cols = num(info[3]);
  need(info.Env(), length(info[0]) == rows * cols && length(info[1]) == rows * cols, "softmax: sizes differ");
  tl::softmax(data<float>(info[0], "x"), data<float>(info[1], "out"), rows, cols, info[4].As<Napi::Boolean>());
  return info.Env().Undefined();
}

Napi::Value RowLogSumExp(const Napi::CallbackInfo& info) {
  const int64_t rows = num(info[2]), cols = num(info[3]);
  need(info.Env(), length(info[0]) == rows * cols && length(info[1]) == rows, "rowLogSumExp: sizes differ");
  tl::row_logsumexp(data<float>(info[0], "x"), data<float>(info[1], "out"), rows, cols);
  return info.Env().Undefined();
}

Napi::Value SoftmaxXentGrad(const Napi::CallbackInfo& info) {
  const int64_t rows = num(info[5]), cols = num(info[6]);
  need(info.Env(), length(info[0]) == rows * cols && length(info[4]) == rows * cols && length(info[1]) == rows &&
                       length(info[2]) == rows && length(info[3]) == rows,
       "softmaxXentGrad: sizes differ");
  tl::softmax_xent_grad(data<float>(info[0], "x"), data<float>(info[1], "lse"), data<float>(info[2], "scale"),
                        data<int32_t>(info[3], "targets"), data<float>(info[4], "out"), rows, cols);
  return info.Env().Undefined();
}

Napi::Value Transpose(const Napi::CallbackInfo& info) {
  const auto shape = dims(info[2]), perm = dims(info[3]);
  need(info.Env(), length(info[0]) == product(shape) && length(info[1]) == product(shape) && perm.size() == shape.size(),
       "transpose: sizes do not match the shape");
  tl::transpose(data<float>(info[0], "x"), data<float>(info[1], "out"), shape, perm);
  return info.Env().Undefined();
}

int elementBytes(const Napi::Value& v) {
  auto t = v.As<Napi::TypedArray>().TypedArrayType();
  return t == napi_float32_array || t == napi_int32_array || t == napi_uint32_array ? 4
         : t == napi_uint8_array || t == napi_int8_array                             ? 1
                                                                                     : 0;
}

Napi::Value Slice(const Napi::CallbackInfo& info) {
  const auto shape = dims(info[2]), begin = dims(info[3]), size = dims(info[4]);
  const int bytes = elementBytes(info[0]);
  need(info.Env(), bytes > 0 && bytes == elementBytes(info[1]), "slice: unsupported element type");
  need(info.Env(), length(info[0]) == product(shape) && length(info[1]) == product(size), "slice: sizes differ");
  for (size_t i = 0; i < shape.size(); i++)
    need(info.Env(), begin[i] >= 0 && begin[i] + size[i] <= shape[i], "slice: out of bounds");
  tl::slice(data<void>(info[0], "x"), data<void>(info[1], "out"), shape, begin, size, bytes);
  return info.Env().Undefined();
}

Napi::Value Concat(const Napi::CallbackInfo& info) {
  auto list = info[0].As<Napi::Array>();
  const auto inners = dims(info[1]);
  const int64_t outer = num(info[3]);
  const int bytes = elementBytes(info[2]);
  std::vector<const void*> inputs(list.Length());
  int64_t width = 0;
  for (uint32_t i = 0; i < list.Length(); i++) {
    need(info.Env(), elementBytes(list.Get(i)) == bytes && length(list.Get(i)) == outer * inners[i],
         "concat: input size or type does not match");
    inputs[i] = data<void>(list.Get(i), "input");
    width += inners[i];
  }
  need(info.Env(), bytes > 0 && length(info[2]) == outer * width, "concat: output size differs");
  tl::concat(inputs, inners, data<void>(info[2], "out"), outer, bytes);
  return info.Env().Undefined();
}

Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  const int64_t rows = num(info[1]), inner = num(info[2]), n = length(info[3]);
  need(info.Env(), length(info[0]) == rows * inner && length(info[4]) == n * inner, "gather: sizes differ");
  const int64_t bad = tl::gather_rows(data<float>(info[0], "x"), rows, inner, data<int32_t>(info[3], "indices"), n,
                                      data<float>(info[4], "out"));
  return Napi::Number::New(info.Env(), static_cast<double>(bad));
}

Napi::Value SegmentSum(const Napi::CallbackInfo& info) {
  const int64_t n = length(info[1]), inner = num(info[2]), segments = num(info[4]);
  need(info.Env(), length(info[0]) == n * inner && length(info[3]) == segments * inner, "segmentSum: sizes differ");
  tl::segment_sum(data<float>(info[0], "x"), data<int32_t>(info[1], "ids"), n, inner, data<float>(info[3], "out"),
                  segments);
  return info.Env().Undefined();
}

Napi::Value AdamW(const Napi::CallbackInfo& info) {
  const int64_t n = length(info[0]);
  need(info.Env(), length(info[1]) == n && length(info[2]) == n && length(info[3]) == n, "adamw: sizes differ");
  auto c = info[4].As<Napi::Object>();
  auto f = [&](const char* key) { return c.Get(key).As<Napi::Number>().FloatValue(); };
  const tl::AdamWConstants k{f("lr"), f("beta1"), f("oneMinusBeta1"), f("beta2"), f("oneMinusBeta2"),
                             f("eps"), f("decay"), f("c1"), f("c2"), f("scale")};
  tl::adamw(data<float>(info[0], "p"), data<float>(info[1], "g"), data<float>(info[2], "m"), data<float>(info[3], "v"),
            n, k);
  return info.Env().Undefined();
}

Napi::Value Dequant4bit(const Napi::CallbackInfo& info) {
  const int64_t n = length(info[5]), block = num(info[4]);
  need(info.Env(), block > 0 && length(info[1]) == 8 && length(info[2]) == 16, "dequant4bit: bad shifts or table");
  need(info.Env(), length(info[0]) * 8 >= n && length(info[3]) * block >= n, "dequant4bit: too few codes or scales");
  tl::dequant_4bit(data<int32_t>(info[0], "words"), data<int32_t>(info[1], "shifts"), data<float>(info[2], "table"),
                   data<float>(info[3], "absmax"), block, data<float>(info[5], "out"), n);
  return info.Env().Undefined();
}

// quantize4bit(values, blockSize, thresholds, zeroCode, shifts, words, absmax)
Napi::Value Quantize4bit(const Napi::CallbackInfo& info) {
  const int64_t n = length(info[0]), block = num(info[1]);
  need(info.Env(), block > 0 && length(info[4]) == 8 && length(info[5]) == (n + 7) / 8 &&
                       length(info[6]) == (n + block - 1) / block && length(info[2]) > 0 && length(info[2]) < 256,
       "quantize4bit: sizes differ");
  tl::quantize_4bit(data<float>(info[0], "values"), n, block, data<float>(info[2], "thresholds"),
                    static_cast<int>(length(info[2])), static_cast<int32_t>(num(info[3])), data<int32_t>(info[4], "shifts"),
                    data<int32_t>(info[5], "words"), data<float>(info[6], "absmax"));
  return info.Env().Undefined();
}

Napi::Value Unpack16bit(const Napi::CallbackInfo& info) {
  const int64_t n = length(info[2]);
  need(info.Env(), length(info[1]) == 65536 && length(info[0]) * 2 >= n, "unpack16bit: bad table or too few words");
  tl::unpack_16bit(data<int32_t>(info[0], "words"), data<float>(info[1], "table"), data<float>(info[2], "out"), n);
  return info.Env().Undefined();
}

// compactMatmul({bits, words, table, shifts?, absmax?, blockSize?, rows, cols}, x, n, out, backward)
Napi::Value CompactMatmul(const Napi::CallbackInfo& info) {
  auto o = info[0].As<Napi::Object>();
  tl::CompactWeight w{};
  w.bits = static_cast<int>(num(o.Get("bits")));
  w.rows = num(o.Get("rows"));
  w.cols = num(o.Get("cols"));
  w.words = data<int32_t>(o.Get("words"), "words");
  w.table = data<float>(o.Get("table"), "table");
  const int64_t size = w.rows * w.cols, n = num(info[2]);
  const bool backward = info[4].As<Napi::Boolean>();
  if (w.bits == 4) {
    w.shifts = data<int32_t>(o.Get("shifts"), "shifts");
    w.blockSize = num(o.Get("blockSize"));
    need(info.Env(), length(o.Get("table")) == 16 && length(o.Get("shifts")) == 8 && w.blockSize > 0 &&
                         length(o.Get("words")) * 8 >= size,
         "compactMatmul: bad 4-bit storage");
    const int64_t blocks = (size + w.blockSize - 1) / w.blockSize;
    if (o.Has("absmax")) {
      w.absmax = data<float>(o.Get("absmax"), "absmax");
      need(info.Env(), length(o.Get("absmax")) >= blocks, "compactMatmul: too few absmax values");
    } else {
      w.absmaxCodes = data<int32_t>(o.Get("absmaxCodes"), "absmaxCodes");
      w.absmaxTable = data<float>(o.Get("absmaxTable"), "absmaxTable");
      w.absmaxScale = data<float>(o.Get("absmaxScale"), "absmaxScale");
      w.absmaxOffset = o.Get("absmaxOffset").As<Napi::Number>().FloatValue();
      w.absmaxGroup = num(o.Get("absmaxGroup"));
      need(info.Env(), w.absmaxGroup > 0 && length(o.Get("absmaxTable")) == 256 &&
                           length(o.Get("absmaxCodes")) * 4 >= blocks &&
                           length(o.Get("absmaxScale")) * w.absmaxGroup >= blocks,
           "compactMatmul: bad double-quantised absmax");
    }
  } else {
    need(info.Env(), w.bits == 16 && length(o.Get("table")) == 65536 && length(o.Get("words")) * 2 >= size,
         "compactMatmul: bad 16-bit storage");
  }
  const int64_t xCols = backward ? w.rows : w.cols, outCols = backward ? w.cols : w.rows;
  need(info.Env(), length(info[1]) == n * xCols && length(info[3]) == n * outCols, "compactMatmul: sizes differ");
  tl::compact_matmul(w, data<float>(info[1], "x"), n, data<float>(info[3], "out"), backward);
  return info.Env().Undefined();
}

Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), tl::sum_squares(data<float>(info[0], "x"), length(info[0])));
}

#ifndef __APPLE__
extern "C" {
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}
#endif

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const int n = static_cast<int>(num(info[0]));
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
#ifndef __APPLE__
  openblas_set_num_threads(n);
#endif
  return info.Env().Undefined();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  auto out = Napi::Object::New(info.Env());
#ifdef __APPLE__
  out.Set("blas", "Accelerate");
  out.Set("blasThreads", Napi::Number::New(info.Env(), 0));
#else
  out.Set("blas", std::string("OpenBLAS ") + openblas_get_config() + " (" + openblas_get_corename() + ")");
  out.Set("blasThreads", Napi::Number::New(info.Env(), openblas_get_num_threads()));
#endif
#ifdef _OPENMP
  out.Set("threads", Napi::Number::New(info.Env(), omp_get_max_threads()));
#else
  out.Set("threads", Napi::Number::New(info.Env(), 1));
#endif
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, MatMul));
  exports.Set("binary", Napi::Function::New(env, BinaryOp));
  exports.Set("unary", Napi::Function::New(env, UnaryOp));
  exports.Set("reduce", Napi::Function::New(env, ReduceOp));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("rowLogSumExp", Napi::Function::New(env, RowLogSumExp));
  exports.Set("softmaxXentGrad", Napi::Function::New(env, SoftmaxXentGrad));
  exports.Set("transpose", Napi::Function::New(env, Transpose));
  exports.Set("slice", Napi::Function::New(env, Slice));
  exports.Set("concat", Napi::Function::New(env, Concat));
  exports.Set("gatherRows", Napi::Function::New(env, GatherRows));
  exports.Set("segmentSum", Napi::Function::New(env, SegmentSum));
  exports.Set("adamw", Napi::Function::New(env, AdamW));
  exports.Set("dequant4bit", Napi::Function::New(env, Dequant4bit));
  exports.Set("quantize4bit", Napi::Function::New(env, Quantize4bit));
  exports.Set("unpack16bit", Napi::Function::New(env, Unpack16bit));
  exports.Set("compactMatmul", Napi::Function::New(env, CompactMatmul));
  exports.Set("sumSquares", Napi::Function::New(env, SumSquares));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("info", Napi::Function::New(env, Info));
  return exports;
}

}  // namespace

NODE_API_MODULE(tunelab_native, Init)
