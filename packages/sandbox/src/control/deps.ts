import type { GraphContext } from '../graph/context.js';
import type { IdentitySettings } from '../identity/context.js';
import type { Directory } from '../tenant/directory.js';
import type { Tenant } from '../tenant/model.js';
import type { SandboxClock } from '../time/clock.js';

/** What the /_sandbox control API works with. */
export interface ControlDeps {
  directory: Directory;
  clock: SandboxClock;
  settings: IdentitySettings;
  graph: GraphContext;
  createTenant: (input: { displayName?: string; domain?: string; users?: number }) => Tenant;
  state: () => unknown;
}
