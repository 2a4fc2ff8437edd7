import { Link } from '../navigation/Link';

export interface TabLink {
  /** The tab's path segment; '' for the first tab, at the page's own address. */
  path: string;
  title: string;
}

interface TabLinksProps {
  /** What the tabs are, for screen readers: "Connection sections". */
  label: string;
  tabs: readonly TabLink[];
  current: string;
  hrefOf: (path: string) => string;
}

/** A page's tabs as links: each tab has its own address, so it survives a reload and opens in a new tab. */
export function TabLinks({ label, tabs, current, hrefOf }: TabLinksProps) {
  return (
    <nav aria-label={label} className="tabs">
      <ul>
        {tabs.map((tab) => (
          <li key={tab.path}>
            <Link href={hrefOf(tab.path)} aria-current={tab.path === current ? 'page' : undefined}>
              {tab.title}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
