// The finished-series cache's memory per point: a FinishedRunCache filled with POINTS points in series of
// 1,000, once as point objects (how the cache held them before the columnar MetricSeries) and once as
// columns (typed arrays), measured as the heap + array buffers it adds after a full GC.
// Usage: node --expose-gc bench/load/cache-memory.mjs [points]; prints one JSON line (run.mjs runs it).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { FinishedRunCache } = await import(join(root, "server/dist/metrics/series-cache.js"));
const POINTS = Number(process.argv[2] ?? 1_000_000);
const PER_SERIES = 1000;
const KEYS = 6;

const used = () => {
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const runId = (r) => `00000000-0000-4000-8000-${String(r).padStart(12, "0")}`;

/** One run's KEYS series of PER_SERIES points, as `form` holds them. */
function run(r, form) {
  return Array.from({ length: KEYS }, (_, k) => {
    // Values as a loss curve's, wall times a second apart: doubles, as PostgreSQL returns them.
    const value = (i) => 2.5 * Math.exp(-i / 600) + 0.3 + Math.random() * 0.05;
    const wall = (i) => 1.7e12 + i * 1000 + r;
    const key = `key_${k}`;
    if (form === "points") {
      const points = Array.from({ length: PER_SERIES }, (_, i) => ({
        runId: runId(r),
        key,
        step: i * 2,
        value: value(i),
        wallTimeMs: wall(i),
      }));
      return { runId: runId(r), key, totalPoints: 2 * PER_SERIES, points };
    }
    return {
      runId: runId(r),
      key,
      totalPoints: 2 * PER_SERIES,
      steps: Int32Array.from({ length: PER_SERIES }, (_, i) => i * 2),
      values: Float64Array.from({ length: PER_SERIES }, (_, i) => value(i)),
      wallTimesMs: Float64Array.from({ length: PER_SERIES }, (_, i) => wall(i)),
    };
  });
}

const runs = Math.ceil(POINTS / (KEYS * PER_SERIES));
const result = { cachedPoints: runs * KEYS * PER_SERIES };
for (const form of ["points", "columns"]) {
  const size = (series) => series.reduce((n, s) => n + (s.points ?? s.steps).length, 0);
  const cache = new FinishedRunCache(runs * KEYS * PER_SERIES, size);
  const before = used();
  for (let r = 0; r < runs; r++) cache.set(runId(r), "stamp", [null, 1000], run(r, form));
  const bytes = used() - before;
  result[form] = { bytes, bytesPerPoint: bytes / (runs * KEYS * PER_SERIES) };
  // Keeps the cache alive until measured.
  if (!cache.get(runId(0), "stamp", [null, 1000])) throw new Error("cache lost its first entry");
}
console.log(JSON.stringify(result));
