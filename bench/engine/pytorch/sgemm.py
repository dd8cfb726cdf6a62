"""OpenBLAS sgemm through numpy on given shapes: the reference rate of bench/engine/matmul.mjs.

Usage: python3 sgemm.py '[{"m": 512, "k": 576, "n": 1536, "transposeA": false, "transposeB": true}, ...]'
       [--seconds 1.0]
Each op is C[m, n] = op(A) · op(B) with A stored [k, m] when transposeA else [m, k], B stored [n, k] when
transposeB else [k, n] — as tf.matMul(a, b, transposeA, transposeB) — computed as numpy's `a.T @ b` etc.
(numpy hands the transposed views to cblas_sgemm without copying). Threads: OPENBLAS_NUM_THREADS.
Prints a JSON list: per op the seconds per call (median over repeats filling --seconds) and GFLOP/s.
"""
import json, os, sys, time
import numpy as np


def rate(op, seconds):
    m, k, n = op["m"], op["k"], op["n"]
    rng = np.random.default_rng(1)
    a = rng.standard_normal((k, m) if op["transposeA"] else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if op["transposeB"] else (k, n), dtype=np.float32)
    a = a.T if op["transposeA"] else a
    b = b.T if op["transposeB"] else b
    a @ b  # warm-up: thread pool, page faults of the output
    times, total = [], 0.0
    while total < seconds or len(times) < 3:
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
        total += times[-1]
    times.sort()
    s = times[len(times) // 2]
    return {**op, "seconds": s, "gflops": 2 * m * k * n / s / 1e9, "repeats": len(times)}


def main():
    seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 1.0
    ops = json.loads(sys.argv[1])
    out = [rate(op, seconds) for op in ops]
    print(json.dumps({"numpy": np.__version__, "threads": os.environ.get("OPENBLAS_NUM_THREADS"), "ops": out}))


if __name__ == "__main__":
    main()
