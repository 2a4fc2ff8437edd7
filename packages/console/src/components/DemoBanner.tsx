import type { ServerInfo } from '../api';
import { Link } from '../navigation/Link';
import { connectionPath } from '../navigation/router';

/** Says that the server runs in demo mode, with its sandbox tenant, and how to leave it. */
export function DemoBanner({ server }: { server: ServerInfo }) {
  return (
    <p className="notice notice-demo">
      <strong>Demo mode:</strong> a sandbox tenant runs beside this server
      {server.demoConnection ? (
        <>
          , connected as <Link href={connectionPath(server.demoConnection)}>{server.demoConnection}</Link>
        </>
      ) : null}
      . To turn it off, add a real connection and restart the server, or start it with --no-demo.
    </p>
  );
}
