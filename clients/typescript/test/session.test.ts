/**
 * Resumable sessions (`beeflow.v2`, docs/en/protocol.md): the test plays a server that keeps each
 * session's history, frame by frame, over the fake WebSocket.
 */

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import {
  type ClientOptions,
  ConnectionLostError,
  type ConnectionState,
  createClient,
  type EventFrame,
  type Gap,
  ProblemError,
  type Resync,
  type ResyncReason,
  TimeoutError,
} from "../src/index.js";
import { type FakeSocket, fakeWebSocket, flush, frames } from "./fake.js";

const URL = "wss://example.com/ws/";
const ID = "0123456789abcdef0123456789abcdef";
const EPOCH = "fedcba9876543210";
const NEW_ID = "ffffffffffffffffffffffffffffffff";

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function setup(options: ClientOptions = {}) {
  const fake = fakeWebSocket();
  // random 0.5 and retryDelay 10: every reconnect waits 5 ms (the first after an open).
  const client = createClient(URL, { WebSocket: fake.WebSocket, random: () => 0.5, retryDelay: 10, ...options });
  const states: ConnectionState[] = [];
  const gaps: Gap[] = [];
  const resyncs: Resync[] = [];
  const seen: EventFrame[] = [];
  client.onState((state) => states.push(state));
  client.onGap((gap) => gaps.push(gap));
  client.onResync((resync) => resyncs.push(resync));
  client.on("*", (event) => seen.push(event));
  /** Accept the current socket as a v2 server and send its session frame. */
  const open = (session: { id?: string; resumed?: boolean; resync?: ResyncReason } = {}): FakeSocket => {
    const socket = fake.socket.accept("beeflow.v2");
    socket.push(frames.session({ id: ID, epoch: EPOCH, ...session }));
    return socket;
  };
  /** Drop the current socket and let the client's next attempt begin. */
  const reconnect = async (code = 1006, reason = "") => {
    fake.socket.drop(code, reason);
    await vi.advanceTimersByTimeAsync(5);
  };
  return { client, fake, states, gaps, resyncs, seen, open, reconnect };
}

/** A promise's outcome without awaiting it forever: "pending" if it has not settled yet. */
async function outcome<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown } | "pending"> {
  let result: { value: T } | { error: unknown } | "pending" = "pending";
  promise.then(
    (value) => (result = { value }),
    (error: unknown) => (result = { error }),
  );
  await flush();
  return result;
}

describe("a fresh session", () => {
  it("needs no resume token, reports nothing and has completion frames", () => {
    const { client, fake, open, gaps, resyncs } = setup();
    expect(fake.socket.protocols).toEqual(["beeflow.v2", "beeflow.v1"]);
    open();
    expect(client.completion).toBe(true);
    expect(client.state).toBe("open");
    expect(gaps).toEqual([]);
    expect(resyncs).toEqual([]);
  });

  it("numbers events, completions and problems alike: no gap", async () => {
    const { client, open, gaps, seen } = setup();
    const socket = open();
    const ok = client.request("echo");
    const okId = socket.last.req_id;
    const bad = client.request("chat.send").catch((error: unknown) => error);
    const badId = socket.last.req_id;
    socket.push(frames.event(okId, 1, "echoed"));
    socket.push(frames.completion(okId, "echo", 1, { seq: 2 }));
    socket.push(frames.problem(badId, 422, "invalid_websocket_payload", { seq: 3 }));
    socket.push(frames.event(null, 4, "pushed"));
    expect((await ok).map((event) => event.seq)).toEqual([1]);
    expect(await bad).toBeInstanceOf(ProblemError);
    expect(seen.map((event) => event.seq)).toEqual([1, 4]);
    expect(gaps).toEqual([]);
  });

  it("reports a true gap in the numbering", () => {
    const { open, gaps, seen } = setup();
    const socket = open();
    socket.push(frames.event(null, 1, "a"));
    socket.push(frames.completion("00000000-0000-4000-8000-00000000beef", "x", 0, { seq: 2 }));
    socket.push(frames.event(null, 5, "a"));
    socket.push(frames.event(null, 6, "a"));
    expect(gaps).toEqual([{ reason: "seq", expected: 3, received: 5 }]);
    expect(seen.map((event) => event.seq)).toEqual([1, 5, 6]);
  });
});

