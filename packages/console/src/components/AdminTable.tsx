import type { ReactNode } from 'react';

interface AdminTableProps {
  /** Read out before the table: "Every webhook endpoint the change feed is delivered to". */
  caption: string;
  /** The column headings; on a narrow screen each cell shows its heading beside it. */
  columns: readonly string[];
  className?: string;
  children: ReactNode;
}

/** An admin list's table; below 720 px wide its rows become cards. */
export function AdminTable({ caption, columns, className, children }: AdminTableProps) {
  return (
    <div className="table-scroll">
      <table className={['admin-table', className].filter(Boolean).join(' ')}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" key={column}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

interface AdminRowProps {
  columns: readonly string[];
  /** The row's name cell (its ID is what the row's buttons are described by). */
  name: ReactNode;
  nameId: string;
  /** The cells between the name and the actions, one per column. */
  cells: readonly ReactNode[];
  /** The main action, then the menu of the others. */
  actions: ReactNode;
  /** Panels opened from the row (a form, a log), in a row of their own beneath; nothing when closed. */
  detail?: ReactNode;
}

/** One item of an admin table: its name, its cells, its actions, and what they opened beneath. */
export function AdminRow({ columns, name, nameId, cells, actions, detail }: AdminRowProps) {
  return (
    <>
      <tr>
        <th scope="row" id={nameId}>
          {name}
        </th>
        {cells.map((cell, index) => (
          // The cells are fixed by the page's columns, so their position is their identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: the columns never reorder.
          <td key={index} data-label={columns[index + 1]}>
            {cell}
          </td>
        ))}
        <td data-label={columns[columns.length - 1]} className="actions-cell">
          <div className="row-actions">{actions}</div>
        </td>
      </tr>
      {detail && (
        <tr className="row-detail">
          <td colSpan={columns.length}>
            <div className="row-detail-panels">{detail}</div>
          </td>
        </tr>
      )}
    </>
  );
}
