/**
 * The note under a runner's backend: why each faster backend did not load on its host, as the runner
 * reported at registration ("native: @tunelab/native did not build: libopenblas not found"). A package
 * that simply is not installed reads "not installed" rather than Node's module-resolution message.
 */
export function skippedNotes(skipped: readonly string[]): string[] {
  return skipped.map((entry) => {
    const colon = entry.indexOf(": ");
    if (colon < 0) return `skipped: ${entry}`;
    const backend = entry.slice(0, colon);
    const reason = entry.slice(colon + 2);
    return `${backend} skipped: ${/^Cannot find module '[^']+'$/.test(reason) ? "not installed" : reason}`;
  });
}
