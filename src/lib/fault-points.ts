import { appendFileSync } from 'node:fs';

/**
 * Named points inside long operations where a fault test may hold a process still, so it can
 * kill it at exactly that step (test/faults). `FINOPS_FAULT_PAUSE_AT=<point>[,<point>…]` turns
 * them on, and only with NODE_ENV=test: a production process never pauses, whatever its
 * environment says. On reaching an enabled point the process writes one JSON line
 * `{"msg":"fault point reached","point":…,"pid":…}` to stderr, and appends it to the file
 * named by `FINOPS_FAULT_REPORT` when set (the engine child's stderr is not a test's to read),
 * then waits there forever.
 *
 * Points: `ingest:engine` (engine child, file read, before it answers), `ingest:staged` (facts
 * committed to staging, before the swap), `ingest:swap` (inside the swap transaction, old
 * periods deleted and new facts inserted, before the commit).
 */
export type FaultPoint = 'ingest:engine' | 'ingest:staged' | 'ingest:swap';

const enabled = new Set(
  process.env.NODE_ENV === 'test'
    ? (process.env.FINOPS_FAULT_PAUSE_AT ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [],
);

export async function faultPoint(point: FaultPoint): Promise<void> {
  if (!enabled.has(point)) return;
  const line = `${JSON.stringify({ msg: 'fault point reached', point, pid: process.pid })}\n`;
  process.stderr.write(line);
  if (process.env.FINOPS_FAULT_REPORT) appendFileSync(process.env.FINOPS_FAULT_REPORT, line);
  // A timer keeps the event loop (and so the process) alive until the test kills it.
  await new Promise<never>(() => setInterval(() => undefined, 60_000));
}
