import type { Integration } from '../api';

/**
 * How customers' admins see an integration when they connect: its display name, and its logo's address. The logo is
 * linked, not shown: the console's own Content-Security-Policy loads images from this server only.
 */
export function IntegrationBranding({ integration }: { integration: Integration }) {
  return (
    <span className="muted small cell-note">
      Customers see “{integration.displayName}”
      {integration.logoUrl && (
        <>
          {' with '}
          <a href={integration.logoUrl} target="_blank" rel="noreferrer">
            its logo
          </a>
        </>
      )}
    </span>
  );
}
