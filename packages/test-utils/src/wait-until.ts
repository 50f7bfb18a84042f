/** Options of {@link waitUntil}. */
export interface WaitUntilOptions {
  /** How long to wait before failing, in ms. Default 5 000. */
  readonly timeoutMs?: number;
  /** How often `check` is asked, in ms. Default 5. */
  readonly intervalMs?: number;
}

/**
 * Resolves once `check()` is true, asking it every `intervalMs` of real time; rejects with
 * `timed out waiting for {what}` after `timeoutMs`.
 * @example await waitUntil(() => coordinator.status().owned.length === 2, 'two owned sets');
 */
export async function waitUntil(check: () => boolean, what: string, options: WaitUntilOptions = {}): Promise<void> {
  const { timeoutMs = 5000, intervalMs = 5 } = options;
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
