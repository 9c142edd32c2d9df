/**
 * Type tests of the GENERATED chat client (examples/chat/web/src/api, from examples/chat/asyncapi.yaml).
 * tests/codegen/test_typescript.py compiles this file with `tsc --strict`: every line marked
 * `// @ts-expect-error` must stay an error (else tsc reports an unused directive), every other line
 * must compile.
 */

import {
  type ActionName,
  type ActionPayload,
  type Client,
  createClient,
  type EventFrame,
  type EventName,
  type models,
  ProblemError,
  type ReplyFrame,
  replies,
  type Resync,
  type ResyncReason,
} from "../../../examples/chat/web/src/api/index.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assert = <T extends true>(_: T): void => undefined;

class NoSocket {
  protocol = "";
  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;
  constructor(_url: string, _protocols: string[]) {}
  send(_data: string): void {}
  close(): void {}
}

const client: Client = createClient("ws://127.0.0.1:1/ws/", { token: "alice", WebSocket: NoSocket, maxRetries: 0 });

export async function actions(): Promise<void> {
  // Action names and payloads come from the schema.
  const joined = await client.request("chat.join", { room: "lobby" });
  assert<Equal<typeof joined, EventFrame<"chat.joined">[]>>(true);
  assert<Equal<(typeof joined)[number]["payload"], models.Presence>>(true);
  const [posted] = await client.request("chat.send", { room: "lobby", text: "hi" });
  if (posted) {
    assert<Equal<typeof posted.event, "chat.message_posted">>(true);
    const { id, author, text, sent_at }: models.ChatMessage = posted.payload;
    void [id, author, text, sent_at];
  }
  // @ts-expect-error: no such action
  await client.request("chat.shout", { room: "lobby", text: "hi" });
  // @ts-expect-error: a field the payload does not have (additionalProperties: false)
  await client.request("chat.send", { room: "lobby", text: "hi", color: "red" });
  // @ts-expect-error: a required field is missing
  await client.request("chat.send", { room: "lobby" });
  // @ts-expect-error: a field of the wrong type
  await client.request("chat.typing", { room: "lobby", typing: "yes" });
  // @ts-expect-error: the payload is required
  await client.request("chat.join");
  // @ts-expect-error: not a reply of chat.send
  await client.request("chat.send", { room: "lobby", text: "hi" }, { replies: ["chat.joined"] });
  for await (const event of client.stream("chat.typing", { room: "lobby", typing: true })) {
    assert<Equal<typeof event, ReplyFrame<"chat.typing">>>(true);
    assert<Equal<typeof event.payload.typing, boolean>>(true);
  }
}

export function events(): void {
  client.on("chat.message_posted", (event) => {
    assert<Equal<typeof event.payload, models.ChatMessage>>(true);
    assert<Equal<typeof event.req_id, string | null>>(true);
  });
  client.on("*", (event) => {
    if (event.event === "chat.typing_changed") assert<Equal<typeof event.payload.user, string>>(true);
  });
  // @ts-expect-error: no such event
  client.on("chat.message", () => undefined);
  // @ts-expect-error: a handler of another event's payload
  client.on("chat.joined", (event: EventFrame<"chat.message_posted">) => event);
  // @ts-expect-error: a payload member the event does not have
  client.on("chat.left", (event) => event.payload.text);
}

export function names(): void {
  assert<Equal<ActionName, "chat.join" | "chat.leave" | "chat.send" | "chat.typing">>(true);
  assert<Equal<EventName, "chat.joined" | "chat.left" | "chat.message_posted" | "chat.typing_changed">>(true);
  assert<Equal<ActionPayload<"chat.send">, models.ChatSendPayload>>(true);
  assert<Equal<(typeof replies)["chat.join"], readonly "chat.joined"[]>>(true);
  // @ts-expect-error: a room name is text
  const room: models.RoomName = 1;
  void room;
}

export function problems(error: unknown): string[] {
  if (error instanceof ProblemError && error.status === 422) return error.errors.map((item) => item.pointer);
  return [];
}

export function sessions(): void {
  // The generated client carries the runtime's resync signal, typed by the closed enum of reasons.
  const off = client.onResync((resync) => {
    assert<Equal<typeof resync, Resync>>(true);
    assert<Equal<typeof resync.reason, ResyncReason>>(true);
    assert<Equal<ResyncReason, "unknown-session" | "epoch-changed" | "history-gap" | "user-changed">>(true);
    // @ts-expect-error: not a reason the server sends
    if (resync.reason === "timeout") return;
  });
  off();
}

export function rateLimits(error: unknown): number | null {
  return error instanceof ProblemError && error.status === 429 ? error.retry_after : null;
}
