import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import {
  type ClientOptions,
  ConnectionLostError,
  type ConnectionState,
  createClient,
  type EventFrame,
  type Gap,
  type ProblemFrame,
  ProblemError,
  QueueFullError,
  RUNTIME_API,
  TimeoutError,
} from "../src/index.js";
import { uuid } from "../src/uuid.js";
import { fakeWebSocket, flush, frames } from "./fake.js";

const URL = "wss://example.com/ws/";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function setup(options: ClientOptions = {}) {
  const fake = fakeWebSocket();
  const client = createClient(URL, { WebSocket: fake.WebSocket, random: () => 0.5, ...options });
  const states: ConnectionState[] = [];
  const gaps: Gap[] = [];
  const problems: ProblemFrame[] = [];
  client.onState((state) => states.push(state));
  client.onGap((gap) => gaps.push(gap));
  client.onProblem((problem) => problems.push(problem));
  return { client, fake, states, gaps, problems };
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

describe("handshake", () => {
  it("offers beeflow.v2, then beeflow.v1, and no token when there is none", () => {
    const { fake, client } = setup();
    expect(fake.socket.url).toBe(URL);
    expect(fake.socket.protocols).toEqual(["beeflow.v2", "beeflow.v1"]);
    expect(client.state).toBe("connecting");
  });

  it("sends the token as the access-token subprotocol pair, never in the URL", () => {
    const { fake } = setup({ token: "s3cret.jwt-token" });
    expect(fake.socket.protocols).toEqual(["beeflow.v2", "beeflow.v1", "access-token", "s3cret.jwt-token"]);
    expect(fake.socket.url).toBe(URL);
    expect(fake.socket.url).not.toContain("s3cret");
  });

  it("reads a token function again before every reconnect", async () => {
    let n = 0;
    const { fake } = setup({ token: async () => `token-${++n}` });
    await flush();
    fake.socket.accept().drop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.sockets.map((socket) => socket.protocols[3])).toEqual(["token-1", "token-2"]);
    expect(fake.sockets.every((socket) => socket.url == URL)).toBe(true);
  });

  it("negotiates completion from the subprotocol the server selected", () => {
    const { fake, client, states } = setup();
    fake.socket.accept("beeflow.v1");
    expect(client.completion).toBe(true);
    expect(client.state).toBe("open");
    expect(states).toEqual(["open"]);
  });

  it("treats a token function that throws as a failed attempt", async () => {
    const { fake, states } = setup({
      token: async () => {
        throw new Error("no session");
      },
      maxRetries: 1,
    });
    await flush();
    expect(fake.sockets).toHaveLength(0);
    expect(states).toEqual(["reconnecting"]);
    await vi.advanceTimersByTimeAsync(500);
    expect(states).toEqual(["reconnecting", "closed"]);
  });
});

