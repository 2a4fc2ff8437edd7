import { formatDateTime, relativeTime } from '../display/format';
import { useNow } from '../state/useNow';

/** A moment as "3 minutes ago", kept current, with the exact date and time on hover. */
export function RelativeTime({ iso, className }: { iso: string; className?: string }) {
  const now = useNow();
  const exact = formatDateTime(iso);
  return (
    <time dateTime={iso} title={exact} className={className}>
      {relativeTime(iso, now)}
    </time>
  );
}
