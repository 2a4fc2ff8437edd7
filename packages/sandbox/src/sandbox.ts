import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { registerControlRoutes } from './control/routes/index.js';
import { tenantSummary } from './control/views.js';
import { GraphAuthenticator } from './graph/auth.js';
import { DEFAULT_GRAPH_SETTINGS, type GraphContext, type GraphSettings, registerGraph } from './graph/index.js';
import { ChangeBus } from './graph/notifications/bus.js';
import { FaultInjector, TrafficStats } from './graph/traffic/faults.js';
import { type ThrottleSettings, Throttling } from './graph/traffic/throttling.js';
import { GrantStore } from './identity/grant-store.js';
import {
  DEFAULT_IDENTITY_SETTINGS,
  type IdentityContext,
  type IdentitySettings,
  registerIdentity,
} from './identity/index.js';
import { SigningKeys } from './identity/signing-keys.js';
import { TokenMinter } from './identity/tokens.js';
import { Directory } from './tenant/directory.js';
import { generateOrganisation } from './tenant/generator.js';
import type { Tenant } from './tenant/model.js';
import { SandboxClock } from './time/clock.js';
import { ensureSigningKey, ensureTlsMaterial } from './tls/data-folder.js';

export interface SandboxOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port to listen on (default 8443; 0 picks a free one). */
  port?: number;
  /** Seed of the generated organisations (default 1). */
  seed?: number;
  /** Users in each seeded tenant (default 50). */
  users?: number;
  /** Groups in each seeded tenant (default: by department and size). */
  groups?: number;
  /** Tenants to seed at start (default 1). */
  tenants?: number;
  /** Folder for the CA, TLS and signing keys (default ./.tenantlink-sandbox). */
  dataDir?: string;
  /** Where to write the state file once listening (default <dataDir>/state.json; false for none). */
  stateFile?: string | false;
  /** Identity platform settings: token lifetimes, device-code interval, ... */
  identity?: Partial<IdentitySettings>;
  /** Graph settings: delta token lifetime and page size. */
  graph?: Partial<GraphSettings>;
  /** Throttling: on by default with Microsoft's quotas; `scale` multiplies them. */
  throttling?: Partial<ThrottleSettings>;
  /** Added latency on every Graph request. */
  latency?: { ms: number; jitterMs?: number };
}

export interface SandboxTenantSummary {
  id: string;
  defaultDomain: string;
  displayName: string;
  admin: { userPrincipalName: string; password: string } | null;
}

/** What the state file holds: where the sandbox listens, the CA to trust, and its tenants. */
export interface SandboxState {
  authority: string;
  graph: string;
  control: string;
  caCertFile: string;
  tenants: SandboxTenantSummary[];
}

export interface RunningSandbox extends SandboxState {
  port: number;
  caCertPem: string;
  /**
   * The sandbox's own TLS key and certificate (PEM), signed by its CA, for `localhost`, `127.0.0.1` and `::1`: a
   * server beside it on this machine may serve HTTPS with them, e.g. to receive the change notifications the sandbox
   * posts only over HTTPS.
   */
  localhostTls: { keyPem: string; certPem: string };
  stateFile: string | null;
  close(): Promise<void>;
}