describe("requests with completion (beeflow.v1)", () => {
  it("sends an action frame with fresh ids and resolves at the completion frame", async () => {
    const { fake, client } = setup();
    const socket = fake.socket.accept();
    const reply = client.request("echo", { text: "hi", count: 2 });
    const sent = socket.last;
    expect(sent).toEqual({ msg_id: expect.stringMatching(UUID), req_id: expect.stringMatching(UUID), action: "echo", payload: { text: "hi", count: 2 } });
    expect(sent.msg_id).not.toBe(sent.req_id);
    const first = frames.event(sent.req_id, 1, "echoed", { text: "hi" });
    const second = frames.event(sent.req_id, 2, "echoed", { text: "hi" });
    socket.push(first);
    socket.push(second);
    expect(await outcome(reply)).toBe("pending");
    socket.push(frames.completion(sent.req_id, "echo", 2));
    expect(await reply).toEqual([first, second]);
  });

  it("sends an empty payload when none is given and resolves [] for an action that yields nothing", async () => {
    const { fake, client } = setup();
    const socket = fake.socket.accept();
    const reply = client.request("room.join");
    expect(socket.last.payload).toEqual({});
    socket.push(frames.completion(socket.last.req_id, "room.join", 0));
    expect(await reply).toEqual([]);
  });

  it("correlates interleaved answers by req_id", async () => {
    const { fake, client } = setup();
    const socket = fake.socket.accept();
    const a = client.request("a");
    const b = client.request("b");
    const [ra, rb] = socket.frames.map((frame) => frame.req_id) as [string, string];
    socket.push(frames.event(rb, 1, "b1"));
    socket.push(frames.event(ra, 2, "a1"));
    socket.push(frames.event(null, 3, "pushed"));
    socket.push(frames.completion(rb, "b", 1));
    socket.push(frames.event(ra, 4, "a2"));
    socket.push(frames.completion(ra, "a", 2));
    expect((await a).map((event) => event.event)).toEqual(["a1", "a2"]);
    expect((await b).map((event) => event.event)).toEqual(["b1"]);
  });

  it("rejects with a ProblemError carrying the RFC 9457 fields and the error pointers", async () => {
    const { fake, client } = setup();
    const socket = fake.socket.accept();
    const reply = client.request("chat.send", { text: "" });
    const problem = frames.problem(socket.last.req_id, 422, "invalid_websocket_payload", {
      errors: [{ pointer: "/payload/text", detail: "String should have at least 1 character" }],
      retry_after: 3,
    });
    socket.push(problem);
    const error = await reply.catch((error: unknown) => error);
    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({
      name: "ProblemError",
      status: 422,
      code: "invalid_websocket_payload",
      title: "Problem",
      detail: "detail of invalid_websocket_payload",
      type: "https://example.com/problems/websocket/invalid-websocket-payload",
      instance: problem.instance,
      req_id: socket.last.req_id,
      errors: [{ pointer: "/payload/text", detail: "String should have at least 1 character" }],
    });
    expect((error as ProblemError).problem.retry_after).toBe(3);
    expect((error as ProblemError).message).toContain("422");
  });

  it("rejects a request that failed after some events (the problem is the terminal frame)", async () => {
    const { fake, client } = setup();
    const socket = fake.socket.accept();
    const reply = client.request("fail");
    socket.push(frames.event(socket.last.req_id, 1, "said", { text: "before" }));
    socket.push(frames.problem(socket.last.req_id, 500, "internal_websocket_error"));
    await expect(reply).rejects.toMatchObject({ status: 500, errors: [] });
  });

  it("tells a problem by its status, whatever extension members it carries", async () => {
    const { fake, client } = setup();
    const socket = fake.socket.accept();
    const reply = client.request("x");
    socket.push(frames.problem(socket.last.req_id, 409, "conflict", { event: "x", completed: "x", seq: 3 }));
    await expect(reply).rejects.toMatchObject({ status: 409, problem: { event: "x" } });
  });

  it("reports problems that answer no pending request", async () => {
    const { fake, client, problems } = setup();
    const socket = fake.socket.accept();
    const reply = client.request("health");
    socket.push(frames.problem(null, 400, "invalid_websocket_message"));
    socket.push(frames.problem("00000000-0000-4000-8000-00000000dead", 400, "unknown_websocket_action"));
    expect(problems.map((problem) => problem.code)).toEqual(["invalid_websocket_message", "unknown_websocket_action"]);
    expect(await outcome(reply)).toBe("pending");
  });

  it("ignores frames it cannot read, and completions of requests it forgot", async () => {
    const { fake, client } = setup();
    const socket = fake.socket.accept();
    const reply = client.request("health");
    socket.push("not json");
    socket.push("[1, 2]");
    socket.push("null");
    socket.push(new ArrayBuffer(4));
    socket.push(frames.completion("00000000-0000-4000-8000-00000000beef", "x", 0));
    socket.push({ hello: "world" });
    expect(await outcome(reply)).toBe("pending");
    socket.push(frames.completion(socket.last.req_id, "health", 0));
    expect(await reply).toEqual([]);
  });
});

