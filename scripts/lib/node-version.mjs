// The one Node.js policy: package.json's `engines.node` (">=MAJOR.MINOR"). `npm start` checks it before
// anything else, so an older Node stops with a sentence instead of a stack trace from some dependency.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The minimum version `engines.node` names, as [major, minor, patch]. */
export function minimumNode(engines) {
  const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(engines.trim());
  if (!match) throw new Error(`package.json engines.node must read ">=MAJOR.MINOR", got "${engines}"`);
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

/** null when `version` (e.g. "20.19.1") satisfies `engines`, else the message to stop with. */
export function nodeVersionProblem(version, engines) {
  const have = version.replace(/^v/, "").split(".").map(Number);
  const need = minimumNode(engines);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) > need[i]) return null;
    if ((have[i] ?? 0) < need[i])
      return `Tunelab needs Node.js ${need.join(".")} or newer (package.json engines.node "${engines}"); this is Node.js ${version}. Install it (e.g. \`nvm install\`, which reads .nvmrc) and run the command again.`;
  }
  return null;
}

export function enginesOf(root) {
  return JSON.parse(readFileSync(join(root, "package.json"), "utf8")).engines.node;
}
