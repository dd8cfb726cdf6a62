/**
 * Bytes of upload bodies this process holds at once (arriving, hashed, being stored), bounded: the
 * per-upload limit alone lets many owners' concurrent uploads hold `owners × 32 × limit` in memory.
 */
export class InflightBytes {
  private held = 0;

  constructor(readonly max: number) {}

  get bytes(): number {
    return this.held;
  }

  /**
   * Reserves `n` bytes before a body is read; undefined when that would go over `max`. The returned
   * release gives them back and is safe to call more than once (finally blocks and close handlers race).
   */
  reserve(n: number): (() => void) | undefined {
    if (this.held + n > this.max) return undefined;
    this.held += n;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= n;
    };
  }
}
