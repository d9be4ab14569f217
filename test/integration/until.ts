/** Polling helper of the extension-host tests. */

/** The first truthy value of `get`, polled every 100 ms until `timeoutMs`. */
export async function until<T>(what: string, get: () => T | undefined | false, timeoutMs = 15000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
