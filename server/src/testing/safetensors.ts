/** One tensor of a safetensors file: its shape, its bytes, and its dtype (F32 unless given). */
export interface TestTensor {
  shape: number[];
  data: Buffer;
  dtype?: string;
}

/**
 * A safetensors file in the format's layout (8-byte little-endian header length, JSON header, data), for tests
 * that write or rewrite adapter weights. `header` replaces the JSON header, to write a broken one.
 */
export function safetensors(tensors: Record<string, TestTensor>, header?: string): Buffer {
  let offset = 0;
  const entries: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(tensors)) {
    entries[name] = {
      dtype: t.dtype ?? "F32",
      shape: t.shape,
      data_offsets: [offset, offset + t.data.length],
    };
    offset += t.data.length;
  }
  const head = Buffer.from(header ?? JSON.stringify(entries));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(head.length));
  return Buffer.concat([length, head, ...Object.values(tensors).map((t) => t.data)]);
}

/** The tensors of a safetensors file (`__metadata__` dropped), to rewrite one (rename, reshape, drop, add). */
export function tensorsOf(file: Buffer): Record<string, TestTensor> {
  const n = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + n).toString()) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const out: Record<string, TestTensor> = {};
  for (const [name, e] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    out[name] = {
      dtype: e.dtype,
      shape: e.shape,
      data: file.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1]),
    };
  }
  return out;
}
