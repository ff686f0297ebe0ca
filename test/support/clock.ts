import type { Clock } from '../../src/lib/clock.js';

/** Real time plus an offset that tests move forward, to cross lock and expiry windows. */
export class TestClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
