/**
 * Day and month parameters as every API takes them: `YYYY-MM-DD` / `YYYY-MM`, UTC, real
 * calendar dates from 2000 on. Billing data before 2000 cannot exist, and the bound also keeps
 * year 0000 (which PostgreSQL rejects) away from the database.
 */
export const EARLIEST_DAY = '2000-01-01';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A month written YYYY-MM, from 2000-01 on. */
export const MONTH = /^[2-9]\d{3}-(0[1-9]|1[0-2])$/;

/** True for a real calendar day written YYYY-MM-DD, from EARLIEST_DAY on. */
export function isRealDate(value: string): boolean {
  if (!DATE.test(value) || value < EARLIEST_DAY) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}