describe("resume", () => {
  it("offers beeflow.resume.<id>.<epoch>.<seq> with the last seq received, before the token pair", async () => {
    const { fake, open, reconnect } = setup({ token: () => "t0k3n" });
    await flush();
    expect(fake.socket.protocols).toEqual(["beeflow.v2", "beeflow.v1", "access-token", "t0k3n"]);
    const socket = open();
    socket.push(frames.event(null, 1, "a"));
    socket.push(frames.problem(null, 400, "invalid_websocket_message", { seq: 2 }));
    await reconnect();
    expect(fake.socket.protocols).toEqual([
      "beeflow.v2",
      "beeflow.v1",
      `beeflow.resume.${ID}.${EPOCH}.2`,
      "access-token",
      "t0k3n",
    ]);
  });

  it("offers seq 0 when nothing was received, and keeps the offer over failed attempts", async () => {
    const { fake, open, reconnect } = setup();
    open();
    await reconnect();
    expect(fake.socket.protocols[2]).toBe(`beeflow.resume.${ID}.${EPOCH}.0`);
    fake.socket.drop(); // refused before opening
    await vi.advanceTimersByTimeAsync(10);
    expect(fake.sockets).toHaveLength(3);
    expect(fake.socket.protocols[2]).toBe(`beeflow.resume.${ID}.${EPOCH}.0`);
  });

  it("takes the replay, drops what it already has, and reports no gap", async () => {
    const { fake, open, reconnect, seen, gaps, resyncs, states } = setup();
    const first = open();
    first.push(frames.event(null, 1, "a"));
    first.push(frames.event(null, 2, "b"));
    await reconnect();
    const again = open({ resumed: true });
    const duplicate = frames.event(null, 2, "b");
    again.push(duplicate); // a replay overlapping what arrived: dropped silently
    again.push(frames.completion("00000000-0000-4000-8000-00000000beef", "x", 0, { seq: 1 }));
    again.push(frames.event(null, 3, "c"));
    again.push(frames.event(null, 4, "d"));
    again.push(frames.event(null, 4, "d"));
    expect(seen.map((event) => event.event)).toEqual(["a", "b", "c", "d"]);
    expect(gaps).toEqual([]);
    expect(resyncs).toEqual([]);
    expect(states).toEqual(["open", "reconnecting", "open"]);
    await reconnect();
    expect(fake.socket.protocols[2]).toBe(`beeflow.resume.${ID}.${EPOCH}.4`);
  });

  it("keeps a request in flight across the drop: its completion comes in the replay", async () => {
    const { client, open, reconnect } = setup();
    const first = open();
    const reply = client.request("report.build", { year: 2025 });
    const req_id = first.last.req_id;
    const before = frames.event(req_id, 1, "progress");
    first.push(before);
    await reconnect(1011, "server restart");
    expect(await outcome(reply)).toBe("pending");
    const again = open({ resumed: true });
    const after = frames.event(req_id, 2, "report.built");
    again.push(after);
    again.push(frames.completion(req_id, "report.build", 2, { seq: 3 }));
    expect(await reply).toEqual([before, after]);
    expect(again.sent).toEqual([]); // never sent twice
  });

  it("rejects a request in flight with the problem the replay carries", async () => {
    const { client, open, reconnect } = setup();
    const first = open();
    const reply = client.request("fail").catch((error: unknown) => error);
    const req_id = first.last.req_id;
    await reconnect();
    open({ resumed: true }).push(frames.problem(req_id, 500, "internal_websocket_error", { seq: 1 }));
    expect(await reply).toMatchObject({ name: "ProblemError", status: 500 });
  });

  it("still times a request out while it waits for the resume", async () => {
    const { client, open, fake } = setup({ timeout: 1_000, retryDelay: 60_000 });
    open();
    const reply = client.request("slow").catch((error: unknown) => error);
    fake.socket.drop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await reply).toBeInstanceOf(TimeoutError);
  });

  it("sends queued requests on the resumed socket, after nothing of the old ones", async () => {
    const { client, open, fake } = setup();
    const first = open();
    const old = client.request("a");
    const oldId = first.last.req_id;
    fake.socket.drop();
    const queued = client.request("b");
    await vi.advanceTimersByTimeAsync(5);
    const again = open({ resumed: true });
    expect(again.frames.map((frame) => frame.action)).toEqual(["b"]);
    again.push(frames.completion(oldId, "a", 0, { seq: 1 }));
    again.push(frames.completion(again.last.req_id, "b", 0, { seq: 2 }));
    expect(await Promise.all([old, queued])).toEqual([[], []]);
  });
});

