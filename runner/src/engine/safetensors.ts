import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "@tunelab/core";

/**
 * safetensors (huggingface/safetensors): an 8-byte little-endian header length, a JSON header mapping
 * each name to dtype, shape and [begin, end) byte offsets, then the raw little-endian data. Writing is
 * float32 ("F32", bit-exact round trip); reading also accepts F16 and BF16 (HF checkpoints), widened to
 * float32 exactly.
 */

export function encodeSafetensors(
  tensors: Map<string, tf.Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: { format: "pt", ...metadata } };
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + 4 * t.size] };
    offset += 4 * t.size;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const name of names) {
    const data = Float32Array.from(tensors.get(name)!.dataSync());
    out.set(new Uint8Array(data.buffer), at);
    at += data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): Map<string, tf.Tensor> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const out = new Map<string, tf.Tensor>();
  for (const [name, e] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const [begin, end] = e.data_offsets;
    const raw = bytes.slice(8 + length + begin, 8 + length + end);
    out.set(name, tf.tensor(toFloat32(raw, e.dtype, name), e.shape, "float32"));
  }
  return out;
}

function toFloat32(raw: Uint8Array, dtype: string, name: string): Float32Array {
  if (dtype === "F32") return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const halves = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
  const out = new Float32Array(halves.length);
  const bits = new Uint32Array(out.buffer);
  if (dtype === "BF16") {
    for (let i = 0; i < halves.length; i++) bits[i] = halves[i]! << 16;
    return out;
  }
  if (dtype === "F16") {
    for (let i = 0; i < halves.length; i++) out[i] = halfToFloat(halves[i]!);
    return out;
  }
  throw new ValidationError({
    field: name,
    message: `${name}: safetensors dtype ${dtype} is not supported (F32, F16, BF16)`,
  });
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
