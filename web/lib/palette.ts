/**
 * The dashboard's colours in one place, in two schemes that never share a hue:
 * - categories (methods, runs): Paul Tol's "muted" qualitative scheme, nine hues chosen to stay apart for
 *   the common colour-vision deficiencies (https://personal.sron.nl/~pault/#sec:qualitative);
 * - memory components (charts/bars.tsx): no hue at all — a grey ramp, dark to light in stacking order
 *   (distinguishable by lightness alone, whatever a reader's colour vision), the measured peak in black.
 * A memory bar therefore never reads as "the LoRA run", and a curve never as "gradients".
 */
export const CATEGORY_COLORS = [
  "#332288", // indigo
  "#88CCEE", // cyan
  "#44AA99", // teal
  "#117733", // green
  "#999933", // olive
  "#DDCC77", // sand
  "#CC6677", // rose
  "#882255", // wine
  "#AA4499", // purple
] as const;

export const MEMORY_COLORS = {
  frozen: "#DDDDDD",
  trainable: "#AAAAAA",
  gradients: "#777777",
  optimizer: "#4D4D4D",
  activations: "#222222",
  measured: "#000000",
} as const;

const METHOD_ORDER = ["full", "lora", "qlora", "dora", "prefix", "prompt", "ia3", "adapter"];

/** One colour per method name, stable across pages (a sweep's runs of one method share it). */
export function methodColor(method: string): string {
  const i = METHOD_ORDER.indexOf(method);
  return CATEGORY_COLORS[(i < 0 ? METHOD_ORDER.length + (hash(method) % 8) : i) % CATEGORY_COLORS.length]!;
}

/** The colour of the i-th run of a list. */
export function runColor(index: number): string {
  return CATEGORY_COLORS[index % CATEGORY_COLORS.length]!;
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}
