/**
 * What the browser tests run inside the page: scenarios written against the client GENERATED from
 * examples/chat/asyncapi.yaml (examples/chat/web/src/api), so they are type-checked too
 * (tests/codegen/test_typescript.py compiles this file). driver.mjs bundles it with esbuild and serves
 * it; test_browser.py calls each scenario and checks what it returns.
 */

import {
  type Client,
  ConnectionLostError,
  createClient,
  type EventFrame,
  type EventName,
  type Gap,
  type Resync,
  ProblemError,
} from "../../../examples/chat/web/src/api/index.js";
// The runtime, untyped: for the one action outside the schema (e2e.notify, tests/e2e/apps/chat.py).
import {
  type Client as UntypedClient,
  createClient as createUntypedClient,
  type Untyped,
} from "../../../examples/chat/web/src/api/runtime/index.js";

/** The server under test: driver.mjs serves this page from its own origin, with the URL in a meta tag. */
const url = (): string => document.querySelector<HTMLMetaElement>("meta[name=ws]")!.content;

function opened(client: { state: string; onState(handler: (state: string) => void): () => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    if (client.state === "open") return resolve();
    const off = client.onState((state) => {
      if (state === "open") resolve(off());
      if (state === "closed") reject(new Error("closed before opening"));
    });
  });
}

