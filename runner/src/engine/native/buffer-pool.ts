import { totalmem } from "node:os";

/**
 * Float32 buffers for the native kernels' outputs, reused once their tensor is freed. A fresh typed
 * array is zero-filled memory the OS maps page by page: a training step of SmolLM-135M spent about a
 * third of its time in the kernel faulting in and zeroing new pages for buffers of sizes it had just freed.
 *
 * A buffer goes back to the pool only when nothing else can still see it: the pool allocated it, exactly
 * one tensor was ever made of it (a JS kernel that wraps the same array or a view of it in a second tensor
 * marks it shared), and it never left the backend through a read (dataSync/data hand out the array
 * itself on this backend, and callers may keep it). Pooled bytes are capped; beyond that, freed buffers
 * are left to the garbage collector as before.
 */
export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private pooledBytes = 0;
  /** Buffers this pool handed out, and whether a tensor has been made of them yet. */
  private readonly owned = new WeakMap<ArrayBuffer, { registered: boolean }>();
  private readonly shared = new WeakSet<ArrayBuffer>();

  constructor(private readonly limitBytes: number) {}

  /** A buffer of `n` floats with unspecified contents (the kernel writes every element). */
  take(n: number): Float32Array {
    const reused = this.free.get(n)?.pop();
    if (reused) {
      this.pooledBytes -= reused.byteLength;
      this.owned.set(reused.buffer as ArrayBuffer, { registered: false });
      return reused;
    }
    const fresh = new Float32Array(n);
    this.owned.set(fresh.buffer, { registered: false });
    return fresh;
  }

  /** A tensor was made of `values` (the backend's write). */
  written(values: unknown): void {
    if (!ArrayBuffer.isView(values)) return;
    const state = this.owned.get(values.buffer as ArrayBuffer);
    if (state === undefined) return;
    if (state.registered || values.byteOffset !== 0 || values.byteLength !== values.buffer.byteLength)
      this.shared.add(values.buffer as ArrayBuffer);
    state.registered = true;
  }

  /** `values` left the backend (read by a caller, who may keep it). */
  exposed(values: unknown): void {
    if (ArrayBuffer.isView(values) && this.owned.has(values.buffer as ArrayBuffer))
      this.shared.add(values.buffer as ArrayBuffer);
  }

  /** The tensor made of `values` was freed. */
  released(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const buffer = values.buffer as ArrayBuffer;
    if (!this.owned.has(buffer) || this.shared.has(buffer)) return;
    this.owned.delete(buffer);
    if (this.pooledBytes + values.byteLength > this.limitBytes) return;
    const list = this.free.get(values.length);
    if (list) list.push(values);
    else this.free.set(values.length, [values]);
    this.pooledBytes += values.byteLength;
  }

  /** Bytes held for reuse (not tensors: the memory meter does not count them). */
  get bytes(): number {
    return this.pooledBytes;
  }

  clear(): void {
    this.free.clear();
    this.pooledBytes = 0;
  }
}

/** The native backend's output buffers: at most 1/8 of the host's memory (2 GiB) is kept for reuse. */
export const outputBuffers = new BufferPool(Math.min(2 ** 31, totalmem() / 8));
