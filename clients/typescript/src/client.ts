/**
 * The client: one WebSocket, requests correlated by `req_id`, events fanned out to subscribers, and
 * reconnects with exponential backoff and full jitter, resuming the server's session when it offers one.
 *
 * Life of a request: `start` gives it a `req_id` and either sends its frame (state `open`) or queues it.
 * It ends exactly once, through `end`: at its completion frame, at its problem frame, at its timeout,
 * when the socket it was sent on closes (on a resumable session: when the session cannot be resumed),
 * or (servers without completion frames) at its first reply event.
 *
 * Sessions (`beeflow.v2`): the server's first frame names the session; every later frame carries `seq`.
 * After a drop the client offers `beeflow.resume.<id>.<epoch>.<seq>` with the last `seq` it holds; the
 * server replays what followed it, or says `resync` with a reason and starts a new session.
 *
 * States and transitions:
 *
 * | from                     | on                                   | to             |
 * | ------------------------ | ------------------------------------ | -------------- |
 * | connecting, reconnecting | socket opened                        | open           |
 * | any but closed           | socket closed, retries left          | reconnecting   |
 * | any but closed           | socket closed, no retries left       | closed         |
 * | any                      | `close()`                            | closed         |
 */

import { ConnectionLostError, ProblemError, QueueFullError, TimeoutError } from "./errors.js";
import type {
  Client,
  ClientOptions,
  ConnectionState,
  EventFrame,
  Gap,
  Protocol,
  Resync,
  ResyncReason,
  Untyped,
  WebSocketLike,
} from "./types.js";
import { uuid } from "./uuid.js";

/** The subprotocol that asks the server for completion frames. */
export const COMPLETION = "beeflow.v1";
/** The subprotocol that asks for completion frames and a resumable session as well. */
export const SESSION = "beeflow.v2";

// The handler sets are untyped inside; the public `Client` interface types them.
type Handler = (value: any) => void;

interface Pending {
  /** The action frame, ready to send. */
  f: string;
  a: string;
  /** Reply event names (servers without completion frames). */
  r: readonly string[] | undefined;
  /** Timeout in milliseconds. */
  t: number;
  /** The socket it was sent on (else queued). */
  s?: WebSocketLike;
  h?: ReturnType<typeof setTimeout>;
  /** An event of the request arrived. */
  e(event: EventFrame): void;
  /** End the request (with an error, or successfully). */
  d(error?: Error): void;
}

const emitter = () => {
  const sets = new Map<string, Set<Handler>>();
  return {
    on(key: string, handler: Handler) {
      let set = sets.get(key);
      if (!set) sets.set(key, (set = new Set()));
      set.add(handler);
      return () => {
        set.delete(handler);
      };
    },
    off(key: string, handler: Handler) {
      sets.get(key)?.delete(handler);
    },
    emit(key: string, value: unknown) {
      sets.get(key)?.forEach((handler) => {
        try {
          handler(value);
        } catch (error) {
          // One failing subscriber must not stop the others, nor the client: report it asynchronously.
          queueMicrotask(() => {
            throw error;
          });
        }
      });
    },
  };
};

/**
 * Connect to `url` and return the client. The connection opens in the background; requests made
 * before it is open wait in the queue.
 *
 * `P` is the protocol map of a generated client; without it every name and payload is accepted.
 */
