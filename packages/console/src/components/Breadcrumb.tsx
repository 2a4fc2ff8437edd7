import type { ReactNode } from 'react';

interface BreadcrumbProps {
  /** Where the page sits: a section name or a link to it. */
  parent: ReactNode;
  /** The page in front of you. */
  current: ReactNode;
}

export function Breadcrumb({ parent, current }: BreadcrumbProps) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <ol>
        <li>{parent}</li>
        <li aria-current="page">{current}</li>
      </ol>
    </nav>
  );
}