/** Starts a sandbox tenant over HTTPS and writes its state file once it listens. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const seed = options.seed ?? 1;
  const users = options.users ?? 50;
  const dataDir = resolve(options.dataDir ?? '.tenantlink-sandbox');
  const tls = await ensureTlsMaterial(dataDir);
  const keys = await SigningKeys.load(await ensureSigningKey(dataDir));

  const clock = new SandboxClock();
  const directory = new Directory(clock);
  const settings: IdentitySettings = { ...DEFAULT_IDENTITY_SETTINGS, ...options.identity };
  const ctx: IdentityContext = {
    directory,
    clock,
    grants: new GrantStore(),
    keys,
    minter: new TokenMinter(keys, clock, settings),
    settings,
  };
  // Seeded tenants are dated a year back so that everything created later is visibly newer.
  const seededAt = new Date(Date.UTC(new Date().getUTCFullYear() - 1, 0, 15)).toISOString();
  const isTakenDomain = (domain: string) => directory.findTenant(domain) !== undefined;
  for (let index = 0; index < (options.tenants ?? 1); index++) {
    directory.addTenant(
      generateOrganisation({ seed, index, users, groups: options.groups, createdDateTime: seededAt, isTakenDomain }),
    );
  }
  let createdTenants = 0;
  const createTenant = (input: { displayName?: string; domain?: string; users?: number }) =>
    directory.addTenant(
      generateOrganisation({
        seed: seed + 1_000_003 * ++createdTenants,
        index: directory.tenants.size,
        users: input.users ?? 10,
        createdDateTime: clock.iso(),
        isTakenDomain,
        ...(input.displayName ? { displayName: input.displayName } : {}),
        ...(input.domain ? { domainLabel: input.domain } : {}),
      }),
    );

  const app: FastifyInstance = Fastify({
    https: { key: tls.keyPem, cert: tls.certPem },
    logger: false,
    genReqId: () => randomUUID(),
    bodyLimit: 64 * 1024 * 1024,
    // A malformed URL (bad percent-encoding) fails before routing: answer in the service's own error shape.
    frameworkErrors: (error, request, rawReply) => {
      const reply = rawReply as unknown as FastifyReply;
      const message = error.code === 'FST_ERR_BAD_URL' ? `Invalid request URL: '${request.url}'.` : error.message;
      const code = (error as { statusCode?: number }).statusCode ?? 400;
      reply.code(code).type('application/json');
      if (request.url.startsWith('/v1.0')) {
        return reply.send({
          error: {
            code: 'BadRequest',
            message,
            innerError: {
              date: new Date(clock.now()).toISOString().slice(0, 19),
              'request-id': request.id,
              'client-request-id': request.id,
            },
          },
        });
      }
      return reply.send({ error: 'invalid_request', error_description: message });
    },
  });
  await app.register(formbody);
  await app.register(cookie);

  const graph: GraphContext = {
    directory,
    clock,
    auth: new GraphAuthenticator(keys, directory, () => clock.now()),
    throttling: new Throttling({ enabled: true, scale: 1, ...options.throttling }, () => clock.now()),
    faults: new FaultInjector(),
    latency: { ms: options.latency?.ms ?? 0, jitterMs: options.latency?.jitterMs ?? 0 },
    stats: new TrafficStats(),
    settings: { ...DEFAULT_GRAPH_SETTINGS, ...options.graph },
    tokenKey: randomBytes(32),
    events: new ChangeBus(),
  };

  // Users and groups reach change-notification subscriptions through each tenant's change log.
  const wire = (tenant: Tenant) => {
    tenant.changeLog.onRecord = (change) => {
      const odataType = change.kind === 'user' ? '#microsoft.graph.user' : '#microsoft.graph.group';
      // Directory subscriptions know only updated and deleted: a new user or group arrives as updated.
      graph.events.publish({
        tenant,
        resource: `${change.kind}s/${change.id}`,
        changeType: change.op === 'upsert' ? 'updated' : 'deleted',
        odataType,
        id: change.id,
      });
    };
  };
  for (const tenant of directory.tenants.values()) wire(tenant);
  directory.tenantAdded.push(wire);

  let state: SandboxState | undefined;
  registerIdentity(app, ctx);
  registerGraph(app, graph);
  registerControlRoutes(app, {
    directory,
    clock,
    settings,
    graph,
    createTenant,
    state: () => ({ ...state!, tenants: [...directory.tenants.values()].map((t) => tenantSummary(directory, t)) }),
  });

  try {
    await app.listen({ host, port: options.port ?? 8443 });
  } catch (err) {
    await app.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${options.port ?? 8443} on ${host} is already in use; choose another with --port`);
    }
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8443);
  const origin = `https://localhost:${port}`;
  state = {
    authority: origin,
    graph: `${origin}/v1.0`,
    control: `${origin}/_sandbox`,
    caCertFile: tls.caCertFile,
    tenants: [...directory.tenants.values()].map((t) => tenantSummary(directory, t)),
  };
  const stateFile = options.stateFile === false ? null : resolve(options.stateFile ?? resolve(dataDir, 'state.json'));
  if (stateFile) {
    await mkdir(dirname(stateFile), { recursive: true });
    await writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  }
  const running = state;
  return {
    ...running,
    port,
    caCertPem: tls.caCertPem,
    localhostTls: { keyPem: tls.keyPem, certPem: tls.certPem },
    stateFile,
    async close() {
      await app.close();
      if (stateFile) await rm(stateFile, { force: true });
    },
  };
}