describe("timeouts", () => {
  it("rejects with TimeoutError after the client's timeout", async () => {
    const { fake, client } = setup({ timeout: 5_000 });
    fake.socket.accept();
    const reply = client.request("slow");
    await vi.advanceTimersByTimeAsync(4_999);
    expect(await outcome(reply)).toBe("pending");
    await vi.advanceTimersByTimeAsync(1);
    const error = await reply.catch((error: unknown) => error);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ action: "slow", timeout: 5_000 });
  });

  it("takes a per-call timeout, restarted by every frame of the answer", async () => {
    const { fake, client } = setup();
    const socket = fake.socket.accept();
    const reply = client.request("slow", {}, { timeout: 100 });
    await vi.advanceTimersByTimeAsync(90);
    socket.push(frames.event(socket.last.req_id, 1, "progress"));
    await vi.advanceTimersByTimeAsync(90);
    expect(await outcome(reply)).toBe("pending");
    await vi.advanceTimersByTimeAsync(10);
    await expect(reply).rejects.toBeInstanceOf(TimeoutError);
  });

  it("waits forever only when asked to (timeout 0)", async () => {
    const { fake, client } = setup({ timeout: 0 });
    fake.socket.accept();
    const reply = client.request("slow");
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(await outcome(reply)).toBe("pending");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("forgets a request that timed out: its late answer reaches only the subscribers", async () => {
    const { fake, client } = setup({ timeout: 100 });
    const socket = fake.socket.accept();
    const seen: string[] = [];
    client.on("*", (event) => seen.push(event.event));
    const reply = client.request("slow").catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100);
    socket.push(frames.event(socket.last.req_id, 1, "late"));
    socket.push(frames.completion(socket.last.req_id, "slow", 1));
    expect(await reply).toBeInstanceOf(TimeoutError);
    expect(seen).toEqual(["late"]);
  });

  it("aborts a request through an AbortSignal", async () => {
    const { fake, client } = setup();
    fake.socket.accept();
    const controller = new AbortController();
    const reply = client.request("slow", {}, { signal: controller.signal });
    controller.abort(new Error("left the page"));
    await expect(reply).rejects.toThrow("left the page");
    await expect(client.request("slow", {}, { signal: controller.signal })).rejects.toThrow("left the page");
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("connection loss and reconnects", () => {
  it("rejects in-flight requests with ConnectionLostError when the socket drops", async () => {
    const { fake, client, states } = setup();
    const socket = fake.socket.accept();
    const reply = client.request("echo", { text: "x" });
    socket.drop(1011, "server restart");
    const error = await reply.catch((error: unknown) => error);
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error).toMatchObject({ code: 1011, reason: "server restart" });
    expect(states).toEqual(["open", "reconnecting"]);
  });

  it("reports the 413 problem and then fails the request with the 1009 close", async () => {
    const { fake, client, problems } = setup();
    const socket = fake.socket.accept();
    const reply = client.request("echo", { text: "x".repeat(100) });
    socket.push(frames.problem(null, 413, "websocket_message_too_large"));
    socket.drop(1009, "message too big");
    expect(problems.map((problem) => problem.status)).toEqual([413]);
    await expect(reply).rejects.toMatchObject({ name: "ConnectionLostError", code: 1009 });
  });

  it("backs off exponentially with full jitter, capped, and resets after a successful open", async () => {
    const { fake, states } = setup({ retryDelay: 100, maxRetryDelay: 1_000 });
    fake.socket.drop(); // the first attempt fails before opening
    const expected = [50, 100, 200, 400, 500, 500]; // 0.5 * min(1000, 100 * 2^n)
    for (const [attempt, delay] of expected.entries()) {
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(fake.sockets).toHaveLength(attempt + 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(fake.sockets).toHaveLength(attempt + 2);
      if (attempt < expected.length - 1) fake.socket.drop();
    }
    fake.socket.accept().drop();
    await vi.advanceTimersByTimeAsync(49);
    expect(fake.sockets).toHaveLength(expected.length + 1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.sockets).toHaveLength(expected.length + 2);
    expect(states).toEqual(["reconnecting", "open", "reconnecting"]);
  });

  it("treats an error event as the end of the socket, whether or not a close event follows", async () => {
    const { fake, client, states } = setup({ retryDelay: 10 });
    const refused = fake.socket;
    refused.fail(); // a refused handshake, Node 20 style: no close event
    expect(refused.closedWith).toEqual({ code: undefined, reason: undefined });
    await vi.advanceTimersByTimeAsync(5);
    const second = fake.socket.accept();
    const reply = client.request("x");
    second.fail(); // a browser: error, then close
    second.drop(1006);
    await expect(reply).rejects.toMatchObject({ name: "ConnectionLostError", code: 1006 });
    expect(states).toEqual(["reconnecting", "open", "reconnecting"]);
    expect(fake.sockets).toHaveLength(2);
  });

  it("uses the injected random function for the jitter", async () => {
    const { fake } = setup({ retryDelay: 1_000, random: () => 0 });
    fake.socket.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.sockets).toHaveLength(2);
  });

  it("gives up after maxRetries failed attempts and rejects what waited", async () => {
    const { fake, client, states } = setup({ maxRetries: 2, retryDelay: 10 });
    const queued = client.request("health").catch((error: unknown) => error);
    fake.socket.drop();
    await vi.advanceTimersByTimeAsync(5);
    fake.socket.drop();
    await vi.advanceTimersByTimeAsync(10);
    fake.socket.drop(1006, "gone");
    expect(fake.sockets).toHaveLength(3);
    expect(states).toEqual(["reconnecting", "closed"]);
    expect(client.state).toBe("closed");
    expect(await queued).toMatchObject({ name: "ConnectionLostError", code: 1006, reason: "gone" });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.sockets).toHaveLength(3);
  });

  it("does not reconnect when maxRetries is 0", async () => {
    const { fake, states } = setup({ maxRetries: 0 });
    fake.socket.accept().drop(1001, "going away");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.sockets).toHaveLength(1);
    expect(states).toEqual(["open", "closed"]);
  });

  it("close() rejects what is pending, closes the socket with 1000 and stops reconnecting", async () => {
    const { fake, client, states } = setup();
    const socket = fake.socket.accept();
    const reply = client.request("slow");
    client.close();
    await expect(reply).rejects.toMatchObject({ name: "ConnectionLostError", code: 1000 });
    expect(socket.closedWith).toEqual({ code: 1000, reason: undefined });
    socket.drop(1000); // the close handshake finishes: nothing more happens
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.sockets).toHaveLength(1);
    expect(states).toEqual(["open", "closed"]);
    await expect(client.request("health")).rejects.toBeInstanceOf(ConnectionLostError);
  });

  it("close() while the token is being fetched makes no socket", async () => {
    const { fake, client } = setup({ token: () => Promise.resolve("t") });
    client.close();
    await flush();
    expect(fake.sockets).toHaveLength(0);
    expect(client.state).toBe("closed");
  });

  it("ignores a socket it has replaced", async () => {
    const { fake, client } = setup({ retryDelay: 10 });
    const old = fake.socket.accept();
    old.drop();
    await vi.advanceTimersByTimeAsync(5);
    const current = fake.socket.accept();
    const reply = client.request("health");
    old.push(frames.completion(current.last.req_id, "health", 0));
    old.drop();
    expect(await outcome(reply)).toBe("pending");
    expect(client.state).toBe("open");
  });
});

