/** A one-line description of `error` for log context (`Name: message`), `undefined` for none. */
export function describeError(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
