import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unzipSync } from "fflate";

/**
 * GETs a folder zip (`/artifacts/:id/download.zip`, `/adapters/:id/download.zip`) with `token` and writes its
 * files into `dir`; returns their names, sorted. For tests in any workspace (the server owns the zip format).
 */
export async function downloadZipForTest(url: string, token: string, dir: string): Promise<string[]> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  mkdirSync(dir, { recursive: true });
  const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return Object.keys(files).sort();
}