describe("seq gaps", () => {
  it("reports a jump within a connection", () => {
    const { fake, gaps } = setup();
    const socket = fake.socket.accept();
    socket.push(frames.event(null, 1, "a"));
    socket.push(frames.event(null, 2, "a"));
    socket.push(frames.event(null, 5, "a"));
    socket.push(frames.event(null, 6, "a"));
    expect(gaps).toEqual([{ reason: "seq", expected: 3, received: 5 }]);
  });

  it("does not count problems and completions, and reports a gap on the first event too", async () => {
    const { fake, client, gaps } = setup();
    const socket = fake.socket.accept();
    const reply = client.request("x");
    socket.push(frames.problem(null, 400, "invalid_websocket_message"));
    socket.push(frames.event(socket.last.req_id, 1, "a"));
    socket.push(frames.completion(socket.last.req_id, "x", 1));
    socket.push(frames.event(null, 2, "b"));
    expect(gaps).toEqual([]);
    await reply;
    const other = setup();
    other.fake.socket.accept().push(frames.event(null, 3, "a"));
    expect(other.gaps).toEqual([{ reason: "seq", expected: 1, received: 3 }]);
  });

  it("reports that a reconnect may have lost events, and restarts seq at 1", async () => {
    const { fake, gaps, states } = setup({ retryDelay: 10 });
    const first = fake.socket.accept();
    first.push(frames.event(null, 1, "a"));
    first.push(frames.event(null, 2, "a"));
    first.drop();
    await vi.advanceTimersByTimeAsync(5);
    const second = fake.socket.accept();
    second.push(frames.event(null, 1, "a"));
    expect(gaps).toEqual([{ reason: "reconnect", lastSeq: 2 }]);
    expect(states).toEqual(["open", "reconnecting", "open"]);
  });
});

