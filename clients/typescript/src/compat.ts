/**
 * What generated code needs from the runtime. `RUNTIME_API` grows by one whenever the runtime gains
 * something generated clients rely on (as `beeflow_websocket.core.compat.RUNTIME_API` does for the
 * Python runtime), so a generated client can refuse an older runtime with a clear message:
 *
 * ```ts
 * if (RUNTIME_API < 1) throw new Error("generated for @beeflow/websocket-client runtime API 1: upgrade it");
 * ```
 *
 * 1: `createClient<P>(url, options)` with protocol maps (`actions`: `payload`, `replies`; `events`),
 * the `replies` option, `request`, `stream`, `on`.
 * 2: resumable sessions (`beeflow.v2`): `onResync` and the `Resync`, `ResyncReason` types;
 * `ProblemError.retry_after`.
 */
export const RUNTIME_API: number = 2;
