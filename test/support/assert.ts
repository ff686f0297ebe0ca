import assert from 'node:assert/strict';

/** The message of an error and of its causes: drivers wrap the server's words in `cause`. */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, i = 0; e && i < 5; i += 1) {
    parts.push(String((e as Error).message ?? e));
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(' | ');
}

export async function rejectsMatching(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (err) {
    assert.match(errorText(err), pattern);
    return;
  }
  assert.fail(`expected a rejection matching ${pattern}`);
}
