import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * A static export (web/out) that the GraphQL server serves on its own origin (server/src/app/web.ts).
 * Pages take their ids from the query string (?id=…), so every route is one static HTML file.
 * @type {import("next").NextConfig}
 */
const nextConfig = {
  output: "export",
  reactStrictMode: true,
  images: { unoptimized: true },
  turbopack: { root: join(here, "..") },
};

export default nextConfig;
