import * as tf from "@tensorflow/tfjs";

/**
 * Live and peak bytes of distinct tensor buffers, on every backend. tfjs's own figures (tf.memory()
 * .numBytes, tf.profile's peakBytes) add up tensor handles, so a buffer shared by several handles — a
 * variable and the clone the tape saves of it, a reshape, a kept input — counts once per handle and the
 * "peak" exceeds what was ever allocated. The engine's bookkeeping has one entry per buffer
 * (`state.tensorInfo`, set when a buffer is first tracked and deleted when it is freed): the meter
 * watches those two calls, so it costs nothing per kernel and can run on every step.
 */

interface BufferInfo {
  bytes: number;
}
interface TensorInfoMap {
  set(key: object, value: BufferInfo): TensorInfoMap;
  delete(key: object): boolean;
}

/** Buffer lifetimes while `buffersAtPeak` records: event numbers of each birth and death. */
interface Recording {
  event: number;
  peakEvent: number;
  before: Map<object, number>;
  born: Map<object, { at: number; bytes: number }>;
  died: Map<object, number>;
}

class Meter {
  live = 0;
  peak = 0;
  recording: Recording | null = null;
  readonly sizes = new Map<object, number>();
  private watched: TensorInfoMap | undefined;

  /** Watches the engine's current bookkeeping (again after tfjs replaced it, e.g. engine.reset()). */
  attach(): void {
    const map = (tf.engine().state as unknown as { tensorInfo: TensorInfoMap }).tensorInfo;
    if (map === this.watched) return;
    this.watched = map;
    this.sizes.clear();
    this.live = 0;
    this.peak = 0;
    const set = map.set.bind(map);
    const remove = map.delete.bind(map);
    map.set = (key, value) => {
      if (!this.sizes.has(key)) {
        this.sizes.set(key, value.bytes);
        this.live += value.bytes;
        const r = this.recording;
        if (r) r.born.set(key, { at: ++r.event, bytes: value.bytes });
        if (this.live > this.peak) {
          this.peak = this.live;
          if (r) r.peakEvent = r.event;
        }
      }
      return set(key, value);
    };
    map.delete = (key) => {
      const bytes = this.sizes.get(key);
      if (bytes !== undefined) {
        this.sizes.delete(key);
        this.live -= bytes;
        if (this.recording) this.recording.died.set(key, ++this.recording.event);
      }
      return remove(key);
    };
  }
}

const meter = new Meter();
meter.attach(); // at import, before the engine's first tensor: everything later is counted

/** Bytes of the distinct tensor buffers alive now. */
export function liveBufferBytes(): number {
  meter.attach();
  return meter.live;
}

/** Runs `fn` and returns the most bytes of distinct tensor buffers alive at once while it ran. */
export function peakBufferBytes(fn: () => void): number {
  meter.attach();
  meter.peak = meter.live;
  fn();
  return meter.peak;
}

/**
 * Runs `fn` and returns its peak (as peakBufferBytes) and the buffers alive at that moment, keyed by the
 * engine's data id (`tensor.dataId`) with their bytes: what a cost profile splits into weights, optimizer
 * state, gradients and the rest. It logs each buffer's birth and death while `fn` runs and replays the log
 * up to the peak afterwards, so the split costs one map entry per allocation, not a copy per new peak.
 */
export function buffersAtPeak(fn: () => void): { peak: number; alive: Map<object, number> } {
  meter.attach();
  meter.peak = meter.live;
  const r: Recording = {
    event: 0,
    peakEvent: 0,
    before: new Map(meter.sizes),
    born: new Map(),
    died: new Map(),
  };
  meter.recording = r;
  try {
    fn();
  } finally {
    meter.recording = null;
  }
  const diedBy = (key: object) => (r.died.get(key) ?? Number.POSITIVE_INFINITY) <= r.peakEvent;
  const alive = new Map<object, number>();
  for (const [key, bytes] of r.before) if (!diedBy(key)) alive.set(key, bytes);
  for (const [key, b] of r.born) if (b.at <= r.peakEvent && !diedBy(key)) alive.set(key, b.bytes);
  return { peak: meter.peak, alive };
}
