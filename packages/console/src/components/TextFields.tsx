import { TextField } from './TextField';

/** A text input of a form, named for the value it edits and for the API's errors about it. */
export interface TextFieldSpec<K extends string> {
  name: K;
  id: string;
  label: string;
  hint: string;
  type?: 'url';
  placeholder?: string;
  required?: boolean;
  /** Off for IDs, user names and addresses, which a spelling checker only marks as wrong. */
  spellCheck?: false;
}

interface TextFieldsProps<K extends string> {
  fields: TextFieldSpec<K>[];
  values: Record<K, string>;
  errors: Partial<Record<K, string>>;
  onChange: (name: K, value: string) => void;
}

/** A form's text inputs, each with its hint and its error; the browser offers no autocomplete in them. */
export function TextFields<K extends string>({ fields, values, errors, onChange }: TextFieldsProps<K>) {
  return fields.map(({ name, ...field }) => (
    <TextField
      key={name}
      {...field}
      value={values[name]}
      onChange={(e) => onChange(name, e.target.value)}
      error={errors[name]}
      autoComplete="off"
    />
  ));
}
