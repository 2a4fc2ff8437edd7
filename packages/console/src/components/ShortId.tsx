import { shortId } from '../display/format';
import { CopyButton } from './CopyButton';

interface ShortIdProps {
  id: string;
  /** What the ID is, for the copy button: "tenant ID". */
  what: string;
}

/** A long ID shown by its start and end (the whole ID on hover and for screen readers), with a copy button. */
export function ShortId({ id, what }: ShortIdProps) {
  const short = shortId(id);
  return (
    <span className="short-id">
      {short === id ? (
        <code>{id}</code>
      ) : (
        <code title={id}>
          <span aria-hidden="true">{short}</span>
          <span className="visually-hidden">{id}</span>
        </code>
      )}
      <CopyButton text={id} what={what} compact />
    </span>
  );
}
