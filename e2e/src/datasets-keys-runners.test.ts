// The dashboard's datasets, API keys and runners pages against a real server on PostgreSQL, in Chromium.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { test } from "node:test";
import { openPage, screenshot, useApiKey } from "./support/browser.js";
import { api, runRegistrationCommand, startRunner, useStack } from "./support/stack.js";

const stack = useStack();

const GOOD = [
  JSON.stringify({ prompt: "Translate to French: cat", completion: "chat" }),
  JSON.stringify({ prompt: "Translate to French: dog", completion: "chien" }),
  JSON.stringify({ prompt: "Translate to French: bird", completion: "oiseau" }),
  JSON.stringify({ prompt: "Translate to French: fish", completion: "poisson" }),
].join("\n");

test("datasets: an upload is stored and previewed; a bad one shows the server's error at its line", async () => {
  const { context, page } = await openPage(stack.browser);
  await useApiKey(page, stack.server.origin, stack.server.adminKey);
  await page.goto(`${stack.server.origin}/datasets`);
  await page.getByText("No datasets yet").waitFor();
  await screenshot(page, "datasets-empty");

  await page.getByLabel("File (JSONL or CSV)").setInputFiles({
    name: "french.jsonl",
    mimeType: "application/jsonl",
    buffer: Buffer.from(GOOD),
  });
  // The file is read asynchronously: wait until the form took its name and content.
  await page.waitForFunction(() =>
    (document.getElementById("dataset-content") as HTMLTextAreaElement).value.includes("poisson"),
  );
  assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "french");
  await page.getByRole("button", { name: "Upload" }).click();
  await page.getByRole("status").filter({ hasText: 'Stored "french": 4 rows' }).waitFor();
  const stored = await api<{ datasets: { edges: { node: { id: string; rowCount: number } }[] } }>(
    stack.server,
    "{ datasets { edges { node { id rowCount } } } }",
  );
  assert.equal(stored.datasets.edges.length, 1);
  assert.equal(stored.datasets.edges[0]!.node.rowCount, 4);

  await page.getByRole("link", { name: "Preview rows of french" }).click();
  const rows = page.getByRole("table", { name: "Dataset rows" }).locator("tbody tr");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 4);
  assert.match(await rows.nth(1).innerText(), /Translate to French: dog\s+chien/);
  await screenshot(page, "datasets-preview");

  // Line 3 is not JSON: the server names the line; the page shows its message, the line number and the line.
  const bad = [GOOD.split("\n")[0], GOOD.split("\n")[1], '{"prompt": "broken", ', GOOD.split("\n")[3]].join(
    "\n",
  );
  const direct = await stack.server.gql(
    "mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id } }",
    {
      input: { name: "bad", format: "JSONL", content: bad },
    },
  );
  const serverError = direct.errors?.[0];
  assert.equal(serverError?.extensions?.line, 3);
  await page.getByLabel("File (JSONL or CSV)").setInputFiles({
    name: "bad.jsonl",
    mimeType: "application/jsonl",
    buffer: Buffer.from(bad),
  });
  await page.waitForFunction(() =>
    (document.getElementById("dataset-content") as HTMLTextAreaElement).value.includes("broken"),
  );
  await page.getByRole("button", { name: "Upload" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Upload rejected" });
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /line 3:/i);
  assert.ok(text.includes(serverError!.message), `${text} should include ${serverError!.message}`);
  assert.equal(
    (await page.getByTestId("bad-line").locator("pre").innerText()).trim(),
    '{"prompt": "broken",',
  );
  await screenshot(page, "datasets-bad-upload");
  await context.close();
});