/** The next event named `name` on `client`. */
function next<E extends EventName>(client: Client, name: E, timeout = 10_000): Promise<EventFrame<E>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} within ${timeout} ms`)), timeout);
    const off = client.on(name, (event) => {
      clearTimeout(timer);
      off();
      resolve(event as EventFrame<E>); // `on` types its handler by a conditional type tsc cannot narrow here
    });
  });
}

const summary = (event: EventFrame) => ({
  event: event.event,
  payload: event.payload,
  recipient: event.recipient,
  recipient_id: event.recipient_id,
  has_req_id: event.req_id !== null,
  seq: event.seq,
});

async function outcome(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    return { resolved: await promise };
  } catch (error) {
    if (error instanceof ProblemError) {
      return {
        error: "ProblemError",
        status: error.status,
        code: error.code,
        type: error.type,
        pointers: error.errors.map((item) => item.pointer).sort(),
        has_req_id: error.req_id !== null,
      };
    }
    if (error instanceof ConnectionLostError) return { error: "ConnectionLostError", code: error.code };
    return { error: String(error) };
  }
}

/** Requests resolve with the typed events answering them, ended by completion frames. */
export async function requests(room: string): Promise<Record<string, unknown>> {
  const alice = createClient(url(), { token: "alice" });
  await opened(alice);
  const joined = await alice.request("chat.join", { room });
  const posted = await alice.request("chat.send", { room, text: "Hello from the browser" });
  const streamed = [];
  for await (const event of alice.stream("chat.typing", { room, typing: true })) streamed.push(summary(event));
  const left = await alice.request("chat.leave", { room });
  const result = {
    completion: alice.completion,
    joined: joined.map(summary),
    posted: posted.map(summary),
    streamed,
    left: left.map(summary),
  };
  alice.close();
  return result;
}

/** Problems reject with ProblemError: 422 from the schema (with pointers), 403 from a handler. */
export async function problems(room: string): Promise<Record<string, unknown>> {
  const bob = createClient(url(), { token: "bob" });
  const invalid = await outcome(bob.request("chat.send", { room: "Not A Room!", text: "" }));
  const notInRoom = await outcome(bob.request("chat.send", { room, text: "anyone?" }));
  // Still usable afterwards.
  const joined = await bob.request("chat.join", { room });
  bob.close();
  return { invalid, notInRoom, joinedAfter: joined.length };
}

/** Events pushed from other connections: to a room (group) and to a user. */
export async function pushes(room: string): Promise<Record<string, unknown>> {
  const alice = createClient(url(), { token: "alice" });
  const bob = createClient(url(), { token: "bob" });
  const carol = createUntypedClient(url(), { token: "carol" });
  await alice.request("chat.join", { room });
  await bob.request("chat.join", { room });
  const inRoom = next(alice, "chat.message_posted");
  await bob.request("chat.send", { room, text: "hi alice" });
  const group = await inRoom;
  const direct = next(alice, "chat.message_posted");
  const sent = await carol.request("e2e.notify", { user: "alice", text: "psst" });
  const user = await direct;
  for (const client of [alice, bob, carol]) client.close();
  return { group: summary(group), user: summary(user), senderSaw: sent.length };
}

/** The token authenticates: the server knows the user by it; a refused token never connects. */
export async function tokens(room: string): Promise<Record<string, unknown>> {
  const dave = createClient(url(), { token: async () => "dave" });
  await dave.request("chat.join", { room });
  const [posted] = await dave.request("chat.send", { room, text: "who am I?" });
  dave.close();
  const refused = createClient(url(), { token: "not a name!", maxRetries: 0 });
  const attempt = await outcome(refused.request("chat.join", { room }));
  const anonymous = createClient(url(), { maxRetries: 0 });
  const noToken = await outcome(anonymous.request("chat.join", { room }));
  return { author: posted?.payload.author, refused: attempt, refusedState: refused.state, noToken };
}

// -- a server restart: before, during and after ---------------------------------------------------

let survivor: Client | undefined;
const states: string[] = [];
const gaps: Gap[] = [];
const resyncs: Resync[] = [];
let queued: Promise<Record<string, unknown>> | undefined;

export async function beforeRestart(room: string): Promise<Record<string, unknown>> {
  survivor = createClient(url(), { token: "erin", retryDelay: 100, maxRetryDelay: 400, timeout: 60_000 });
  survivor.onState((state) => states.push(state));
  survivor.onGap((gap) => gaps.push(gap));
  survivor.onResync((resync) => resyncs.push(resync));
  const joined = await survivor.request("chat.join", { room });
  return { state: survivor.state, joined: joined.length };
}

/** Called while the server is down: the request waits in the queue. */
export async function duringRestart(room: string): Promise<Record<string, unknown>> {
  const client = survivor!;
  const deadline = Date.now() + 10_000;
  while (client.state === "open" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  queued = outcome(client.request("chat.join", { room }));
  return { state: client.state };
}

export async function afterRestart(room: string): Promise<Record<string, unknown>> {
  const client = survivor!;
  const rejoined = await queued;
  await opened(client);
  const [posted] = await client.request("chat.send", { room, text: "back again" });
  const result = { states: [...states], gaps, resyncs, rejoined, posted: posted ? summary(posted) : null };
  client.close();
  return result;
}

// -- one session across workers (test_adopt_browser.py): the worker dies, another adopts it -------

/** What the follower saw: each `said` event's text and seq, every gap and resync, every state. */
const trail = {
  texts: [] as string[],
  seqs: [] as number[],
  gaps: [] as Gap[],
  resyncs: [] as Resync[],
  states: [] as string[],
};
let follower: UntypedClient | undefined;

const sawSoFar = () => ({ ...trail, state: follower?.state ?? "none" });

/** A client of `user` (the conformance apps' token rule) that records the events pushed to it. */
export async function follow(user: string): Promise<Record<string, unknown>> {
  const client = (follower = createUntypedClient<Untyped>(url(), {
    token: `token-${user}`,
    retryDelay: 50,
    maxRetryDelay: 400,
    maxRetries: 100,
  }));
  client.onState((state) => trail.states.push(state));
  client.onGap((gap) => trail.gaps.push(gap));
  client.onResync((resync) => trail.resyncs.push(resync));
  client.on("said", (event) => {
    trail.texts.push(String(event.payload.text));
    trail.seqs.push(event.seq ?? -1);
  });
  await opened(client);
  return sawSoFar();
}

/**
 * Wait (at most 20 s) until the follower is open and saw `count` events (and `text`, if given), or a
 * resync came; then what it saw.
 */
export async function followed(count: string, text = ""): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  const saw = () => trail.texts.length >= Number(count) && (!text || trail.texts.includes(text));
  const done = () => (saw() && follower?.state == "open") || trail.resyncs.length > 0;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return sawSoFar();
}

/** One request: once it is answered, the server holds the follower's session (resumed or new). */
export async function roundTrip(): Promise<Record<string, unknown>> {
  const answer = await follower!.request("echo", { text: "ping" }, { timeout: 20_000 });
  return { ...sawSoFar(), echoed: answer.length };
}

export async function unfollow(): Promise<Record<string, unknown>> {
  follower?.close();
  return sawSoFar();
}

declare global {
  interface Window {
    e2e: Record<string, (...args: string[]) => Promise<Record<string, unknown>>>;
  }
}

window.e2e = {
  requests,
  problems,
  pushes,
  tokens,
  beforeRestart,
  duringRestart,
  afterRestart,
  follow,
  followed,
  roundTrip,
  unfollow,
};
