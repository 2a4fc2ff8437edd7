import type { StoredRecord } from '../../store/records-repository.js';
import type { DatasetConnection, DatasetPlan, SyncDataset } from '../dataset.js';
import { countObjects } from './graph-reads.js';
import { type GroupsFullRead, groupsStream } from './groups-stream.js';
import { MODELS } from './records.js';
import { directoryScope, scopeFingerprint } from './scope.js';
import { type UsersFullRead, usersStream } from './users-stream.js';

export interface DirectoryDatasetOptions {
  /** How a full read gets the users (see users-stream.ts). Default `list`. */
  usersFullRead?: UsersFullRead;
  /** How a full read gets the groups and memberships (see groups-stream.ts). Default `list`. */
  groupsFullRead?: GroupsFullRead;
}

/**
 * The directory: users, groups and memberships, as the connection's `settings.directory` scopes them.
 *
 * Without a groups filter, users and groups are read in parallel (two independent chains of pages). With one, the
 * groups come first: which users are kept depends on their memberships.
 */
export function directoryDataset(options: DirectoryDatasetOptions = {}): SyncDataset {
  const usersFullRead = options.usersFullRead ?? 'list';
  const groupsFullRead = options.groupsFullRead ?? 'list';
  return {
    name: 'directory',
    models: [MODELS.users, MODELS.groups, MODELS.memberships],
    plan(connection: DatasetConnection): DatasetPlan {
      const scope = directoryScope(connection);
      const users = usersStream(scope, usersFullRead);
      const groups = groupsStream(scope, groupsFullRead);
      return {
        fingerprint: scopeFingerprint(scope),
        stages: scope.groups ? [[groups], [users]] : [[users, groups]],
        estimateTotal: async (context) => {
          const counted = await countObjects(context.graph, { users: true, groups: !scope.groups }, context.signal);
          return counted === undefined ? undefined : counted + (scope.groups?.length ?? 0);
        },
      };
    },
    intervalMinutes(connection: DatasetConnection) {
      if (!connection.features.includes('directory')) return undefined;
      return directoryScope(connection).syncIntervalMinutes;
    },
    keptOnDelete(record: StoredRecord) {
      if (record.model !== MODELS.memberships) return undefined;
      return record.data ?? undefined;
    },
  };
}
