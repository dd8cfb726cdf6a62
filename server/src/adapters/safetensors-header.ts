import { userInputError } from "../api/errors.js";

/** Bytes per element of the dtypes the engine reads (runner/src/engine/safetensors.ts). */
const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

/**
 * The tensor shapes of a safetensors file, its header checked against the format (huggingface/safetensors:
 * an 8-byte little-endian header length, a JSON object of name → {dtype, shape, data_offsets}, then the
 * data, every tensor's [begin, end) inside it and sized by its shape, the tensors covering the data with
 * no gap or overlap, as the format's own validation demands). `field` names the file in errors; a
 * tensor's problem names the tensor.
 */
export function safetensorsShapes(bytes: Buffer, field: string): Map<string, number[]> {
  const fail = (message: string, at = field) => userInputError(`${at}: ${message}`, { field: at });
  if (bytes.length < 8) throw fail("not a safetensors file (shorter than its 8-byte header length)");
  const length = bytes.readBigUInt64LE(0);
  if (length > BigInt(bytes.length - 8)) {
    throw fail(`header length ${length} runs past the end of the file (${bytes.length} bytes)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + Number(length)).toString("utf8"));
  } catch {
    throw fail("the header is not JSON");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw fail("the header is not a JSON object");
  }
  const dataBytes = bytes.length - 8 - Number(length);
  const shapes = new Map<string, number[]>();
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    const size = typeof e?.dtype === "string" ? DTYPE_BYTES[e.dtype] : undefined;
    if (size === undefined) {
      throw fail(`dtype ${JSON.stringify(e?.dtype)} is not supported (F32, F16, BF16)`, name);
    }
    const shape = e!.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw fail("shape is not a list of sizes", name);
    }
    const offsets = e!.data_offsets;
    const elements = (shape as number[]).reduce((n, d) => n * d, 1);
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[1] - offsets[0] !== elements * size ||
      offsets[1] > dataBytes
    ) {
      throw fail(
        `data_offsets ${JSON.stringify(offsets)} do not hold a ${e!.dtype} tensor of shape [${(shape as number[]).join(", ")}] inside the ${dataBytes} data bytes`,
        name,
      );
    }
    shapes.set(name, shape as number[]);
    spans.push({ name, begin: offsets[0], end: offsets[1] });
  }
  // safetensors' Metadata::validate: sorted by begin, each tensor starts where the previous ended, and
  // the last ends at the end of the file (a truncated or padded file is refused).
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let end = 0;
  for (const s of spans) {
    if (s.begin !== end) {
      throw fail(
        `data_offsets start at ${s.begin}, where the previous tensor's data ended at ${end}`,
        s.name,
      );
    }
    end = s.end;
  }
  if (end !== dataBytes) {
    throw fail(`the tensors' data ends at byte ${end} of the ${dataBytes} data bytes after the header`);
  }
  return shapes;
}
