import { faultPoint } from '../../../lib/fault-points.js';
import { ingest } from './ingest.js';
import { isIngestionEngineError, type EngineProgress, type EngineRequest } from './engine.types.js';

/**
 * Child process entry: receives one request over IPC, answers with one message, exits.
 * Running DuckDB here keeps a hostile file's worst case (native crash, runaway memory, a hang)
 * away from the API process, which only sees an exit code or a timeout.
 */

export type ChildReply =
  | { ok: true; result: Awaited<ReturnType<typeof ingest>> }
  | { ok: false; code: string; message: string; detail?: string };

/** Any number of progress messages, then exactly one reply. */
export type ChildMessage = { progress: EngineProgress } | ChildReply;

function reply(message: ChildReply): void {
  process.send?.(message, () => process.exit(0));
}

function sendProgress(progress: EngineProgress): void {
  if (process.connected) process.send?.({ progress } satisfies ChildMessage);
}

// The parent is gone (killed, crashed): nobody will read the answer, and DuckDB could go on
// for minutes holding memory and temp files. The IPC channel closing is how we learn it.
process.once('disconnect', () => process.exit(1));

process.once('message', (request: EngineRequest) => {
  ingest(request, sendProgress)
    .then(async (result) => {
      await faultPoint('ingest:engine');
      reply({ ok: true, result });
    })
    .catch((err: unknown) => {
      if (isIngestionEngineError(err)) {
        const cause = (err.cause as Error | undefined)?.message;
        reply({ ok: false, code: err.code, message: err.message, detail: cause?.slice(0, 2000) });
        return;
      }
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      reply({
        ok: false,
        code: 'engine_failed',
        message: 'The file could not be processed. Try again, and contact support if it persists.',
        detail: detail.slice(0, 2000),
      });
    });
});
