/**
 * The feature registry: every feature tenantlink offers, one definition per folder. The catalogue, the setup guide,
 * the doctor, the Graph error diagnosis, the server, the CLI and the demo read features from here, so adding a feature
 * is adding its folder and one line below (docs/architecture.md walks through it with the directory as the example).
 */
import { calendar } from './calendar/index.js';
import { calendarWrite } from './calendar-write/index.js';
import type { SyncDataset } from './dataset.js';
import { directory } from './directory/index.js';
import type { FeatureDefinition, GraphRouteRule, Probe } from './feature.js';
import { filesFeature } from './files/index.js';
import { mail } from './mail/index.js';
import { mailSend } from './mail-send/index.js';
import { mailShared } from './mail-shared/index.js';
import { presence } from './presence/index.js';
import { presenceWrite } from './presence-write/index.js';
import { scan } from './scan/index.js';

export const FEATURE_REGISTRY = [
  directory,
  calendar,
  calendarWrite,
  mail,
  mailSend,
  mailShared,
  presence,
  presenceWrite,
  filesFeature,
  scan,
] as const;

/** A feature's name: `directory`, `calendar`, `calendar.write`, … */
export type Feature = (typeof FEATURE_REGISTRY)[number]['name'];

/** Every feature's name, in registry order. */
export const FEATURES = FEATURE_REGISTRY.map((f) => f.name) as [Feature, ...Feature[]];

export function isFeature(name: string): name is Feature {
  return (FEATURES as readonly string[]).includes(name);
}

/** A feature's definition; undefined for a name the registry does not know. */
export function featureDefinition(name: string): FeatureDefinition | undefined {
  return FEATURE_REGISTRY.find((f) => f.name === name);
}

/** Every dataset the sync engine can run (the directory's now; mail, calendar and files later). */
export function allDatasets(): SyncDataset[] {
  return FEATURE_REGISTRY.flatMap((f: FeatureDefinition) => [...(f.datasets ?? [])]);
}

/** The doctor's live probes, in registry order, each with its feature's name. */
export function allProbes(): (Probe & { feature: Feature })[] {
  return FEATURE_REGISTRY.flatMap((f) => f.probes.map((p) => ({ ...p, feature: f.name })));
}

/**
 * The permission a Graph call needs, from the features' route rules, for diagnosing a refusal when the caller did not
 * name one: the most specific rule that covers the route template and the method wins.
 */
export function permissionForRoute(route: string, method: string): string | undefined {
  const wanted = segments(route);
  let best: { permission: string; length: number } | undefined;
  for (const rule of FEATURE_REGISTRY.flatMap((f): readonly GraphRouteRule[] => f.graphRoutes)) {
    if (!(rule.methods ?? ['GET']).includes(method.toUpperCase())) continue;
    for (const path of expandUser(rule.path)) {
      const prefix = segments(path);
      const matches = prefix.length <= wanted.length && prefix.every((s, i) => s === wanted[i]);
      if (matches && (!best || prefix.length > best.length))
        best = { permission: rule.permission, length: prefix.length };
    }
  }
  return best?.permission;
}

const segments = (path: string) => path.toLowerCase().split('/').filter(Boolean);

/** `{user}/x` stands for `/users/{id}/x` and `/me/x`. */
function expandUser(path: string): string[] {
  return path.startsWith('{user}') ? [`/users/{id}${path.slice(6)}`, `/me${path.slice(6)}`] : [path];
}