describe("queueing while disconnected", () => {
  it("sends queued requests in order once the socket opens", async () => {
    const { fake, client } = setup();
    const a = client.request("a");
    const b = client.request("b", { n: 1 });
    expect(fake.socket.sent).toEqual([]);
    const socket = fake.socket.accept();
    expect(socket.frames.map((frame) => frame.action)).toEqual(["a", "b"]);
    socket.push(frames.completion(socket.frames[0]!.req_id, "a", 0));
    socket.push(frames.completion(socket.frames[1]!.req_id, "b", 0));
    expect(await Promise.all([a, b])).toEqual([[], []]);
  });

  it("keeps queued requests across a reconnect; in-flight ones fail", async () => {
    const { fake, client } = setup({ retryDelay: 10 });
    const first = fake.socket.accept();
    const inFlight = client.request("a").catch((error: unknown) => error);
    first.drop();
    const queued = client.request("b");
    expect(await inFlight).toBeInstanceOf(ConnectionLostError);
    await vi.advanceTimersByTimeAsync(5);
    const second = fake.socket.accept();
    expect(second.frames.map((frame) => frame.action)).toEqual(["b"]);
    second.push(frames.completion(second.last.req_id, "b", 0));
    expect(await queued).toEqual([]);
  });

  it("rejects beyond the bound with QueueFullError", async () => {
    const { fake, client } = setup({ queueSize: 2 });
    void client.request("a");
    void client.request("b");
    const third = client.request("c").catch((error: unknown) => error);
    expect(await third).toBeInstanceOf(QueueFullError);
    expect(await third).toMatchObject({ size: 2 });
    fake.socket.accept();
    expect(fake.socket.frames.map((frame) => frame.action)).toEqual(["a", "b"]);
  });

  it("times queued requests out and never sends them afterwards", async () => {
    const { fake, client } = setup({ timeout: 1_000 });
    const reply = client.request("a").catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await reply).toBeInstanceOf(TimeoutError);
    fake.socket.accept();
    expect(fake.socket.sent).toEqual([]);
    void client.request("b"); // the queue has room again
    expect(fake.socket.frames.map((frame) => frame.action)).toEqual(["b"]);
  });

  it("rejects at once with queueSize 0", async () => {
    const { client } = setup({ queueSize: 0 });
    await expect(client.request("a")).rejects.toBeInstanceOf(QueueFullError);
  });
});

