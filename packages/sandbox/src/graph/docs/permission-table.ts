import { DIRECTORY_PERMISSIONS } from '../directory/permissions.js';
import type { EndpointPermissions } from '../permissions.js';
import { WORKLOADS } from '../workloads.js';

function cell(list: string[] | null): string {
  if (list === null) return 'not supported';
  const [least, ...higher] = list;
  return higher.length > 0 ? `**${least}**; ${higher.join(', ')}` : `**${least}**`;
}

/** Every endpoint's permission row: the directory's, then each workload's. */
export function allEndpointPermissions(): EndpointPermissions[] {
  return [...Object.values(DIRECTORY_PERMISSIONS), ...WORKLOADS.flatMap((w) => w.permissions)];
}

/** The endpoint → permissions table as Markdown rows (least privileged in bold), for the sandbox README. */
export function permissionTableRows(endpoints: EndpointPermissions[] = allEndpointPermissions()): string[] {
  return endpoints.map((e) => `| \`${e.method} ${e.path}\` | ${cell(e.application)} | ${cell(e.delegated)} |`);
}
