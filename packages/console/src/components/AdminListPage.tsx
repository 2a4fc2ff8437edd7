import { type ReactNode, type RefObject, useEffect, useId, useRef, useState } from 'react';
import type { Loaded } from '../state/useLoad';
import { Breadcrumb } from './Breadcrumb';
import { LoadedContent } from './LoadedContent';

/** An admin list page's state that its callbacks need: the add form, the announcement, the add button. */
export interface AdminList {
  adding: boolean;
  openAddForm: () => void;
  closeAddForm: () => void;
  addButton: RefObject<HTMLButtonElement | null>;
  formHeading: RefObject<HTMLHeadingElement | null>;
  announcement: string;
  /** Says what just happened, to everyone (a status region) and on screen. */
  announce: (message: string) => void;
  /** After a row is removed: focus would be lost with its menu, so it goes to the add button. */
  focusAddButton: () => void;
}

/**
 * The state of an admin list page. Opening the add form moves focus to its heading (or there again when it is already
 * open); closing it moves focus to `returnFocus()` when that gives an element (a secret shown once), else back to the
 * add button.
 */
export function useAdminList(returnFocus?: () => HTMLElement | null): AdminList {
  const [adding, setAdding] = useState(false);
  const [announcement, announce] = useState('');
  const addButton = useRef<HTMLButtonElement>(null);
  const formHeading = useRef<HTMLHeadingElement>(null);
  const focusOnClose = useRef(returnFocus);
  focusOnClose.current = returnFocus;

  const wasAdding = useRef(adding);
  useEffect(() => {
    if (adding && !wasAdding.current) formHeading.current?.focus();
    if (!adding && wasAdding.current) (focusOnClose.current?.() ?? addButton.current)?.focus();
    wasAdding.current = adding;
  }, [adding]);

  return {
    adding,
    openAddForm: () => {
      announce('');
      if (adding) formHeading.current?.focus();
      else setAdding(true);
    },
    closeAddForm: () => setAdding(false),
    addButton,
    formHeading,
    announcement,
    announce,
    focusAddButton: () => addButton.current?.focus(),
  };
}

interface AdminListPageProps<T> {
  list: AdminList;
  title: string;
  /** The primary button that opens the add form, and the form's heading: "Add webhook". */
  addLabel: string;
  lead: ReactNode;
  /** The add form; `headingId` names it, `close` is its Cancel. */
  addForm: (form: { headingId: string; close: () => void }) => ReactNode;
  /** Shown above the table, e.g. a secret shown once. */
  notice?: ReactNode;
  items: Loaded<T[]>;
  /** Shown until the list answers: "Loading webhooks…". */
  loading: string;
  /** What to say, and what to do, when there is nothing yet. */
  empty: ReactNode;
  /** The table of items, once there is at least one. */
  children: (items: T[]) => ReactNode;
}

/** An admin page: breadcrumb, heading with its add button, a lead, announcements, the add form, and the table. */
export function AdminListPage<T>({
  list,
  title,
  addLabel,
  lead,
  addForm,
  notice,
  items,
  loading,
  empty,
  children,
}: AdminListPageProps<T>) {
  const headingId = useId();
  return (
    <>
      <Breadcrumb parent="Admin" current={title} />
      <div className="page-heading">
        <h1 tabIndex={-1}>{title}</h1>
        <button type="button" className="primary" ref={list.addButton} onClick={list.openAddForm}>
          {addLabel}
        </button>
      </div>
      <p className="lead">{lead}</p>
      <p className="announcement" role="status">
        {list.announcement}
      </p>
      {notice}
      {list.adding && (
        <section className="panel add-form" aria-labelledby={headingId}>
          <h2 id={headingId} ref={list.formHeading} tabIndex={-1}>
            {addLabel}
          </h2>
          {addForm({ headingId, close: list.closeAddForm })}
        </section>
      )}
      <LoadedContent loaded={items} loading={loading}>
        {(loaded) => (loaded.length === 0 ? <div className="empty">{empty}</div> : children(loaded))}
      </LoadedContent>
    </>
  );
}
