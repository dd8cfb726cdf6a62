// Loads the addon, or says why it is not there. Never throws: the engine decides what to fall back to.
const { existsSync, readFileSync } = require("node:fs");
const { join } = require("node:path");

function loadNative() {
  if (process.env.TUNELAB_NATIVE === "off") return { error: "disabled by TUNELAB_NATIVE=off" };
  const file = join(__dirname, "build", "Release", "tunelab_native.node");
  if (!existsSync(file)) {
    const why = join(__dirname, "build", "unavailable.txt");
    const reason = existsSync(why) ? readFileSync(why, "utf8").trim() : "not built (run npm run build)";
    return { error: `@tunelab/native ${reason}` };
  }
  // Idle OpenMP threads spinning would take the cores from OpenBLAS's threads and from the main thread
  // between kernels (measured: element-wise ops 50× slower on a loaded 2-core machine); libgomp reads
  // this when the addon loads it. A policy set by the user wins.
  process.env.OMP_WAIT_POLICY ??= "passive";
  try {
    return { addon: require(file) };
  } catch (err) {
    return { error: `@tunelab/native did not load: ${String(err.message).split("\n")[0]}` };
  }
}

module.exports = { loadNative };