describe("servers without completion frames (0.3.0)", () => {
  for (const selected of ["access-token", ""]) {
    it(`falls back when the server selects ${JSON.stringify(selected)}`, async () => {
      const { fake, client } = setup({ token: "t" });
      const socket = fake.socket.accept(selected);
      expect(client.completion).toBe(false);
      const reply = client.request("health");
      const event = frames.event(socket.last.req_id, 1, "health", { status: "ok" });
      socket.push(event);
      expect(await reply).toEqual([event]);
    });
  }

  it("resolves at the first of the declared reply events, collecting the events before it", async () => {
    const { fake, client } = setup({ replies: { "chat.send": ["chat.sent"] } });
    const socket = fake.socket.accept("access-token");
    const reply = client.request("chat.send", { text: "hi" });
    const progress = frames.event(socket.last.req_id, 1, "chat.typing");
    const sent = frames.event(socket.last.req_id, 2, "chat.sent");
    socket.push(progress);
    expect(await outcome(reply)).toBe("pending");
    socket.push(sent);
    expect(await reply).toEqual([progress, sent]);
  });

  it("takes per-call replies over the client's table", async () => {
    const { fake, client } = setup({ replies: { x: ["a"] } });
    const socket = fake.socket.accept("");
    const reply = client.request("x", {}, { replies: ["b"] });
    socket.push(frames.event(socket.last.req_id, 1, "a"));
    socket.push(frames.event(socket.last.req_id, 2, "b"));
    expect((await reply).map((event) => event.event)).toEqual(["a", "b"]);
  });

  it("resolves an action without reply events once it is sent", async () => {
    const { fake, client, problems } = setup({ replies: { "room.join": [] } });
    const queued = client.request("room.join", { room: "r" });
    const socket = fake.socket.accept("access-token");
    expect(await queued).toEqual([]);
    expect(await client.request("room.join", { room: "r" })).toEqual([]);
    socket.push(frames.problem(socket.last.req_id, 403, "room_forbidden"));
    expect(problems.map((problem) => problem.code)).toEqual(["room_forbidden"]);
  });

  it("still rejects on problems and times out when nothing answers", async () => {
    const { fake, client } = setup({ timeout: 1_000 });
    const socket = fake.socket.accept("access-token");
    const forbidden = client.request("forbid");
    socket.push(frames.problem(socket.last.req_id, 403, "room_forbidden"));
    await expect(forbidden).rejects.toMatchObject({ status: 403, code: "room_forbidden" });
    const silent = client.request("room.join", { room: "r" }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await silent).toBeInstanceOf(TimeoutError);
  });

  it("with completion negotiated, ignores the replies table and waits for the completion frame", async () => {
    const { fake, client } = setup({ replies: { "chat.send": ["chat.sent"], "room.join": [] } });
    const socket = fake.socket.accept();
    const join = client.request("room.join", { room: "r" });
    expect(await outcome(join)).toBe("pending");
    const send = client.request("chat.send");
    socket.push(frames.event(socket.last.req_id, 1, "chat.sent"));
    expect(await outcome(send)).toBe("pending");
  });
});

describe("streams", () => {
  it("yields the events of one request as they arrive and ends at completion", async () => {
    const { fake, client } = setup();
    const socket = fake.socket.accept();
    const seen: EventFrame[] = [];
    const done = (async () => {
      for await (const event of client.stream("echo", { text: "x", count: 3 })) seen.push(event);
      return "done";
    })();
    await flush();
    const req_id = socket.last.req_id;
    socket.push(frames.event(req_id, 1, "echoed"));
    await flush();
    expect(seen).toHaveLength(1);
    socket.push(frames.event(null, 2, "other"));
    socket.push(frames.event(req_id, 3, "echoed"));
    socket.push(frames.event(req_id, 4, "echoed"));
    socket.push(frames.completion(req_id, "echo", 3));
    expect(await done).toBe("done");
    expect(seen.map((event) => event.seq)).toEqual([1, 3, 4]);
  });

  it("throws the problem after the events that came before it", async () => {
    const { fake, client } = setup();
    const socket = fake.socket.accept();
    const iterator = client.stream("fail");
    const first = iterator.next();
    await flush();
    socket.push(frames.event(socket.last.req_id, 1, "said"));
    socket.push(frames.problem(socket.last.req_id, 500, "internal_websocket_error"));
    expect((await first).value).toMatchObject({ event: "said" });
    await expect(iterator.next()).rejects.toBeInstanceOf(ProblemError);
  });

  it("throws on connection loss and on timeout", async () => {
    const { fake, client } = setup({ timeout: 1_000 });
    const socket = fake.socket.accept();
    const lost = client.stream("a").next();
    await flush();
    socket.drop();
    await expect(lost).rejects.toBeInstanceOf(ConnectionLostError);
    await vi.advanceTimersByTimeAsync(500);
    fake.socket.accept();
    const slow = client.stream("b").next().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await slow).toBeInstanceOf(TimeoutError);
  });

  it("forgets the request when the consumer stops early", async () => {
    const { fake, client } = setup({ timeout: 1_000 });
    const socket = fake.socket.accept();
    const done = (async () => {
      for await (const event of client.stream("feed")) {
        expect(event.event).toBe("item");
        break;
      }
    })();
    await flush();
    socket.push(frames.event(socket.last.req_id, 1, "item"));
    await done;
    expect(vi.getTimerCount()).toBe(0);
  });

  it("ends on a 0.3.0 server at the first reply event", async () => {
    const { fake, client } = setup();
    const socket = fake.socket.accept("access-token");
    const iterator = client.stream("x", {}, { replies: ["done"] });
    const first = iterator.next();
    await flush();
    socket.push(frames.event(socket.last.req_id, 1, "progress"));
    socket.push(frames.event(socket.last.req_id, 2, "done"));
    expect((await first).value).toMatchObject({ event: "progress" });
    expect((await iterator.next()).value).toMatchObject({ event: "done" });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });
});

