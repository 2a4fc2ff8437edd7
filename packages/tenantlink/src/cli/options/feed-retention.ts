import { UsageError } from '../io.js';

/** `--feed-retention-days` or TENANTLINK_FEED_RETENTION_DAYS: whole days (0: for ever); undefined when not given. */
export function feedRetentionDays(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d{1,5}$/.test(value.trim()))
    throw new UsageError(`The feed retention must be a whole number of days (0: for ever), not '${value}'.`);
  return Number(value.trim());
}
