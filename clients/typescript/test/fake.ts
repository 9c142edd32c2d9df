/**
 * A fake WebSocket, injected through `options.WebSocket`: the test plays the server, frame by frame.
 * No globals are touched.
 */

import type { WebSocketLike } from "../src/types.js";

export interface Sent {
  msg_id: string;
  req_id: string;
  action: string;
  payload: Record<string, unknown>;
}

export class FakeSocket implements WebSocketLike {
  protocol = "";
  onopen: ((event: unknown) => unknown) | null = null;
  onmessage: ((event: { data: unknown }) => unknown) | null = null;
  onclose: ((event: { code: number; reason: string }) => unknown) | null = null;
  onerror: ((event: unknown) => unknown) | null = null;
  readonly sent: string[] = [];
  closedWith: { code?: number | undefined; reason?: string | undefined } | undefined;

  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}

  send(data: string): void {
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }

  /** The server accepts the handshake and selects `protocol` ("" selects nothing). */
  accept(protocol = "beeflow.v1"): this {
    this.protocol = protocol;
    this.onopen?.({});
    return this;
  }

  /** The server sends a frame (an object is encoded as JSON). */
  push(frame: object | string | ArrayBuffer): void {
    this.onmessage?.({ data: typeof frame == "object" && !(frame instanceof ArrayBuffer) ? JSON.stringify(frame) : frame });
  }

  /** The connection closes (1006: dropped without a close frame). */
  drop(code = 1006, reason = ""): void {
    this.onclose?.({ code, reason });
  }

  /** The connection fails: an error event (browsers then fire close; Node 20 does not). */
  fail(): void {
    this.onerror?.({});
  }

  /** The action frames sent so far, decoded. */
  get frames(): Sent[] {
    return this.sent.map((text) => JSON.parse(text) as Sent);
  }

  /** The last action frame sent. */
  get last(): Sent {
    const frame = this.frames.at(-1);
    if (!frame) throw new Error("nothing was sent");
    return frame;
  }
}

/** A WebSocket constructor that records every socket it makes. */
export function fakeWebSocket() {
  const sockets: FakeSocket[] = [];
  class WebSocket extends FakeSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }
  return {
    WebSocket,
    sockets,
    /** The newest socket. */
    get socket(): FakeSocket {
      const socket = sockets.at(-1);
      if (!socket) throw new Error("no socket was made");
      return socket;
    },
  };
}

let counter = 0;
const id = () => `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, "0")}`;

/** Server frames, shaped as the Python server writes them. */
export const frames = {
  event(req_id: string | null, seq: number, event: string, payload: object = {}) {
    return { msg_id: id(), req_id, seq, event, recipient: "websocket", recipient_id: "ws-1", payload };
  },
  completion(req_id: string, completed: string, events: number, extra: object = {}) {
    return { msg_id: id(), req_id, completed, events, ...extra };
  },
  /** The first frame on a `beeflow.v2` connection. */
  session(session: { id: string; epoch: string; resumed?: boolean; resync?: string }) {
    return { msg_id: id(), session: { resumed: false, ...session } };
  },
  problem(req_id: string | null, status: number, code: string, extra: object = {}) {
    const msg_id = id();
    return {
      type: `https://example.com/problems/websocket/${code.replaceAll("_", "-")}`,
      title: "Problem",
      status,
      detail: `detail of ${code}`,
      code,
      instance: `urn:uuid:${msg_id}`,
      msg_id,
      req_id,
      ...extra,
    };
  },
};

/** Let pending promise callbacks (and awaited token functions) run. */
export async function flush(turns = 10): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await Promise.resolve();
}
