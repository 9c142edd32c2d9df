// End to end: the built client (dist/) against a real server, over real sockets.
//
//   npm run e2e                                  starts the FastAPI conformance app with uv (from the
//                                                repository root) on a free port, and stops it by pid
//   BEEFLOW_WS_URL=ws://host:port/ws/ npm run e2e    uses a server you started (same app: tokens
//                                                "token-<user>", actions echo, forbid, room.join, ...)
//
// Node 22+ has a WebSocket global; on Node 20 this script restarts itself with --experimental-websocket.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createServer, createConnection } from "node:net";
import { fileURLToPath } from "node:url";

if (typeof globalThis.WebSocket != "function") {
  const again = spawnSync(process.execPath, ["--experimental-websocket", ...process.argv.slice(1)], { stdio: "inherit" });
  process.exit(again.status ?? 1);
}

const { createClient, ProblemError, ConnectionLostError } = await import("../dist/index.js");

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });

const listening = (port) =>
  new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function startServer() {
  const port = await freePort();
  const server = spawn(
    "uv",
    ["run", "--all-extras", "--all-packages", "python", "-m", "uvicorn", "tests.conformance.apps.fastapi_app:app",
      "--host", "127.0.0.1", "--port", String(port), "--log-level", "warning"],
    { cwd: ROOT, env: { ...process.env, PYTHONPATH: ROOT }, stdio: ["ignore", "pipe", "pipe"] },
  );
  // The server's log (the `fail` action logs a traceback on purpose) is shown only when a scenario fails.
  const log = [];
  server.stdout.on("data", (chunk) => log.push(chunk));
  server.stderr.on("data", (chunk) => log.push(chunk));
  const deadline = Date.now() + 120_000;
  while (!(await listening(port))) {
    if (server.exitCode != null) throw new Error(`the server exited with ${server.exitCode}`);
    if (Date.now() > deadline) throw new Error("the server did not start within 120 s");
    await sleep(200);
  }
  return {
    url: `ws://127.0.0.1:${port}/ws/`,
    log: () => Buffer.concat(log).toString(),
    stop: () => server.exitCode == null && process.kill(server.pid, "SIGTERM"),
  };
}

const opened = (client) =>
  new Promise((resolve, reject) => {
    if (client.state == "open") return resolve();
    const off = client.onState((state) => {
      if (state == "open") resolve(off());
      if (state == "closed") reject(new Error("closed before opening"));
    });
  });

const scenarios = {
  async "requests end at the completion frame"(url) {
    const client = createClient(url, { token: () => Promise.resolve("token-alice") });
    await opened(client);
    assert.equal(client.completion, true);
    const [health, ...rest] = await client.request("health");
    assert.deepEqual([health.event, health.payload, rest.length], ["health", { status: "ok" }, 0]);
    const echoes = await client.request("echo", { text: "hi", count: 3 });
    assert.deepEqual(echoes.map((event) => event.payload.text), ["hi", "hi", "hi"]);
    assert.ok(echoes.every((event) => event.req_id == echoes[0].req_id));
    assert.deepEqual(await client.request("room.join", { room: "lobby" }), []);
    const streamed = [];
    for await (const event of client.stream("echo", { text: "s", count: 4 })) streamed.push(event.seq);
    assert.equal(streamed.length, 4);
    client.close();
  },

  async "problems reject with ProblemError"(url) {
    const client = createClient(url, { token: "token-bob" });
    const invalid = await client.request("echo", { text: "", count: "3" }).catch((error) => error);
    assert.ok(invalid instanceof ProblemError);
    assert.equal(invalid.status, 422);
    assert.deepEqual(invalid.errors.map((item) => item.pointer).sort(), ["/payload/count", "/payload/text"]);
    const forbidden = await client.request("forbid").catch((error) => error);
    assert.deepEqual([forbidden.status, forbidden.code], [403, "room_forbidden"]);
    const unknown = await client.request("chat.shout").catch((error) => error);
    assert.equal(unknown.code, "unknown_websocket_action");
    const failed = [];
    await assert.rejects(
      (async () => {
        for await (const event of client.stream("fail")) failed.push(event.payload.text);
      })(),
      (error) => error instanceof ProblemError && error.status == 500,
    );
    assert.deepEqual(failed, ["before"]);
    client.close();
  },

  async "pushes reach subscribers with req_id null"(url) {
    const alice = createClient(url, { token: "token-alice" });
    const bob = createClient(url, { token: "token-bob" });
    await Promise.all([opened(alice), opened(bob)]);
    await alice.request("health"); // registered with the hub
    const heard = new Promise((resolve) => alice.on("said", resolve));
    assert.deepEqual(await bob.request("notify_user", { user_id: "alice", text: "hi alice" }), []);
    const said = await heard;
    assert.deepEqual([said.req_id, said.payload, said.recipient], [null, { sender: "bob", text: "hi alice" }, "user"]);
    alice.close();
    bob.close();
  },

  async "an oversized frame: 413 problem, close 1009, the session ends, a fresh one"(url) {
    const client = createClient(url, { token: "token-carol", retryDelay: 50 });
    const problems = [];
    const gaps = [];
    const resyncs = [];
    client.onProblem((problem) => problems.push(problem.status));
    client.onGap((gap) => gaps.push(gap.reason));
    client.onResync((resync) => resyncs.push(resync.reason));
    await client.request("health");
    // The server never read the frame, so no replay can answer it: it ends the session, the client's
    // resume is refused and the request fails with the close code of the socket it was sent on.
    const lost = await client.request("echo", { text: "x".repeat(70_000) }).catch((error) => error);
    assert.ok(lost instanceof ConnectionLostError);
    assert.equal(lost.code, 1009);
    assert.deepEqual(problems, [413]);
    await opened(client);
    assert.equal((await client.request("health")).length, 1);
    assert.deepEqual(resyncs, ["unknown-session"]);
    assert.deepEqual(gaps, []);
    client.close();
  },

  async "a refused handshake is retried, then given up"(url) {
    const client = createClient(url, { token: "wrong", maxRetries: 1, retryDelay: 10 });
    const error = await client.request("health").catch((error) => error);
    assert.ok(error instanceof ConnectionLostError);
    assert.equal(client.state, "closed");
  },
};

const server = process.env.BEEFLOW_WS_URL
  ? { url: process.env.BEEFLOW_WS_URL, log: () => "", stop() {} }
  : await startServer();
let failures = 0;
try {
  for (const [name, scenario] of Object.entries(scenarios)) {
    try {
      await Promise.race([scenario(server.url), sleep(20_000).then(() => Promise.reject(new Error("timed out")))]);
      console.log(`ok   ${name}`);
    } catch (error) {
      failures++;
      console.log(`FAIL ${name}\n${error.stack ?? error}`);
    }
  }
} finally {
  server.stop();
}
if (failures && server.log()) console.log(`--- server log\n${server.log()}`);
console.log(failures ? `${failures} of ${Object.keys(scenarios).length} scenarios failed` : "all scenarios passed");
process.exit(failures ? 1 : 0);
