import type { CatalogueFeature } from '../api';

interface FeatureCheckboxesProps {
  catalogue: CatalogueFeature[];
  selected: string[];
  onChange: (selected: string[]) => void;
  error?: string | undefined;
  /** Which permissions the connection signs in with: a feature without them cannot be chosen. Default application. */
  permissionType?: 'application' | 'delegated';
}

const UNAVAILABLE_HINTS = {
  application: 'needs a delegated connection (a signed-in user)',
  delegated: 'needs an application connection (no signed-in user)',
};

/** One checkbox per catalogue feature; features with no permissions of the chosen type cannot be chosen here. */
export function FeatureCheckboxes({
  catalogue,
  selected,
  onChange,
  error,
  permissionType = 'application',
}: FeatureCheckboxesProps) {
  function toggle(id: string, checked: boolean) {
    const next = new Set(selected);
    if (checked) next.add(id);
    else next.delete(id);
    // Keep the catalogue's order, which is also the guide's.
    onChange(catalogue.map((feature) => feature.id).filter((feature) => next.has(feature)));
  }

  return (
    <fieldset className="features" aria-describedby={error ? 'features-error' : undefined}>
      <legend>Features</legend>
      {catalogue.map((feature) => {
        const unavailable = feature[permissionType] === null;
        return (
          <div className="feature" key={feature.id}>
            <label>
              <input
                type="checkbox"
                name="features"
                value={feature.id}
                checked={selected.includes(feature.id)}
                disabled={unavailable}
                onChange={(event) => toggle(feature.id, event.target.checked)}
                aria-describedby={`feature-${feature.id}`}
              />{' '}
              {feature.title}
            </label>{' '}
            <span className="hint" id={`feature-${feature.id}`}>
              <code>{feature.id}</code>
              {unavailable && ` · ${UNAVAILABLE_HINTS[permissionType]}`}
            </span>
          </div>
        );
      })}
      {error && (
        <p className="field-error" id="features-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
