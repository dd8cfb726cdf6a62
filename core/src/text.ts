/**
 * Text the API stores: tab, newline and carriage return are the only control characters it takes (PostgreSQL
 * text cannot hold U+0000, and the rest are invisible noise in a table or a log).
 */
export function controlCharacterAt(value: string): number {
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return i;
  }
  return -1;
}

/**
 * Generated text made storable without losing what the model produced: each refused control character becomes
 * its Unicode control picture (U+0001 → ␁, U+007F → ␡). A byte-level model early in training emits such bytes;
 * its samples must still be reported, and a person reading them should see that it did.
 */
export function printableText(value: string): string {
  if (controlCharacterAt(value) < 0) return value;
  let out = "";
  for (const ch of value) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)
      out += String.fromCharCode(0x2400 + c);
    else if (c === 0x7f) out += "\u2421";
    else out += ch;
  }
  return out;
}
