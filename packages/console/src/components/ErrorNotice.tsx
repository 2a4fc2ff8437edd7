import type { ApiError, ErrorDetail } from '../api';
import { InlineText } from './InlineText';

interface ErrorNoticeProps {
  error: ApiError;
  /** Details already shown beside their fields are left out here. */
  details?: ErrorDetail[];
  onRetry?: () => void;
}

export function ErrorNotice({ error, details = error.details, onRetry }: ErrorNoticeProps) {
  return (
    <div className="notice notice-error" role="alert">
      <p>
        <strong>{error.message}</strong>
      </p>
      {error.fix && (
        <p>
          Fix: <InlineText text={error.fix} />
        </p>
      )}
      {details.length > 0 && (
        <ul>
          {details.map((detail) => (
            <li key={`${detail.path}:${detail.message}`}>
              {detail.path && <code>{detail.path}</code>} {detail.message}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
