/**
 * A random (version 4) UUID for `msg_id` and `req_id`: `crypto.randomUUID` where the page may use it
 * (secure contexts), else built from `crypto.getRandomValues`, else from `Math.random`.
 */
export const uuid = (c: Pick<Crypto, "getRandomValues"> & Partial<Pick<Crypto, "randomUUID">> | null | undefined = globalThis.crypto): string =>
  c?.randomUUID
    ? c.randomUUID()
    : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (d) =>
        (+d ^ ((c ? c.getRandomValues(new Uint8Array(1))[0]! : Math.random() * 256) & (15 >> (+d / 4)))).toString(16),
      );