export function createClient<P extends Protocol = Untyped>(url: string, options: ClientOptions<P> = {}): Client<P> {
  const {
    token,
    WebSocket: Socket = globalThis.WebSocket as unknown as NonNullable<ClientOptions["WebSocket"]>,
    timeout = 30_000,
    maxRetries = Infinity,
    retryDelay = 1_000,
    maxRetryDelay = 30_000,
    random = Math.random,
    queueSize = 100,
  } = options;
  const replies = (options.replies ?? {}) as Record<string, readonly string[] | undefined>;
  if (!Socket) throw new TypeError("no WebSocket: pass options.WebSocket");

  const pending = new Map<string, Pending>();
  const events = emitter();
  const meta = emitter();
  let queue: Pending[] = [];
  let state: ConnectionState = "connecting";
  let socket: WebSocketLike | undefined;
  let completion = false;
  let v2 = false;
  /** The resumable session, as `beeflow.resume.<id>.<epoch>` (`seq` is the last frame of it received). */
  let session: string | undefined;
  let seq = 0;
  let retries = 0;
  let opened = false;
  let dropped: ConnectionLostError | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const setState = (next: ConnectionState) => {
    if (state !== next) meta.emit("state", (state = next));
  };

  const arm = (p: Pending) => {
    clearTimeout(p.h);
    // 0 and Infinity mean no timeout; so do delays setTimeout cannot hold (2^31 ms and more).
    if (p.t > 0 && p.t < 2 ** 31) p.h = setTimeout(() => p.d(new TimeoutError(p.a, p.t)), p.t);
  };

  const send = (p: Pending) => {
    (p.s = socket!).send(p.f);
    // A server without completion frames says nothing when an action without replies succeeds.
    if (!completion && p.r && !p.r.length) p.d();
  };

  /** Fail the requests sent on sockets other than the current one (all: queued ones too). */
  const fail = (error: Error, all?: boolean) => {
    for (const p of pending.values()) if (all || (p.s && p.s != socket)) p.d(error);
  };

  const connect = async () => {
    let ws: WebSocketLike;
    try {
      const secret = typeof token == "function" ? await token() : token;
      if (state == "closed") return;
      const offer = [SESSION, COMPLETION];
      if (session) offer.push(`${session}.${seq}`);
      if (secret) offer.push("access-token", secret);
      ws = socket = new Socket(url, offer);
    } catch {
      // The token could not be had, or the constructor refused the URL: count it as a failed attempt.
      return lost(1006, "");
    }
    ws.onopen = () => {
      if (ws != socket) return;
      v2 = ws.protocol == SESSION;
      completion = v2 || ws.protocol == COMPLETION;
      retries = 0;
      const last = seq;
      // The session frame that follows says whether the session resumed. Without a session to resume,
      // what the previous sockets were sent is lost, and so are the answers to what was sent on them.
      const resuming = v2 && !!session;
      if (!resuming) {
        session = undefined;
        seq = 0;
        if (dropped) fail(dropped);
      }
      // Send what waited before anybody hears of the new state, so requests keep their order.
      for (const p of queue.splice(0)) send(p);
      setState("open");
      if (opened && !resuming) meta.emit("gap", { reason: "reconnect", lastSeq: last } satisfies Gap);
      opened = true;
    };
    ws.onmessage = (message: { data: unknown }) => {
      if (ws == socket) receive(message.data);
    };
    ws.onclose = (close: { code: number; reason: string }) => {
      if (ws == socket) lost(close.code, close.reason);
    };
    // Browsers follow an error with a close event; some WebSockets (Node 20's) fire only the error
    // when the handshake is refused. Either way the socket is finished.
    ws.onerror = () => {
      if (ws == socket) {
        lost(1006, "");
        ws.close();
      }
    };
  };

  const lost = (code: number, reason: string) => {
    if (state == "closed") return;
    socket = undefined;
    const error = (dropped = new ConnectionLostError(code, reason));
    if (retries < maxRetries) {
      // A resumable session may still deliver their answers: they wait (and time out) meanwhile.
      if (!session) fail(error);
      setState("reconnecting");
      timer = setTimeout(connect, random() * Math.min(maxRetryDelay, retryDelay * 2 ** retries++));
    } else {
      fail(error, true);
      queue = [];
      setState("closed");
    }
  };

  const receive = (data: unknown) => {
    let frame;
    try {
      frame = JSON.parse(data as string);
    } catch {
      return; // not ours to judge: the server sends JSON text frames only
    }
    if (typeof frame != "object" || !frame) return;
    const n = frame.seq;
    // Told apart by their members, `status` first: a problem may carry extension members of any name.
    const problem = "status" in frame;
    if (v2 && n == null && frame.session) return welcome(frame.session);
    // On v2 every frame after the session frame is numbered; on v1 only events are.
    if (v2 ? n != null : !problem && "event" in frame) {
      if (v2 && n <= seq) return; // replayed twice: already handled
      if (n != seq + 1) meta.emit("gap", { reason: "seq", expected: seq + 1, received: n } satisfies Gap);
      seq = n;
    }
    const p = pending.get(frame.req_id);
    if (problem) {
      if (p) p.d(new ProblemError(frame));
      else meta.emit("problem", frame);
    } else if ("event" in frame) {
      if (p) {
        p.e(frame);
        if (!completion && (!p.r || p.r.includes(frame.event))) p.d();
        else arm(p);
      }
      events.emit(frame.event, frame);
      events.emit("*", frame);
    } else if ("completed" in frame) {
      p?.d();
    }
  };

  const welcome = (next: { id: string; epoch: string; resumed?: boolean; resync?: ResyncReason }) => {
    if (!next.resumed) {
      const last = seq;
      seq = 0;
      if (session) {
        // The server could not resume: requests sent before will never be answered.
        fail(dropped!);
        meta.emit("resync", { reason: next.resync ?? "unknown-session", lastSeq: last } satisfies Resync);
      }
    }
    session = `beeflow.resume.${next.id}.${next.epoch}`;
    // Only what the contract allows goes into a subprotocol (anything else would fail every handshake).
    if (!/^beeflow\.resume\.[0-9a-f]{32}\.[0-9a-f]{16}$/.test(session)) session = undefined;
  };

  const start = (
    action: string,
    payload: object | undefined,
    opts: { timeout?: number; replies?: readonly string[]; signal?: AbortSignal } | undefined,
    onEvent: (event: EventFrame) => void,
    onEnd: (error?: Error) => void,
  ) => {
    const id = uuid();
    const signal = opts?.signal;
    // A signal aborted without a reason (older browsers) still fails the request.
    const why = () => signal!.reason ?? new Error("aborted");
    const abort = () => p.d(why());
    const p: Pending = {
      f: JSON.stringify({ msg_id: uuid(), req_id: id, action, payload: payload ?? {} }),
      a: action,
      r: opts?.replies ?? replies[action],
      t: opts?.timeout ?? timeout,
      e: onEvent,
      d(error) {
        if (pending.delete(id)) {
          clearTimeout(p.h);
          signal?.removeEventListener("abort", abort);
          if (!p.s) queue = queue.filter((q) => q != p);
          onEnd(error);
        }
      },
    };
    if (signal?.aborted) {
      onEnd(why());
    } else if (state == "closed") {
      onEnd(new ConnectionLostError(1000, "client closed"));
    } else if (state != "open" && queue.length >= queueSize) {
      onEnd(new QueueFullError(queueSize));
    } else {
      pending.set(id, p);
      arm(p);
      signal?.addEventListener("abort", abort);
      if (state == "open") send(p);
      else queue.push(p);
    }
    return p.d;
  };

  const client = {
    get state() {
      return state;
    },
    get completion() {
      return completion;
    },
    request: (action: string, payload?: object, opts?: { timeout?: number; signal?: AbortSignal }) =>
      new Promise<EventFrame[]>((resolve, reject) => {
        const answer: EventFrame[] = [];
        start(
          action,
          payload,
          opts,
          (event) => answer.push(event),
          (error) => (error ? reject(error) : resolve(answer)),
        );
      }),
    async *stream(action: string, payload?: object, opts?: { timeout?: number; signal?: AbortSignal }) {
      const buffer: EventFrame[] = [];
      let wake: (() => void) | undefined;
      let ended = false;
      let failure: Error | undefined;
      const stop = start(
        action,
        payload,
        opts,
        (event) => {
          buffer.push(event);
          wake?.();
        },
        (error) => {
          ended = true;
          failure = error;
          wake?.();
        },
      );
      try {
        for (;;) {
          if (buffer.length) yield buffer.shift()!;
          else if (failure) throw failure;
          else if (ended) return;
          else await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        stop(); // the consumer left early: forget the request (the server may still answer it)
      }
    },
    on: events.on,
    off: events.off,
    onState: (handler: Handler) => meta.on("state", handler),
    onGap: (handler: Handler) => meta.on("gap", handler),
    onResync: (handler: Handler) => meta.on("resync", handler),
    onProblem: (handler: Handler) => meta.on("problem", handler),
    close() {
      clearTimeout(timer);
      const ws = socket;
      socket = undefined;
      fail(new ConnectionLostError(1000, "client closed"), true);
      queue = [];
      setState("closed");
      ws?.close(1000);
    },
  };
  void connect();
  return client as unknown as Client<P>;
}

/** Another name for {@link createClient}. */
export const connect = createClient;
