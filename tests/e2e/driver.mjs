// The browser side of the end-to-end tests: headless Chromium (the Debian package, /usr/bin/chromium)
// driven by playwright-core. test_browser.py starts one driver per test session and sends it one JSON
// command per line on stdin; the driver answers one JSON line per command on stdout
// ({"id", "ok", "value"} or {"id", "ok": false, "error"}) and logs to stderr.
//
// The servers under test serve the built chat page (examples/chat/web/dist) at / and the WebSocket at
// /ws/. The driver serves its own pages from a static server on another loopback port (a real one:
// Chromium blocks pages it cannot place on the network from reaching 127.0.0.1):
//
//   /scenarios.html?ws=URL   page/scenarios.ts, bundled by esbuild: window.e2e.<scenario>() against URL
//   /pair.html?chat=URL      two iframes of the chat page at URL side by side (alice and bob)
//
// Commands: {op: "open", page, ws} | {op: "call", page, fn, args} | {op: "chat", chat, screenshot?}
//           | {op: "close", page} | {op: "quit"}
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const CHROMIUM = process.env.BEEFLOW_E2E_CHROMIUM || "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const log = (...parts) => console.error("[driver]", ...parts);

const scenarios = (
  await build({
    entryPoints: [here("page/scenarios.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    write: false,
    logLevel: "error",
  })
).outputFiles[0].text;

const pair = (chat) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Two tabs chatting</title><link rel="icon" href="data:,">
<style>
  body { margin: 0; display: flex; gap: 12px; padding: 12px; background: #e5e7eb; font-family: system-ui, sans-serif; }
  figure { margin: 0; flex: 1; display: flex; flex-direction: column; gap: 6px; }
  figcaption { font-size: 13px; color: #374151; padding-left: 4px; }
  iframe { border: 0; border-radius: 10px; width: 100%; height: 640px; background: #f9fafb;
           box-shadow: 0 2px 8px rgb(0 0 0 / 0.12); }
</style></head>
<body>
<figure><figcaption>Tab 1: alice</figcaption><iframe id="alice" src="${chat}?name=alice&amp;room=lobby"></iframe></figure>
<figure><figcaption>Tab 2: bob</figcaption><iframe id="bob" src="${chat}?name=bob&amp;room=lobby"></iframe></figure>
</body></html>`;

const escape = (text) => text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

function respond(request, response) {
  const { pathname, searchParams } = new URL(request.url, "http://driver");
  const send = (type, body) => response.writeHead(200, { "content-type": type }).end(body);
  if (pathname === "/scenarios.html") {
    const ws = escape(searchParams.get("ws") ?? "");
    send("text/html", `<!doctype html><meta charset="utf-8"><meta name="ws" content="${ws}"><link rel="icon" href="data:,"><title>e2e</title><script type="module" src="scenarios.js"></script>`);
  } else if (pathname === "/scenarios.js") send("text/javascript", scenarios);
  else if (pathname === "/pair.html") send("text/html", pair(escape(searchParams.get("chat") ?? "/")));
  else response.writeHead(404).end();
}

const pages = createServer(respond);
await new Promise((resolve) => pages.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${pages.address().port}`;

const profile = mkdtempSync(join(tmpdir(), "beeflow-e2e-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: ARGS,
  viewport: { width: 1100, height: 720 },
  deviceScaleFactor: 1,
});
context.on("weberror", (error) => log("page error:", error.error().stack ?? error.error()));
const tabs = new Map();

async function open({ page: key, ws }) {
  const page = await context.newPage();
  page.on("console", (message) => log(`console ${key}:`, message.text()));
  tabs.set(key, page);
  await page.goto(`${origin}/scenarios.html?ws=${encodeURIComponent(ws)}`);
  await page.waitForFunction(() => "e2e" in window);
  return true;
}

async function call({ page: key, fn, args = [] }) {
  const page = tabs.get(key);
  if (!page) throw new Error(`no page ${key}: open it first`);
  return page.evaluate(([name, values]) => window.e2e[name](...values), [fn, args]);
}

/** Two tabs (iframes) of the chat page: join, talk, see the other type; optionally a screenshot. */
async function chat({ chat: url, screenshot }) {
  const page = await context.newPage();
  page.on("console", (message) => log("console chat:", message.text()));
  await page.goto(`${origin}/pair.html?chat=${encodeURIComponent(url)}`);
  const alice = page.frameLocator("#alice");
  const bob = page.frameLocator("#bob");
  for (const tab of [alice, bob]) {
    await tab.locator("#join").click();
    await tab.locator("#state[data-state=open]").waitFor();
    await tab.locator("#send:not([disabled])").waitFor();
  }
  await alice.locator(".system", { hasText: "bob joined #lobby" }).waitFor();
  const say = async (tab, other, text) => {
    await tab.locator("#text").fill(text);
    await tab.locator("#send").click();
    await other.locator(".message .text", { hasText: text }).waitFor();
  };
  await say(alice, bob, "Hi Bob! The client is generated from asyncapi.yaml.");
  await say(bob, alice, "Hi Alice! Typed payloads on both ends.");
  // An empty message: the server answers 422 and the page shows the problem with its pointer.
  await bob.locator("#send").click();
  const problem = await bob.locator("#error:not([hidden])").textContent();
  await say(alice, bob, "And a 422 comes back as a ProblemError.");
  await bob.locator("#text").fill("typing a reply");
  const typing = await alice.locator("#typing", { hasText: "bob is typing" }).textContent();
  const seen = {
    alice: await alice.locator("#messages").innerText(),
    bob: await bob.locator("#messages").innerText(),
    problem,
    typing,
  };
  if (screenshot) await page.screenshot({ path: screenshot });
  await page.close();
  return seen;
}

const commands = {
  open,
  call,
  chat,
  async close({ page: key }) {
    await tabs.get(key)?.close();
    tabs.delete(key);
    return true;
  },
};

async function quit() {
  await context.close().catch(() => undefined);
  pages.close();
  rmSync(profile, { recursive: true, force: true });
  process.exit(0);
}

const reply = (message) => process.stdout.write(JSON.stringify(message) + "\n");
reply({ id: 0, ok: true, value: "ready" });
const queue = [];
let busy = false;
createInterface({ input: process.stdin }).on("line", (line) => {
  queue.push(line);
  void pump();
}).on("close", quit);

async function pump() {
  if (busy) return;
  busy = true;
  while (queue.length) {
    const command = JSON.parse(queue.shift());
    if (command.op === "quit") return quit();
    try {
      const handler = commands[command.op];
      if (!handler) throw new Error(`unknown op ${command.op}`);
      reply({ id: command.id, ok: true, value: (await handler(command)) ?? null });
    } catch (error) {
      reply({ id: command.id, ok: false, error: String(error?.stack ?? error) });
    }
  }
  busy = false;
}
