export interface RadioOption<V extends string> {
  value: V;
  label: string;
  /** One line on what choosing it means, read out with the option. */
  hint: string;
}

interface RadioOptionsProps<V extends string> {
  /** The inputs' name, and the start of their hints' and error's IDs. */
  name: string;
  legend: string;
  options: readonly RadioOption<V>[];
  value: V;
  onChange: (value: V) => void;
  error?: string | undefined;
}

/** A group of radio buttons, each with its hint beneath, and the group's error. */
export function RadioOptions<V extends string>({
  name,
  legend,
  options,
  value,
  onChange,
  error,
}: RadioOptionsProps<V>) {
  return (
    <fieldset className="options" aria-describedby={error ? `${name}-error` : undefined}>
      <legend>{legend}</legend>
      {options.map((option) => (
        <div className="option" key={option.value}>
          <label>
            <input
              type="radio"
              name={name}
              value={option.value}
              checked={value === option.value}
              onChange={() => onChange(option.value)}
              aria-describedby={`${name}-${option.value}-hint`}
            />{' '}
            {option.label}
          </label>
          <p className="hint" id={`${name}-${option.value}-hint`}>
            {option.hint}
          </p>
        </div>
      ))}
      {error && (
        <p className="field-error" id={`${name}-error`}>
          {error}
        </p>
      )}
    </fieldset>
  );
}
