import { NF4_BLOCK_SIZE, NF4_DOUBLE_QUANT_BLOCK_SIZE } from "../methods/types.js";

/** Bytes of one NF4-quantised matrix with `n` elements, split into the codes and their scales. */
export interface QuantizedBytes {
  /** 4-bit codes: two per byte (the engine packs eight per int32; the same for n divisible by 8). */
  codes: number;
  /** Per-block absmax scales and, with double quantisation, their second-level scales and offset. */
  constants: number;
}

/**
 * bitsandbytes' layout. Without double quantisation each block of 64 has a float32 absmax:
 * 4 + 32/64 = 4.5 bits per element. With it, the absmax values are stored as 8-bit codes (blocks of
 * 256, one float32 scale each) plus one float32 mean per matrix:
 * 4 + 8/64 + 32/(64·256) ≈ 4.127 bits per element.
 */
export function nf4Bytes(n: number, doubleQuant: boolean): QuantizedBytes {
  const codes = Math.ceil(n / 8) * 4;
  const blocks = Math.ceil(n / NF4_BLOCK_SIZE);
  if (!doubleQuant) return { codes, constants: blocks * 4 };
  const scaleBlocks = Math.ceil(blocks / NF4_DOUBLE_QUANT_BLOCK_SIZE);
  // 8-bit absmax codes, four per int32 word as the engine packs them
  return { codes, constants: Math.ceil(blocks / 4) * 4 + scaleBlocks * 4 + 4 };
}
