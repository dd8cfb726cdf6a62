// Debian's Chromium driven by playwright-core (never `playwright install`): one browser per test file.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const repoRoot = resolve(__dirname, "..", "..", "..");
/** Screenshots of each page land here (gitignored). */
export const artifactsDir = join(repoRoot, "e2e", "artifacts");

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** A laptop-sized page; console errors and failed requests are collected for the test to assert on. */
export async function openPage(
  browser: Browser,
  options: { width?: number; height?: number } = {},
): Promise<{ context: BrowserContext; page: Page; consoleErrors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1366, height: options.height ?? 820 },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    // a failed resource's message does not name it; its location does
    if (message.type() === "error") consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => consoleErrors.push(String(error)));
  return { context, page, consoleErrors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const file = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Stores an API key the way the dashboard's API keys page does (localStorage of the origin). */
export async function useApiKey(page: Page, origin: string, key: string): Promise<void> {
  await page.goto(`${origin}/api-keys`);
  await page.evaluate((k) => window.localStorage.setItem("tunelab.apiKey", k), key);
}
