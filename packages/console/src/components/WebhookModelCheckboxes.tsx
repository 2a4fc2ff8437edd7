/** The models a webhook can be limited to, in the feed's order. */
export const WEBHOOK_MODELS = ['users', 'groups', 'memberships'] as const;

interface WebhookModelCheckboxesProps {
  selected: string[];
  onChange: (selected: string[]) => void;
  error?: string | undefined;
}

/** One checkbox per model of the change feed; none checked means every model. */
export function WebhookModelCheckboxes({ selected, onChange, error }: WebhookModelCheckboxesProps) {
  function toggle(model: string, checked: boolean) {
    const next = new Set(selected);
    if (checked) next.add(model);
    else next.delete(model);
    onChange(WEBHOOK_MODELS.filter((m) => next.has(m)));
  }

  const described = ['webhook-models-hint', error && 'webhook-models-error'].filter(Boolean).join(' ');
  return (
    <fieldset className="options" aria-describedby={described}>
      <legend>Models</legend>
      {WEBHOOK_MODELS.map((model) => (
        <div className="option" key={model}>
          <label>
            <input
              type="checkbox"
              name="webhook-models"
              value={model}
              checked={selected.includes(model)}
              onChange={(event) => toggle(model, event.target.checked)}
            />{' '}
            {model}
          </label>
        </div>
      ))}
      <p className="hint" id="webhook-models-hint">
        None checked: every model.
      </p>
      {error && (
        <p className="field-error" id="webhook-models-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
