/*
 * A small per-process cache of analytics answers. Keys carry the client's `cost_data_version`,
 * read in the answering transaction BEFORE the data, and the swap bumps that version in the
 * transaction that changes the facts: an entry can hold data newer than its key, never older,
 * so no answer outlives an ingestion. Entries of old versions are never asked for again and
 * age out of the LRU. Concurrent misses for one key share one computation.
 */

export interface AnswerCache {
  /** The cached answer for `key`, or `compute()`'s, remembered unless it fails. */
  get<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

export function createAnswerCache(maxEntries: number): AnswerCache {
  // A Map iterates in insertion order: re-inserting on a hit keeps the oldest entry first.
  const entries = new Map<string, Promise<unknown>>();

  return {
    get<T>(key: string, compute: () => Promise<T>): Promise<T> {
      const hit = entries.get(key);
      if (hit) {
        entries.delete(key);
        entries.set(key, hit);
        return hit as Promise<T>;
      }

      const answer = compute();
      entries.set(key, answer);
      // A failed computation is not an answer: the next caller tries again.
      answer.catch(() => {
        if (entries.get(key) === answer) entries.delete(key);
      });
      while (entries.size > maxEntries) {
        entries.delete(entries.keys().next().value!);
      }
      return answer;
    },
  };
}

/** The absent cache: every call computes. */
export const NO_CACHE: AnswerCache = { get: (_key, compute) => compute() };
