/**
 * Type tests: what a generated protocol map buys. Each `// @ts-expect-error` must stay an error, or tsc
 * (vitest typecheck and `npm run typecheck`) fails.
 */

import { describe, expectTypeOf, it } from "vitest";

import {
  type Client,
  createClient,
  type EventFrame,
  type EventOf,
  type Gap,
  type ProblemFrame,
  ProblemError,
  type Resync,
  type ResyncReason,
  type WebSocketConstructor,
} from "../src/index.js";
import { fakeWebSocket } from "./fake.js";

type Chat = {
  actions: {
    "chat.send": { payload: { to: string; text: string }; replies: "chat.sent" };
    "room.join": { payload: { room: string }; replies: never };
    health: { payload: Record<string, never>; replies: "health" };
    search: { payload: { query?: string }; replies: "search.hit" | "search.done" };
  };
  events: {
    "chat.sent": { text: string };
    "chat.message": { sender: string; text: string };
    health: { status: "ok" };
    "search.hit": { id: number };
    "search.done": { total: number };
  };
};

// Generated code may declare its payloads as interfaces.
interface Move {
  x: number;
  y: number;
}
interface Moved {
  by: string;
}
type Game = {
  actions: { move: { payload: Move; replies: "moved" } };
  events: { moved: Moved };
};

const { WebSocket } = fakeWebSocket();
const chat = createClient<Chat>("wss://example.com/ws/", { WebSocket });

describe("a typed client", () => {
  it("checks action names and payloads", () => {
    void chat.request("chat.send", { to: "bob", text: "hi" });
    void chat.request("chat.send", { to: "bob", text: "hi" }, { timeout: 5_000, replies: ["chat.sent"] });
    // @ts-expect-error: no such action
    void chat.request("chat.shout", { to: "bob", text: "hi" });
    // @ts-expect-error: a required field is missing
    void chat.request("chat.send", { to: "bob" });
    // @ts-expect-error: a field of the wrong type
    void chat.request("chat.send", { to: "bob", text: 1 });
    // @ts-expect-error: a field the payload does not have
    void chat.request("chat.send", { to: "bob", text: "hi", extra: true });
    // @ts-expect-error: the payload is required
    void chat.request("chat.send");
    // @ts-expect-error: not a reply of chat.send
    void chat.request("chat.send", { to: "bob", text: "hi" }, { replies: ["chat.message"] });
  });

  it("lets the payload out when nothing in it is required", () => {
    void chat.request("health");
    void chat.request("search");
    void chat.request("search", { query: "x" });
    // @ts-expect-error: health takes no fields
    void chat.request("health", { verbose: true });
  });

  it("resolves with the reply events, discriminated by name", () => {
    expectTypeOf(chat.request("chat.send", { to: "b", text: "t" })).resolves.toEqualTypeOf<
      EventFrame<"chat.sent", { text: string }>[]
    >();
    expectTypeOf(chat.request("room.join", { room: "r" })).resolves.toEqualTypeOf<never[]>();
    void chat.request("search").then((events) => {
      for (const event of events) {
        if (event.event == "search.hit") expectTypeOf(event.payload).toEqualTypeOf<{ id: number }>();
        else expectTypeOf(event.payload).toEqualTypeOf<{ total: number }>();
      }
    });
  });

  it("streams the reply events", async () => {
    for await (const event of chat.stream("search", { query: "q" })) {
      expectTypeOf(event).toEqualTypeOf<EventOf<Chat, "search.hit" | "search.done">>();
    }
    // @ts-expect-error: no such action
    chat.stream("nope");
  });

  it("types event handlers by event name", () => {
    const off = chat.on("chat.message", (event) => {
      expectTypeOf(event.payload).toEqualTypeOf<{ sender: string; text: string }>();
      expectTypeOf(event.event).toEqualTypeOf<"chat.message">();
      expectTypeOf(event.req_id).toEqualTypeOf<string | null>();
    });
    expectTypeOf(off).toEqualTypeOf<() => void>();
    chat.on("*", (event) => {
      expectTypeOf(event).toEqualTypeOf<EventOf<Chat>>();
      if (event.event == "health") expectTypeOf(event.payload.status).toEqualTypeOf<"ok">();
    });
    // @ts-expect-error: no such event
    chat.on("chat.mesage", () => undefined);
    // @ts-expect-error: the handler expects another payload
    chat.on("chat.message", (event: EventFrame<"chat.message", { id: number }>) => event);
    const handler = (event: EventOf<Chat, "health">) => event;
    chat.on("health", handler);
    chat.off("health", handler);
    // @ts-expect-error: a handler of another event
    chat.off("chat.sent", handler);
  });

  it("types the replies table", () => {
    createClient<Chat>("wss://x/", { WebSocket, replies: { "chat.send": ["chat.sent"], "room.join": [] } });
    // @ts-expect-error: not a reply of chat.send
    createClient<Chat>("wss://x/", { WebSocket, replies: { "chat.send": ["health"] } });
    // @ts-expect-error: no such action
    createClient<Chat>("wss://x/", { WebSocket, replies: { "chat.shout": [] } });
  });

  it("accepts payload and event types declared as interfaces", () => {
    const game = createClient<Game>("wss://x/", { WebSocket });
    expectTypeOf(game.request("move", { x: 1, y: 2 })).resolves.toEqualTypeOf<EventFrame<"moved", Moved>[]>();
    // @ts-expect-error: y is missing
    void game.request("move", { x: 1 });
  });
});

