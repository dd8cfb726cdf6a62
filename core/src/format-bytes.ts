/**
 * Sizes as people read them, in one convention everywhere (API messages, runner CLI, dashboard): binary
 * units written the IEC way — 1 KiB = 1024 B, 1 GiB = 1024³ B — with three significant digits.
 * Memory is allocated in powers of two, and a device's "80GB" is its GiB anyway.
 */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${units[unit]}`;
}
