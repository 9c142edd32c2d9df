/**
 * The frames of the wire protocol as the client sees them, the protocol map a generated client passes
 * as a type parameter, and the client's options.
 *
 * The frame types come from `protocol.ts`, which `beeflow-websocket generate` writes from the
 * library's own schema (`schema/frames/*.json`); `make check` fails when it drifts.
 */

import type { EventFrame as WireEventFrame, ProblemFrame } from "./protocol.js";

export type { ActionFrame, CompletionFrame, ErrorItem, ProblemFrame } from "./protocol.js";

/**
 * An event frame (`schema/frames/event.json`): a push from the server, or one of the events answering a
 * request of yours, with its name `N` and payload `T`.
 */
export interface EventFrame<N extends string = string, T = Record<string, unknown>>
  extends Pick<WireEventFrame, "msg_id" | "req_id" | "seq" | "recipient" | "recipient_id"> {
  /** The event's wire name. */
  event: N;
  payload: T;
}

/**
 * What a protocol map describes. A generated client declares one as a type literal:
 *
 * ```ts
 * type Chat = {
 *   actions: {
 *     "chat.send": { payload: { to: string; text: string }; replies: "chat.sent" };
 *     "room.join": { payload: { room: string }; replies: never };
 *   };
 *   events: { "chat.sent": { text: string }; "chat.message": { sender: string; text: string } };
 * };
 * ```
 *
 * `replies` is the union of the event names that answer the action (the AsyncAPI `reply`); `never`
 * when nothing answers it.
 */
export interface Protocol {
  actions: object;
  events: object;
}

/** The default protocol map: any action name, any event name, JSON object payloads. */
export interface Untyped {
  actions: Record<string, { payload: Record<string, unknown>; replies: string }>;
  events: Record<string, Record<string, unknown>>;
}

export type ActionName<P extends Protocol> = keyof P["actions"] & string;
export type EventName<P extends Protocol> = keyof P["events"] & string;

/** The payload type of action `A`. */
export type PayloadOf<P extends Protocol, A extends ActionName<P>> = P["actions"][A] extends { payload: infer T }
  ? T
  : Record<string, never>;

/** The names of the events answering action `A` (every event name when the map does not say). */
export type ReplyOf<P extends Protocol, A extends ActionName<P>> = P["actions"][A] extends { replies: infer R }
  ? R & EventName<P>
  : EventName<P>;

/** The event frames named `E`, as a union discriminated by `event`. */
export type EventOf<P extends Protocol, E extends EventName<P> = EventName<P>> = {
  [K in E]: EventFrame<K, P["events"][K]>;
}[E];

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

/**
 * Events may have been lost. `seq`: the server's counter jumped within one connection (events
 * `expected` to `received - 1` never arrived). `reconnect`: a new connection opened without a session
 * to resume (a server that does not offer `beeflow.v2`); pushes sent while the client was disconnected
 * are lost (`lastSeq` is the last `seq` of the previous connection).
 */
export type Gap = { reason: "seq"; expected: number; received: number } | { reason: "reconnect"; lastSeq: number };

/**
 * Why the server could not resume the session (`schema/`'s closed enum): it does not know the session
 * (never seen, or expired), its history store lost its data or restarted (`epoch-changed`), its
 * history no longer holds every frame after the client's `seq` (`history-gap`), or the handshake's
 * user is not the session's (`user-changed`).
 */
export type ResyncReason = "unknown-session" | "epoch-changed" | "history-gap" | "user-changed";

/**
 * The session could not be resumed after a reconnect: the server started a new one. What was sent to
 * the client while it was away is lost, groups joined before are left, and requests sent before the
 * drop whose answer had not arrived were rejected with `ConnectionLostError`. `lastSeq`: the last
 * `seq` received in the old session.
 */
export interface Resync {
  reason: ResyncReason;
  lastSeq: number;
}

