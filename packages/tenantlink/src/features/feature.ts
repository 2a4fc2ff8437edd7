import type { ZodType } from 'zod';
import type { GraphClient } from '../graph/client.js';
import type { Finding } from '../model/findings.js';
import type { SyncDataset } from './dataset.js';

export type PermissionType = 'application' | 'delegated';

/** One Microsoft Graph permission a feature needs, the higher ones that also satisfy it, and why it is needed. */
export interface PermissionNeed {
  permission: string;
  alsoSatisfiedBy: readonly string[];
  why: string;
}

export const need = (permission: string, why: string, ...alsoSatisfiedBy: string[]): PermissionNeed => ({
  permission,
  why,
  alsoSatisfiedBy,
});

/**
 * Which permission a Graph route needs, so that a 403 names it even when the caller did not say. `path` is a route
 * template prefix compared segment by segment (`/users/{id}/messages` also covers `/users/{id}/messages/{id}`);
 * `{user}` stands for both `/users/{id}` and `/me`. The most specific matching rule of all features wins.
 */
export interface GraphRouteRule {
  path: string;
  /** The methods it covers. Default GET. */
  methods?: readonly string[];
  permission: string;
}

/** What every probe of a doctor run can use. */
export interface ProbeContext {
  graph: GraphClient;
  features: readonly string[];
  /** The user whose mailbox, calendar and presence the probes read (`--test-user`). */
  testUser: string | undefined;
  /** The user whose OneDrive the files probe writes its test file to (`--service-account`). */
  serviceAccount: string | undefined;
  /** User IDs already known by lower-cased UPN (a delegated token names its own user). */
  knownUserIds: Record<string, string>;
}

/** One probe run: the context, the user it addresses, what earlier probes of its feature learnt, its permission. */
export interface ProbeCall extends ProbeContext {
  who: string;
  state: Map<string, string>;
  /** The probe's `call.permission`, to pass to the Graph client (it names it when the call is refused). */
  permission: string;
}

/**
 * A least-cost live call for one feature: it throws a TenantlinkError when the tenant refuses, and may return findings
 * that do not make it fail (a warning).
 */
export interface Probe {
  name: string;
  /** The user the probe addresses, when it needs one. */
  needs?: 'testUser' | 'serviceAccount';
  /**
   * The Graph call it tries and the least application permission that call needs. The registry's test checks that the
   * feature's permission rows and route rules agree with it; `run` gets the permission to pass to the Graph client.
   */
  call: { method: string; route: string; permission: string };
  run(call: ProbeCall): Promise<Finding[] | undefined>;
}

/**
 * Everything tenantlink knows about one feature: what it is for, the permissions it needs in each mode, the Graph
 * routes it calls, how the doctor tries it, and what it syncs. The catalogue, the setup guide, the doctor, the error
 * diagnosis, the server, the CLI and the demo all read these definitions through the registry (./index.ts).
 */
export interface FeatureDefinition<N extends string = string> {
  name: N;
  /** `Directory: users and groups`, as lists and forms show it. */
  title: string;
  /** What the vendor's product does with it, in the words of the customer's administrator (the setup guide says it). */
  guide: string;
  /** The least-privileged permissions per type; null when the feature does not exist in that mode. */
  permissions: { application: readonly PermissionNeed[] | null; delegated: readonly PermissionNeed[] | null };
  /** Permissions a probe may use to look something up without the feature needing them (used only when granted). */
  lookups?: readonly string[];
  graphRoutes: readonly GraphRouteRule[];
  /** The doctor's live calls, in order; a feature with none says why in `notProbedBecause`. */
  probes: readonly Probe[];
  /** Why the doctor does not try the feature live (it would change the tenant); its permissions are still checked. */
  notProbedBecause?: string;
  datasets?: readonly SyncDataset[];
  /** The schema of the feature's own settings, under `settings.<name>` of a connection. */
  settings?: ZodType;
  /** The change notifications it keeps while a public HTTPS URL receives them (else its datasets are polled). */
  notifications?: FeatureNotifications;
}

/** One resource to watch: Graph's `resource` and `changeType` of a subscription. */
export interface WatchedResource {
  resource: string;
  changeType: string;
}

/**
 * The change notifications a feature keeps for a connection: what it watches, how long Graph lets such a subscription
 * live, and the dataset whose delta round a notification (or a `missed` one) sets off. A notification only ever
 * triggers a read; its content is never taken as data.
 */
export interface FeatureNotifications {
  watch(connection: { settings: Record<string, unknown> }): readonly WatchedResource[];
  /** Graph's longest lifetime for these resources, in minutes. */
  maxLifetimeMinutes: number;
  dataset: string;
}

/** Declares a feature; the literal name becomes part of the `Feature` type. */
export function defineFeature<const N extends string>(definition: FeatureDefinition<N>): FeatureDefinition<N> {
  return definition;
}
