import * as tf from "@tensorflow/tfjs";

/**
 * Sub-word codes packed into int32 words (tfjs has no uint8 dtype): eight 4-bit NF4 codes or four
 * 8-bit codes per word.
 *
 * Order: the words, read as little-endian bytes, are byte for byte bitsandbytes' uint8 buffer. bitsandbytes
 * stores two NF4 codes per byte, the first in the high nibble; byte j of a word holds elements 2j (bits
 * 8j+4…8j+7) and 2j+1 (bits 8j…8j+3). So element m of a word sits at bit NIBBLE_SHIFTS[m], and 8-bit code
 * m at bit 8m. Exporting to bitsandbytes' layout is a byte view of the Int32Array on a little-endian host.
 */
export const NIBBLE_SHIFTS: readonly number[] = [4, 0, 12, 8, 20, 16, 28, 24];
export const BYTE_SHIFTS: readonly number[] = [0, 8, 16, 24];

export type FieldBits = 4 | 8;

function shiftsFor(bits: FieldBits): readonly number[] {
  return bits === 4 ? NIBBLE_SHIFTS : BYTE_SHIFTS;
}

/** Packs codes (each < 2^bits) into words; the last word is filled with `pad`. */
export function packFields(codes: ArrayLike<number>, bits: FieldBits, pad = 0): Int32Array {
  const shifts = shiftsFor(bits);
  const perWord = shifts.length;
  const words = new Int32Array(Math.ceil(codes.length / perWord));
  for (let w = 0; w < words.length; w++) {
    let word = 0;
    for (let m = 0; m < perWord; m++) {
      const i = w * perWord + m;
      word |= (i < codes.length ? codes[i]! : pad) << shifts[m]!;
    }
    words[w] = word;
  }
  return words;
}

/** Plain-JS unpacking (integer shifts), the reference the tensor version is tested against. */
export function unpackFieldsJs(words: Int32Array, bits: FieldBits, count: number): Uint8Array {
  const shifts = shiftsFor(bits);
  const perWord = shifts.length;
  const mask = 2 ** bits - 1;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (words[Math.floor(i / perWord)]! >>> shifts[i % perWord]!) & mask;
  return out;
}

/**
 * Unpacks every field of int32 words [W] into int32 codes [W · perWord], exactly on every backend.
 * Integer division and shifts are not usable: wasm computes int32 floorDiv in float32 (wrong from 2^24
 * on) and tfjs has no shift op. Instead each field is isolated with bitwiseAnd, converted to float —
 * exact, since the masked value has at most `bits` significant bits — and scaled by 2^−shift (exact, a
 * power of two). The top field of a word carries the int32 sign bit, so it comes out as code − 2^bits
 * when the code's top bit is set; x − 2^bits·floor(x / 2^bits) folds it back (exact on small integers).
 * One plane per field position, then interleaved: tf.tile and tf.mod measured 3–10× slower here.
 */
export function unpackFields(words: tf.Tensor1D, bits: FieldBits): tf.Tensor1D {
  const shifts = shiftsFor(bits);
  const radix = 2 ** bits;
  return tf.tidy(() => {
    const n = words.shape[0];
    const planes = shifts.map((s) => {
      const mask = tf.fill([n], ((radix - 1) << s) | 0, "int32");
      const field = tf.mul(tf.cast(tf.bitwiseAnd(words, mask), "float32"), 2 ** -s);
      return s + bits === 32 ? tf.sub(field, tf.mul(tf.floor(tf.div(field, radix)), radix)) : field;
    });
    return tf.cast(tf.reshape(tf.stack(planes, 1), [n * shifts.length]), "int32");
  });
}
