/**
 * What a request can fail with. Whose fault it was:
 *
 * - `ProblemError`: the server answered with an RFC 9457 problem; `status` 4xx means the request was
 *   wrong (fix the call), 5xx means the server failed (the server log has the `instance`); 429 with
 *   `retry_after` means a rate limit refused it: send again after that many seconds.
 * - `TimeoutError`: nothing about the request arrived in time; the action may or may not have run.
 * - `ConnectionLostError`: the socket closed while the request was in flight (the action may or may
 *   not have run) and no session could be resumed, or the client was closed or gave up reconnecting
 *   before the request ended.
 * - `QueueFullError`: the client is disconnected and already holds `queueSize` requests; nothing was sent.
 */

import type { ErrorItem, ProblemFrame } from "./types.js";

/** The server answered the request with a problem. */
export class ProblemError extends Error {
  override name = "ProblemError";
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string | null;
  readonly code: string;
  readonly instance: string | null;
  readonly req_id: string | null;
  /** Field-level failures (`[]` when there are none). */
  readonly errors: ErrorItem[];
  /** Seconds to wait before sending again (a 429 `websocket_rate_limited` problem), else null. */
  readonly retry_after: number | null;

  /** `problem` is the whole frame, extension members included. */
  constructor(readonly problem: ProblemFrame) {
    super(`${problem.status} ${problem.code}: ${problem.detail ?? problem.title}`);
    this.type = problem.type;
    this.title = problem.title;
    this.status = problem.status;
    this.detail = problem.detail ?? null;
    this.code = problem.code;
    this.instance = problem.instance ?? null;
    this.req_id = problem.req_id ?? null;
    this.errors = problem.errors ?? [];
    this.retry_after = problem.retry_after ?? null;
  }
}

/** Nothing about the request arrived within `timeout` milliseconds. */
export class TimeoutError extends Error {
  override name = "TimeoutError";

  constructor(
    readonly action: string,
    readonly timeout: number,
  ) {
    super(`${action}: no answer within ${timeout} ms`);
  }
}

/** The connection closed before the request ended; `code` and `reason` are the socket's close code and reason. */
export class ConnectionLostError extends Error {
  override name = "ConnectionLostError";

  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`connection lost (${code}${reason && " " + reason})`);
  }
}

/** The client is disconnected and its queue is full; the request was not sent. */
export class QueueFullError extends Error {
  override name = "QueueFullError";

  constructor(readonly size: number) {
    super(`${size} requests already wait for a connection`);
  }
}