export interface RequestOptions<P extends Protocol = Untyped, A extends ActionName<P> = ActionName<P>> {
  /** Milliseconds to wait for the first frame of the answer and then between its frames; 0 or Infinity: forever. */
  timeout?: number;
  /**
   * The events answering the action, for servers without completion frames (0.3.0): the request ends
   * at the first of them; `[]` ends it once the frame is sent. Defaults to the client's `replies` table.
   */
  replies?: readonly ReplyOf<P, A>[];
  /** Abandon the request when this signal aborts: it rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** `payload` may be left out when every field of the action's payload is optional. */
export type RequestArgs<P extends Protocol, A extends ActionName<P>> =
  {} extends PayloadOf<P, A>
    ? [payload?: PayloadOf<P, A>, options?: RequestOptions<P, A>]
    : [payload: PayloadOf<P, A>, options?: RequestOptions<P, A>];

/** What the client needs of a WebSocket: the browser's `WebSocket` (or a test double) fits. */
export interface WebSocketLike {
  readonly protocol: string;
  onopen: ((event: any) => unknown) | null;
  onmessage: ((event: any) => unknown) | null;
  onclose: ((event: any) => unknown) | null;
  onerror: ((event: any) => unknown) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Called as `new WebSocket(url, protocols)`, always with an array of subprotocols. */
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

/** An access token, or a function returning one, called before every connection attempt. */
export type TokenSource =
  | string
  | null
  | undefined
  | (() => string | null | undefined | PromiseLike<string | null | undefined>);

export interface ClientOptions<P extends Protocol = Untyped> {
  /** Sent as the subprotocols `access-token`, TOKEN (never in the URL). Re-read on every reconnect. */
  token?: TokenSource;
  /** The WebSocket constructor; defaults to `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** Default request timeout in milliseconds (30 000); see {@link RequestOptions.timeout}. */
  timeout?: number;
  /** Reply events per action, for servers without completion frames; a generated client fills it in. */
  replies?: { [A in ActionName<P>]?: readonly ReplyOf<P, A>[] };
  /** Reconnect attempts in a row before giving up (Infinity); 0 disables reconnecting. */
  maxRetries?: number;
  /** Backoff base in milliseconds (1 000): attempt n waits random() * min(maxRetryDelay, retryDelay * 2^n). */
  retryDelay?: number;
  /** Backoff cap in milliseconds (30 000). */
  maxRetryDelay?: number;
  /** Random numbers in [0, 1) for the jitter (Math.random). */
  random?: () => number;
  /** Requests held while disconnected (100); more are rejected with `QueueFullError`. */
  queueSize?: number;
}

export interface Client<P extends Protocol = Untyped> {
  /** `connecting`, `open`, `reconnecting` or `closed`. */
  readonly state: ConnectionState;
  /** Whether the current connection sends completion frames (the server selected `beeflow.v2` or `beeflow.v1`). */
  readonly completion: boolean;
  /**
   * Run an action; resolve with the events answering it, once the request has ended (see the docs for
   * servers without completion frames). Rejects with `ProblemError`, `TimeoutError`,
   * `ConnectionLostError` or `QueueFullError`. On a resumable session a request in flight survives a
   * drop: its answer may come in the replay; it rejects with `ConnectionLostError` only if the
   * session cannot be resumed or the client gives up reconnecting.
   */
  request<A extends ActionName<P>>(action: A, ...args: RequestArgs<P, A>): Promise<EventOf<P, ReplyOf<P, A>>[]>;
  /**
   * Run an action and iterate over its events as they arrive; the action is sent when iteration
   * starts. Ends with the request; throws what `request` rejects with.
   */
  stream<A extends ActionName<P>>(action: A, ...args: RequestArgs<P, A>): AsyncGenerator<EventOf<P, ReplyOf<P, A>>, void>;
  /** Call `handler` with every event named `event` (`"*"`: every event); returns the unsubscribe. */
  on<E extends EventName<P> | "*">(
    event: E,
    handler: (event: E extends "*" ? EventOf<P> : EventOf<P, E & EventName<P>>) => void,
  ): () => void;
  off<E extends EventName<P> | "*">(
    event: E,
    handler: (event: E extends "*" ? EventOf<P> : EventOf<P, E & EventName<P>>) => void,
  ): void;
  /** Call `handler` on every change of `state`; returns the unsubscribe. */
  onState(handler: (state: ConnectionState) => void): () => void;
  /** Call `handler` when events may have been lost; returns the unsubscribe. */
  onGap(handler: (gap: Gap) => void): () => void;
  /**
   * Call `handler` when a reconnect could not resume the session (`beeflow.v2` servers): the
   * application's state is stale, reload it (and join groups again); returns the unsubscribe.
   */
  onResync(handler: (resync: Resync) => void): () => void;
  /** Call `handler` with problems that answer no pending request (`req_id` null or unknown). */
  onProblem(handler: (problem: ProblemFrame) => void): () => void;
  /** Close for good: stop reconnecting, reject what is pending with `ConnectionLostError`. */
  close(): void;
}
