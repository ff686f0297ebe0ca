import type { DuckDBConnection } from '@duckdb/node-api';

import type { EngineProgress } from './engine.types.js';

/**
 * Turns what the engine can observe (bytes of the upload read, lines seen, DuckDB's own query
 * progress) into one estimate of the whole run for a progress bar and an ETA. The weights are
 * the measured split of a gzip CSV upload: inflating and checking the text is about 40 % of
 * the time, the DuckDB scan and aggregation most of the rest.
 */

const READ_WEIGHT = 0.4;
const AGGREGATE_WEIGHT = 0.55;
const INTERVAL_MS = 250;

export type ProgressSink = (progress: EngineProgress) => void;

export class ProgressTracker {
  private last = 0;
  private bytesDone = 0;
  private rows = 0;
  private readonly state: EngineProgress;

  constructor(
    private readonly sink: ProgressSink,
    bytesTotal: number,
  ) {
    this.state = { step: 'reading', bytesRead: 0, bytesTotal, rows: 0, fraction: 0 };
  }

  /** Progress inside the current file; `fileDone` when it has been read to the end. */
  reading(bytes: number, lines: number, fileDone = false): void {
    const bytesRead = this.bytesDone + bytes;
    if (fileDone) {
      this.bytesDone = bytesRead;
      this.rows += Math.max(lines - 1, 0);
    }
    const rows = fileDone ? this.rows : this.rows + Math.max(lines - 1, 0);
    const share = this.state.bytesTotal > 0 ? bytesRead / this.state.bytesTotal : 1;
    this.emit({ step: 'reading', bytesRead, rows, fraction: READ_WEIGHT * share }, fileDone);
  }

  /** Polls DuckDB while `work` runs on file `index` of `count`. */
  async aggregating<T>(
    con: DuckDBConnection,
    index: number,
    count: number,
    work: () => Promise<T>,
  ): Promise<T> {
    const report = () => {
      const { percentage, rows_processed: processed } = con.progress;
      const within = percentage >= 0 ? Math.min(percentage, 100) / 100 : 0;
      const fraction = READ_WEIGHT + (AGGREGATE_WEIGHT * (index + within)) / count;
      const rows = Math.max(this.rows, Number(processed));
      this.emit({ step: 'aggregating', bytesRead: this.state.bytesTotal, rows, fraction }, false);
    };
    report();
    const timer = setInterval(report, INTERVAL_MS);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  writing(rows: number): void {
    this.rows = rows;
    const fraction = READ_WEIGHT + AGGREGATE_WEIGHT;
    this.emit({ step: 'writing', bytesRead: this.state.bytesTotal, rows, fraction }, true);
  }

  private emit(next: Omit<EngineProgress, 'bytesTotal'>, force: boolean): void {
    Object.assign(this.state, next);
    const now = performance.now();
    if (!force && now - this.last < INTERVAL_MS) return;
    this.last = now;
    this.sink({ ...this.state });
  }
}
