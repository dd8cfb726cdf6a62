import { cpus } from "node:os";
import * as tf from "@tensorflow/tfjs";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { loadAddon, type NativeAddon } from "./addon.js";
import { outputBuffers } from "./buffer-pool.js";
import { FUSED_KERNELS, NATIVE_KERNELS } from "./kernels.js";

/**
 * The "native" tfjs backend: tfjs's 'cpu' backend (tensors are plain typed arrays: no wasm32 heap and
 * its 4 GB ceiling) with every kernel of a training step replaced by the native addon's (OpenBLAS sgemm,
 * OpenMP element-wise loops). Every other 'cpu' kernel is registered for it unchanged, so an op without a
 * native kernel still runs, in JS. Threads: TUNELAB_THREADS, else one per core.
 */

export const NATIVE_BACKEND = "native";

type DataId = object;
type Values = Parameters<MathBackendCPU["write"]>[0];
interface Stored {
  values: unknown;
  refCount: number;
}

class NativeBackend extends MathBackendCPU {
  constructor() {
    super();
    // the 'cpu' backend's first write prints "install the node backend": this backend is the fast one
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  override write(values: Values, shape: number[], dtype: tf.DataType): DataId {
    outputBuffers.written(values);
    return super.write(values, shape, dtype);
  }

  override readSync(dataId: DataId): tf.backend_util.BackendValues {
    outputBuffers.exposed(this.stored(dataId)?.values);
    return super.readSync(dataId);
  }

  override async read(dataId: DataId): Promise<tf.backend_util.BackendValues> {
    return this.readSync(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.stored(dataId)?.values;
    const released = super.disposeData(dataId, force);
    if (released && values !== undefined && this.stored(dataId) === undefined) outputBuffers.released(values);
    return released;
  }

  /** This backend's entry, without DataStorage.get's move of a buffer that lives elsewhere. */
  private stored(dataId: DataId): Stored | undefined {
    const data = this.data as unknown as { has(id: DataId): boolean; get(id: DataId): Stored };
    return data.has(dataId) ? data.get(dataId) : undefined;
  }
}

let registered: NativeAddon | undefined;

/** Registers the backend (once); throws with the reason when the addon is unavailable. */
export function registerNativeBackend(): NativeAddon {
  if (registered) return registered;
  const { addon, error } = loadAddon();
  if (!addon) throw new Error(error ?? "@tunelab/native did not load");
  addon.setThreads(nativeThreads());
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 0);
  for (const kernel of tf.getKernelsForBackend("cpu")) {
    const native = NATIVE_KERNELS[kernel.kernelName];
    const fallback = kernel.kernelFunc;
    tf.registerKernel({
      ...kernel,
      backendName: NATIVE_BACKEND,
      kernelFunc: native ? (args) => native(args, addon, fallback) : fallback,
    });
  }
  for (const [kernelName, kernel] of Object.entries(FUSED_KERNELS)) {
    tf.registerKernel({ kernelName, backendName: NATIVE_BACKEND, kernelFunc: (args) => kernel(args, addon) });
  }
  registered = addon;
  return addon;
}

/** The addon when the active backend is "native" (for fused steps such as AdamW), else null. */
export function activeNativeAddon(): NativeAddon | null {
  return registered && tf.getBackend() === NATIVE_BACKEND ? registered : null;
}

export function nativeThreads(): number {
  const n = Number(process.env.TUNELAB_THREADS);
  return Number.isInteger(n) && n > 0 ? n : cpus().length;
}

/** The addon's float32 array of a tensor on the native backend (written in place by fused steps). */
export function nativeValues(t: tf.Tensor): Float32Array {
  const backend = tf.backend() as unknown as {
    data: { get(id: object): { values: unknown; refCount: number } };
  };
  return backend.data.get(t.dataId).values as Float32Array;
}

/** True when no other tensor shares `t`'s storage, so writing it in place changes only `t`. */
export function ownsStorage(t: tf.Tensor): boolean {
  const backend = tf.backend() as unknown as { data: { get(id: object): { refCount: number } | undefined } };
  const data = backend.data.get(t.dataId) as { refCount: number; values?: unknown } | undefined;
  // a float32 cast of int32 keeps its Int32Array (see kernels.ts f32): never written as floats in place
  return t.dtype === "float32" && data?.refCount === 1 && data.values instanceof Float32Array;
}
