import { Link } from '../Link';
import { usePageTitle } from '../usePageTitle';

export function NotFoundPage() {
  usePageTitle('Page not found');
  return (
    <>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        The console has no page here. <Link href="/">Go to Connected accounts</Link>
      </p>
    </>
  );
}
