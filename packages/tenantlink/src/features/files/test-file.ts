import { randomUUID } from 'node:crypto';
import { TenantlinkError } from '../../errors.js';
import type { GraphClient } from '../../graph/client.js';
import type { Finding } from '../../model/findings.js';

const FILES = 'Files.ReadWrite.All';

/**
 * The one change the doctor makes: a small text file in the service account's OneDrive, shared with the organisation
 * and then with anyone, and deleted again whatever happened. Organisation links failing is an error; "Anyone" links
 * being turned off only narrows who can open the links tenantlink creates, so it is a warning.
 */
export async function shareTestFile(graph: GraphClient, driveId: string): Promise<Finding[]> {
  const name = `tenantlink-doctor-${randomUUID()}.txt`;
  const drive = `/drives/${encodeURIComponent(driveId)}`;
  const item = await graph.put<{ id: string }>(
    `${drive}/root:/${name}:/content`,
    'A test file from the tenantlink doctor. It deletes it right away; if it is still here, it is safe to delete.',
    { headers: { 'content-type': 'text/plain' }, permission: FILES },
  );
  const findings: Finding[] = [];
  try {
    const link = (scope: string) =>
      graph.post(`${drive}/items/${item.id}/createLink`, { type: 'view', scope }, { permission: FILES });
    await link('organization');
    try {
      await link('anonymous');
    } catch (err) {
      if (!(err instanceof TenantlinkError && err.code === 'SHARING_DISABLED')) throw err;
      findings.push({
        code: 'SHARING_DISABLED',
        severity: 'warning',
        feature: 'files',
        message:
          'The tenant does not allow "Anyone" links: links tenantlink creates open only for people in the organisation.',
        fix: 'If people outside the organisation must open shared files, in the SharePoint admin center open Policies > Sharing and set OneDrive to "Anyone"; otherwise nothing to do.',
      });
    }
  } finally {
    const left = await deleteTestFile(graph, `${drive}/items/${item.id}`, name);
    if (left) findings.push(left);
  }
  return findings;
}

/** Deletes the test file; a warning naming it when that fails, so nobody wonders where it came from. */
async function deleteTestFile(graph: GraphClient, path: string, name: string): Promise<Finding | undefined> {
  try {
    await graph.delete(path, { permission: FILES });
    return undefined;
  } catch (err) {
    if (!(err instanceof TenantlinkError)) throw err;
    return {
      code: 'TEST_FILE_LEFT',
      severity: 'warning',
      feature: 'files',
      message: `The doctor could not delete its test file ${name} from the service account's OneDrive.`,
      fix: `Delete ${name} from the root of the service account's OneDrive.`,
    };
  }
}