describe("the untyped default", () => {
  const client = createClient("wss://example.com/ws/", { WebSocket });

  it("takes any action and payload object", () => {
    void client.request("anything");
    void client.request("anything", { free: ["form"] }, { replies: ["whatever"] });
    expectTypeOf(client.request("x")).resolves.toEqualTypeOf<EventFrame<string, Record<string, unknown>>[]>();
    // @ts-expect-error: payloads are objects
    void client.request("anything", "text");
    client.on("whatever", (event) => expectTypeOf(event.payload).toEqualTypeOf<Record<string, unknown>>());
    expectTypeOf(client).toEqualTypeOf<Client>();
  });
});

describe("options and state", () => {
  it("accepts the browser's WebSocket constructor", () => {
    expectTypeOf(globalThis.WebSocket).toExtend<WebSocketConstructor>();
  });

  it("accepts token strings and (async) token functions", () => {
    createClient("wss://x/", { WebSocket, token: "t" });
    createClient("wss://x/", { WebSocket, token: () => "t" });
    createClient("wss://x/", { WebSocket, token: async () => null });
    // @ts-expect-error: a token is text
    createClient("wss://x/", { WebSocket, token: 42 });
  });

  it("types the state, gaps and problems", () => {
    expectTypeOf(chat.state).toEqualTypeOf<"connecting" | "open" | "reconnecting" | "closed">();
    chat.onGap((gap) => {
      expectTypeOf(gap).toEqualTypeOf<Gap>();
      if (gap.reason == "seq") expectTypeOf(gap.expected).toEqualTypeOf<number>();
    });
    chat.onProblem((problem) => expectTypeOf(problem).toEqualTypeOf<ProblemFrame>());
    chat.onResync((resync) => {
      expectTypeOf(resync).toEqualTypeOf<Resync>();
      expectTypeOf(resync.reason).toEqualTypeOf<"unknown-session" | "epoch-changed" | "history-gap" | "user-changed">();
      expectTypeOf(resync.lastSeq).toEqualTypeOf<number>();
      // @ts-expect-error: the reasons are a closed enum
      if (resync.reason == "expired") return;
    });
    expectTypeOf(chat.onResync(() => {})).toEqualTypeOf<() => void>();
    expectTypeOf<ResyncReason>().toEqualTypeOf<Resync["reason"]>();
    // @ts-expect-error: read-only
    chat.state = "open";
  });

  it("gives ProblemError the RFC 9457 members", () => {
    const error = new ProblemError({ type: "about:blank", title: "t", status: 400, code: "c", msg_id: "m" });
    expectTypeOf(error.errors).toEqualTypeOf<{ pointer: string; detail: string }[]>();
    expectTypeOf(error.status).toEqualTypeOf<number>();
    expectTypeOf(error.detail).toEqualTypeOf<string | null>();
    expectTypeOf(error.retry_after).toEqualTypeOf<number | null>();
  });
});
