import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { TenantlinkError } from '../errors.js';
import { ipLiteral, refusedRange } from './address-ranges.js';

/** Resolves a host name to every address it has (the policy judges them all). */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

export interface OutboundPolicyOptions {
  /**
   * Let requests reach loopback and private networks: the operator's explicit choice
   * (TENANTLINK_ALLOW_PRIVATE_TARGETS=1, `serve --allow-private-targets`); demo mode and tests use it.
   */
  allowPrivateTargets?: boolean;
  /** How names are resolved; tests stub it. Default: the system resolver (getaddrinfo), every address. */
  resolve?: ResolveHost;
  /** An extra CA to trust (a test receiver's). */
  ca?: string;
}

export const OUTBOUND_TARGET_REFUSED = 'OUTBOUND_TARGET_REFUSED';

/**
 * The one rule for every request tenantlink makes to a URL that came from input (webhook deliveries and pings, and
 * whatever comes later): no loopback, private, link-local, unique-local, CGNAT, multicast or otherwise special
 * address, unless the operator allowed private targets. Literal hosts are checked when the URL is saved
 * (`checkUrl`); every connection is checked again at connect time, on the addresses the name resolves to then
 * (`dispatcher`), so DNS rebinding and numeric spellings fail too. Redirects are the caller's to refuse: this policy
 * judges each connection, wherever it goes.
 */
export class OutboundPolicy {
  readonly allowPrivateTargets: boolean;
  readonly #resolve: ResolveHost;
  readonly #ca: string | undefined;
  #agent: Agent | undefined;

  constructor(options: OutboundPolicyOptions = {}) {
    this.allowPrivateTargets = options.allowPrivateTargets === true;
    this.#resolve = options.resolve ?? ((hostname) => dns.lookup(hostname, { all: true, verbatim: true }));
    this.#ca = options.ca;
  }

  /**
   * Refuses, before anything is stored, a URL whose host is a literal special address or a name that always means
   * this machine (`localhost`, `*.localhost`). INVALID_INPUT (400) naming `what` ("The webhook URL").
   */
  checkUrl(url: URL, what: string): void {
    if (this.allowPrivateTargets) return;
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    const literal = ipLiteral(host);
    const why = literal
      ? refusedRange(literal)
      : host === 'localhost' || host.endsWith('.localhost')
        ? 'loopback'
        : null;
    if (why)
      throw new TenantlinkError('INVALID_INPUT', `${what} points at ${describe(why)} address (${url.hostname}).`, {
        diagnosis: {
          meaning:
            'tenantlink does not send requests to loopback, private or link-local networks, where its own services live.',
          fix:
            'Use a public https:// URL. When this target is yours and on a private network, the operator can start ' +
            'the server with --allow-private-targets (TENANTLINK_ALLOW_PRIVATE_TARGETS=1).',
        },
      });
  }

  /** The undici dispatcher that enforces the policy on every connection (one, shared). */
  dispatcher(): Dispatcher {
    this.#agent ??= this.allowPrivateTargets
      ? new Agent(this.#ca ? { connect: { ca: this.#ca } } : {})
      : new Agent({ connect: this.#connector() });
    return this.#agent;
  }

  async close(): Promise<void> {
    await this.#agent?.close();
    this.#agent = undefined;
  }

  #connector(): buildConnector.connector {
    const connect = buildConnector({ lookup: this.#lookup, ...(this.#ca ? { ca: this.#ca } : {}) });
    return (options, callback) => {
      // An IP literal is connected to without a lookup: judge it here.
      const literal = ipLiteral(options.hostname);
      const why = literal ? refusedRange(literal) : null;
      if (why) return callback(refusal(options.hostname, why), null);
      return connect(options, callback);
    };
  }

  /** A `net.connect` lookup that refuses the whole name when any of its addresses is special. */
  readonly #lookup: LookupFunction = (hostname, options, callback) => {
    this.#resolve(hostname).then(
      (all) => {
        const addresses = options.family ? all.filter((a) => a.family === options.family) : all;
        const special = addresses.find((a) => refusedRange(a.address) !== null);
        if (special) return callback(refusal(hostname, refusedRange(special.address)!), '', 0);
        const first = addresses[0];
        if (!first) {
          const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
          return callback(err, '', 0);
        }
        if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
        return callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

function refusal(host: string, why: string): TenantlinkError & { code: string } {
  return new TenantlinkError(
    OUTBOUND_TARGET_REFUSED,
    `${host} is ${describe(why)} address: refused by the outbound policy.`,
  );
}

function describe(range: string): string {
  const names: Record<string, string> = {
    loopback: 'a loopback',
    private: 'a private-network',
    linkLocal: 'a link-local',
    uniqueLocal: 'a unique-local',
    carrierGradeNat: 'a carrier-grade NAT',
    unspecified: 'an unspecified',
    multicast: 'a multicast',
    broadcast: 'a broadcast',
  };
  return names[range] ?? `a special-purpose (${range})`;
}

/** TENANTLINK_ALLOW_PRIVATE_TARGETS: `1` or `true` allows private targets; unset, `0` or `false` does not. */
export function allowPrivateTargetsFromEnv(env: Record<string, string | undefined>): boolean {
  const value = env.TENANTLINK_ALLOW_PRIVATE_TARGETS?.trim().toLowerCase();
  if (value === undefined || value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new TenantlinkError('INVALID_INPUT', `TENANTLINK_ALLOW_PRIVATE_TARGETS must be 1 or 0, not '${value}'.`);
}
