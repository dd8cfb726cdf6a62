import assert from "node:assert/strict";
import { test } from "node:test";
import { CATEGORY_COLORS, MEMORY_COLORS, methodColor, runColor } from "./palette.js";

/** Hue (degrees) and saturation (0–1) of #RRGGBB, as HSL defines them. */
function hueSat(hex: string): { hue: number; sat: number } {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255) as [
    number,
    number,
    number,
  ];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  const l = (max + min) / 2;
  const sat = d === 0 ? 0 : d / (1 - Math.abs(2 * l - 1));
  let hue = 0;
  if (d > 0) {
    if (max === r) hue = 60 * (((g - b) / d) % 6);
    else if (max === g) hue = 60 * ((b - r) / d + 2);
    else hue = 60 * ((r - g) / d + 4);
  }
  return { hue: (hue + 360) % 360, sat };
}

test("categories and memory components never share a hue: memory is achromatic, categories are not", () => {
  for (const [term, color] of Object.entries(MEMORY_COLORS))
    assert.equal(hueSat(color).sat, 0, `memory ${term} ${color} has no hue`);
  for (const color of CATEGORY_COLORS) assert.ok(hueSat(color).sat > 0.25, `category ${color} has a hue`);
  for (const m of ["full", "lora", "qlora", "prefix", "adapter", "some-new-method"])
    assert.ok(!(Object.values(MEMORY_COLORS) as string[]).includes(methodColor(m)));
});

test("categories are Paul Tol's colour-blind-safe 'muted' scheme, distinct per method, cycled per run", () => {
  assert.deepEqual(
    [...CATEGORY_COLORS],
    ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499"],
  );
  const methods = ["full", "lora", "qlora", "dora", "prefix", "prompt", "ia3", "adapter"];
  assert.equal(new Set(methods.map(methodColor)).size, methods.length);
  assert.equal(runColor(0), CATEGORY_COLORS[0]);
  assert.equal(runColor(CATEGORY_COLORS.length), CATEGORY_COLORS[0]);
});

test("memory greys are ordered dark to light so stacked terms differ by lightness alone", () => {
  const lightness = (hex: string) => Number.parseInt(hex.slice(1, 3), 16);
  const order = ["activations", "optimizer", "gradients", "trainable", "frozen"] as const;
  for (let i = 1; i < order.length; i++)
    assert.ok(lightness(MEMORY_COLORS[order[i]!]) - lightness(MEMORY_COLORS[order[i - 1]!]) >= 0x28);
});
