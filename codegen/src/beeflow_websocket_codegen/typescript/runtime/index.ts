/**
 * `@beeflow/websocket-client`: the browser runtime of beeflow-websocket.
 *
 * ```ts
 * import { createClient } from "@beeflow/websocket-client";
 *
 * const client = createClient("wss://example.com/ws/", { token: () => auth.accessToken() });
 * const [health] = await client.request("health");
 * ```
 */

export { COMPLETION, connect, createClient, SESSION } from "./client.js";
export { RUNTIME_API } from "./compat.js";
export { ConnectionLostError, ProblemError, QueueFullError, TimeoutError } from "./errors.js";
export type {
  ActionFrame,
  ActionName,
  Client,
  ClientOptions,
  CompletionFrame,
  ConnectionState,
  ErrorItem,
  EventFrame,
  EventName,
  EventOf,
  Gap,
  PayloadOf,
  ProblemFrame,
  Protocol,
  ReplyOf,
  RequestArgs,
  RequestOptions,
  Resync,
  ResyncReason,
  TokenSource,
  Untyped,
  WebSocketConstructor,
  WebSocketLike,
} from "./types.js";
