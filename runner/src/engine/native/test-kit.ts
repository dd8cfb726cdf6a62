import type { TestContext } from "node:test";
import { useNative } from "../backend.js";

/**
 * Switches to the native backend for a test; where the addon is unavailable the test is skipped — except
 * under TUNELAB_REQUIRE_NATIVE (CI, which builds it), where a missing addon fails the test instead.
 */
export async function useNativeOrSkip(t: TestContext): Promise<boolean> {
  try {
    await useNative();
    return true;
  } catch (err) {
    if (process.env.TUNELAB_REQUIRE_NATIVE) throw err;
    t.skip(`native backend unavailable: ${(err as Error).message}`);
    return false;
  }
}