describe("subscriptions", () => {
  it("calls handlers by event name and for every event, until unsubscribed", () => {
    const { fake, client } = setup();
    const socket = fake.socket.accept();
    const named: unknown[] = [];
    const all: string[] = [];
    const off = client.on("chat.message", (event) => named.push(event.payload));
    const handler = (event: EventFrame) => all.push(event.event);
    client.on("*", handler);
    socket.push(frames.event(null, 1, "chat.message", { text: "hi" }));
    socket.push(frames.event(null, 2, "other"));
    off();
    client.off("*", handler);
    socket.push(frames.event(null, 3, "chat.message", { text: "again" }));
    expect(named).toEqual([{ text: "hi" }]);
    expect(all).toEqual(["chat.message", "other"]);
  });

  it("shows subscribers the events answering your own requests too (req_id set)", async () => {
    const { fake, client } = setup();
    const socket = fake.socket.accept();
    const seen: (string | null)[] = [];
    client.on("said", (event) => seen.push(event.req_id));
    const reply = client.request("room.say");
    socket.push(frames.event(socket.last.req_id, 1, "said"));
    socket.push(frames.completion(socket.last.req_id, "room.say", 1));
    await reply;
    expect(seen).toEqual([socket.last.req_id]);
  });

  it("keeps going when a handler throws, and reports the error asynchronously", async () => {
    const { fake, client } = setup();
    const socket = fake.socket.accept();
    const reported: unknown[] = [];
    const microtasks = vi.spyOn(globalThis, "queueMicrotask").mockImplementation((task) => {
      try {
        task();
      } catch (error) {
        reported.push(error);
      }
    });
    const seen: number[] = [];
    client.on("a", () => {
      throw new Error("bad handler");
    });
    client.on("a", (event) => seen.push(event.seq));
    socket.push(frames.event(null, 1, "a"));
    microtasks.mockRestore();
    expect(seen).toEqual([1]);
    expect(reported).toEqual([new Error("bad handler")]);
  });
});

describe("exports", () => {
  it("states the runtime API level generated clients check", () => {
    expect(RUNTIME_API).toBe(2);
  });
});

describe("ids", () => {
  it("makes version 4 UUIDs with crypto.randomUUID, getRandomValues or Math.random", () => {
    const withGetRandomValues = { getRandomValues: <T extends ArrayBufferView | null>(array: T) => array };
    for (const source of [undefined, withGetRandomValues, null]) {
      const ids = new Set(Array.from({ length: 50 }, () => uuid(source)));
      for (const id of ids) expect(id).toMatch(UUID);
      expect(ids.size).toBe(source === withGetRandomValues ? 1 : 50);
    }
  });
});