test("API keys: paste a key, create one (shown once), use it, revoke another; the IDE is linked", async () => {
  const { context, page } = await openPage(stack.browser);
  await page.goto(`${stack.server.origin}/api-keys`);
  // PostgreSQL: no local admin key is offered, the page says so.
  await page.getByText("No key set").waitFor();
  await page.getByLabel("Paste an API key (tlk_…)").fill(stack.server.adminKey);
  await page.getByRole("button", { name: "Use this key" }).click();
  await page.getByTestId("current-key-hint").waitFor();
  assert.equal(
    await page.getByTestId("current-key-hint").innerText(),
    `${stack.server.adminKey.slice(0, 8)}…`,
  );

  await page.getByLabel("Name", { exact: true }).fill("e2e notebook");
  // The new key manages keys below, so it is an admin key.
  await page.getByLabel("Scope").selectOption("ADMIN");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-key").innerText()).trim();
  assert.match(key, /^tlk_/);
  const check = await stack.server.gql<{ apiKeys: { totalCount: number } }>(
    "{ apiKeys { totalCount } }",
    {},
    key,
  );
  assert.equal(check.errors, undefined, "the key shown works against the API");
  await screenshot(page, "api-keys-created");
  await page.getByRole("button", { name: "Use it in this browser" }).click();
  await page
    .getByTestId("current-key-hint")
    .filter({ hasText: key.slice(0, 8) })
    .waitFor();

  await page.getByLabel("Name", { exact: true }).fill("to revoke");
  await page.getByRole("button", { name: "Create key" }).click();
  await page.getByTestId("new-key").filter({ hasNotText: key }).waitFor();
  const doomed = (await page.getByTestId("new-key").innerText()).trim();
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Revoke to revoke" }).click();
  await page.getByRole("row", { name: /to revoke/ }).waitFor({ state: "detached" });
  const refused = await stack.server.gql("{ apiKeys { totalCount } }", {}, doomed);
  assert.equal(refused.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");

  assert.equal(
    await page.getByRole("link", { name: "GraphQL IDE" }).first().getAttribute("href"),
    "/graphql",
  );
  assert.match(await page.getByTestId("example-query").innerText(), /experiments\(first: 5\)/);
  await screenshot(page, "api-keys");
  await context.close();
});

test("runners: a token created in the UI, the shown command registers a runner that appears online, its backend and why faster ones were skipped", async () => {
  const { context, page } = await openPage(stack.browser);
  await useApiKey(page, stack.server.origin, stack.server.adminKey);
  await page.goto(`${stack.server.origin}/runners`);
  await page.getByText("No runners yet").waitFor();
  await page.getByLabel("Host or pool").fill("e2e host");
  await page.getByRole("button", { name: "Create registration token" }).click();
  const command = (await page.getByTestId("runner-command").innerText()).trim();
  assert.match(
    command,
    new RegExp(`^npm run runner -- register --server ${stack.server.origin}\\S* --token tlt_\\S+$`),
  );
  await screenshot(page, "runners-token");

  // the engine chooses the backend, with the native addon switched off: a skipped reason on any machine
  const { config, dir } = await runRegistrationCommand(command, "e2e-runner", {
    backend: null,
    env: { TUNELAB_NATIVE: "off" },
  });
  const runner = startRunner(config, dir);
  try {
    // The page polls every 5 s: the runner shows up, then goes online with its first heartbeat.
    const row = page.locator('tr[data-runner="e2e-runner"]');
    await row.waitFor({ timeout: 60_000 });
    await row.locator(".badge.ONLINE").waitFor({ timeout: 60_000 });
    const listed = await api<{
      runners: {
        edges: { node: { name: string; status: string; backend: string; backendSkipped: string[] } }[];
      };
    }>(stack.server, "{ runners { edges { node { name status backend backendSkipped } } } }");
    assert.deepEqual(
      listed.runners.edges.map((e) => [e.node.name, e.node.status]),
      [["e2e-runner", "ONLINE"]],
    );
    const { backend, backendSkipped } = listed.runners.edges[0]!.node;
    assert.match(await row.innerText(), new RegExp(`\\b${backend}\\b`));
    // where tfjs-node is installed it wins before native is tried; elsewhere native's reason is shown
    if (backend === "wasm" || backend === "cpu") {
      assert.ok(backendSkipped.includes("native: disabled by TUNELAB_NATIVE=off"), backendSkipped.join("; "));
      await row.getByText("native skipped: disabled by TUNELAB_NATIVE=off").waitFor();
    }
    await screenshot(page, "runners-online");
    // the token it used is spent: nothing to revoke
    const tokenRow = page.getByRole("table", { name: "Registration tokens" }).locator("tbody tr").first();
    await tokenRow.getByText("used up").waitFor();
    assert.equal(await tokenRow.getByRole("button", { name: /Revoke/ }).count(), 0);
    // a clean stop says goodbye: OFFLINE on the next poll (5 s), well before its 30 s lease would pass
    await runner.stop();
    await row.locator(".badge.OFFLINE").waitFor({ timeout: 15_000 });
  } finally {
    await runner.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  await context.close();
});