describe("resync", () => {
  const reasons: ResyncReason[] = ["unknown-session", "epoch-changed", "history-gap", "user-changed"];

  for (const reason of reasons) {
    it(`surfaces ${reason} and fails the requests sent before the drop`, async () => {
      const { client, open, reconnect, resyncs, gaps, fake } = setup();
      const first = open();
      first.push(frames.event(null, 1, "a"));
      first.push(frames.event(null, 2, "a"));
      const lost = client.request("echo").catch((error: unknown) => error);
      fake.socket.drop(1001, "going away");
      const queued = client.request("later");
      await vi.advanceTimersByTimeAsync(5);
      expect(await outcome(lost)).toBe("pending");
      const again = open({ id: NEW_ID, resync: reason });
      expect(resyncs).toEqual([{ reason, lastSeq: 2 }]);
      expect(gaps).toEqual([]);
      const error = await lost;
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect(error).toMatchObject({ code: 1001, reason: "going away" });
      // What was sent on the new socket belongs to the new session.
      again.push(frames.completion(again.last.req_id, "later", 0, { seq: 1 }));
      expect(await queued).toEqual([]);
      await reconnect();
      expect(fake.socket.protocols[2]).toBe(`beeflow.resume.${NEW_ID}.${EPOCH}.1`);
    });
  }

  it("counts a new session from 1 again", async () => {
    const { open, reconnect, seen, gaps } = setup();
    const first = open();
    for (const seq of [1, 2, 3]) first.push(frames.event(null, seq, "old"));
    await reconnect();
    const again = open({ id: NEW_ID, resync: "history-gap" });
    again.push(frames.event(null, 1, "new"));
    expect(seen.map((event) => `${event.event}${event.seq}`)).toEqual(["old1", "old2", "old3", "new1"]);
    expect(gaps).toEqual([]);
  });

  it("fails what is in flight when reconnecting gives up", async () => {
    const { client, open, fake, states } = setup({ maxRetries: 1 });
    open();
    const reply = client.request("echo").catch((error: unknown) => error);
    fake.socket.drop(1006, "dropped");
    expect(await outcome(reply)).toBe("pending");
    await vi.advanceTimersByTimeAsync(5);
    fake.socket.drop(1006, "refused");
    expect(states).toEqual(["open", "reconnecting", "closed"]);
    expect(await reply).toMatchObject({ name: "ConnectionLostError", code: 1006, reason: "refused" });
  });

  it("close() fails what waits for a resume", async () => {
    const { client, open, fake } = setup({ retryDelay: 60_000 });
    open();
    const reply = client.request("echo").catch((error: unknown) => error);
    fake.socket.drop();
    client.close();
    expect(await reply).toMatchObject({ name: "ConnectionLostError", code: 1000 });
  });

  it("never offers a session the contract does not allow in a subprotocol", async () => {
    const { open, reconnect, fake, gaps } = setup();
    open({ id: "not hex, spaces, commas" });
    await reconnect();
    expect(fake.socket.protocols).toEqual(["beeflow.v2", "beeflow.v1"]);
    open();
    expect(gaps).toEqual([{ reason: "reconnect", lastSeq: 0 }]);
  });
});

describe("servers without sessions", () => {
  it("behave as before on beeflow.v1: requests fail at the drop, a reconnect is a gap", async () => {
    const { client, fake, gaps, resyncs } = setup();
    const first = fake.socket.accept("beeflow.v1");
    expect(client.completion).toBe(true);
    const reply = client.request("echo").catch((error: unknown) => error);
    first.push(frames.event(first.last.req_id, 1, "echoed"));
    first.push(frames.problem(null, 400, "invalid_websocket_message", { seq: 9 })); // v1: problems are not counted
    fake.socket.drop(1011, "restart");
    expect(await reply).toMatchObject({ name: "ConnectionLostError", code: 1011 });
    await vi.advanceTimersByTimeAsync(5);
    expect(fake.socket.protocols).toEqual(["beeflow.v2", "beeflow.v1"]);
    const second = fake.socket.accept("beeflow.v1");
    second.push(frames.event(null, 1, "a"));
    expect(gaps).toEqual([{ reason: "reconnect", lastSeq: 1 }]);
    expect(resyncs).toEqual([]);
  });

  it("a session server replaced by a v1 server: what was in flight fails, and a reconnect gap is reported", async () => {
    const { client, open, fake, gaps, resyncs } = setup();
    const first = open();
    first.push(frames.event(null, 1, "a"));
    const reply = client.request("echo").catch((error: unknown) => error);
    fake.socket.drop(1012, "service restart");
    await vi.advanceTimersByTimeAsync(5);
    expect(fake.socket.protocols[2]).toBe(`beeflow.resume.${ID}.${EPOCH}.1`);
    const second = fake.socket.accept("beeflow.v1");
    expect(await reply).toMatchObject({ name: "ConnectionLostError", code: 1012 });
    expect(gaps).toEqual([{ reason: "reconnect", lastSeq: 1 }]);
    expect(resyncs).toEqual([]);
    second.push(frames.event(null, 1, "b"));
    expect(gaps).toHaveLength(1);
  });

  it("a v1 server replaced by a session server: a reconnect gap, no resync", async () => {
    const { fake, open, reconnect, gaps, resyncs } = setup();
    fake.socket.accept("beeflow.v1").push(frames.event(null, 1, "a"));
    await reconnect();
    open();
    expect(gaps).toEqual([{ reason: "reconnect", lastSeq: 1 }]);
    expect(resyncs).toEqual([]);
  });
});

describe("rate limits", () => {
  it("gives a 429 problem's retry_after, in seconds, on the ProblemError; null elsewhere", async () => {
    const { client, open } = setup();
    const socket = open();
    const limited = client.request("chat.send").catch((error: unknown) => error);
    socket.push(frames.problem(socket.last.req_id, 429, "websocket_rate_limited", { retry_after: 0.75, seq: 1 }));
    const other = client.request("chat.send").catch((error: unknown) => error);
    socket.push(frames.problem(socket.last.req_id, 403, "room_forbidden", { seq: 2 }));
    const error = await limited;
    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({ status: 429, code: "websocket_rate_limited", retry_after: 0.75 });
    expect(await other).toMatchObject({ status: 403, retry_after: null });
  });
});
