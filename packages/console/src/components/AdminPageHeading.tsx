import type { RefObject } from 'react';
import { Breadcrumb } from './Breadcrumb';

interface AdminPageHeadingProps {
  title: string;
  /** The primary button that opens the page's add form: "Add webhook". */
  addLabel: string;
  addButton: RefObject<HTMLButtonElement | null>;
  onAdd: () => void;
}

/** An Admin page's breadcrumb, its heading (focused on arrival) and its add button. */
export function AdminPageHeading({ title, addLabel, addButton, onAdd }: AdminPageHeadingProps) {
  return (
    <>
      <Breadcrumb parent="Admin" current={title} />
      <div className="page-heading">
        <h1 tabIndex={-1}>{title}</h1>
        <button type="button" className="primary" ref={addButton} onClick={onAdd}>
          {addLabel}
        </button>
      </div>
    </>
  );
}
