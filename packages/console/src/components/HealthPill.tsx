import type { ReactNode } from 'react';
import type { Health } from '../display/health';

interface HealthPillProps {
  health: Health;
  /** Shown after the detail, e.g. when the last test ran. */
  children?: ReactNode;
}

/** One pill for how a thing stands, and beside it, in small print, what else to know. */
export function HealthPill({ health, children }: HealthPillProps) {
  return (
    <span className="health">
      <span className={`badge badge-${health.tone}`}>{health.label}</span>
      {(health.detail || children) && (
        <span className="muted small">
          {health.detail}
          {health.detail && children ? ' · ' : ''}
          {children}
        </span>
      )}
    </span>
  );
}
