import { dirname } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

/** Test helper: switch tfjs to 'cpu' or 'wasm' (wasm's binary from the package's dist folder). */
export async function useBackend(name: "cpu" | "wasm"): Promise<void> {
  if (name === "wasm") {
    setWasmPaths(`${dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"))}/`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} did not initialise`);
  await tf.ready();
}
