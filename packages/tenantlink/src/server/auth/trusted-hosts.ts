import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::']);

/**
 * The `Host` values (and so the origins) this server answers to: its public URL's host, and the address it listens
 * on. A loopback listener answers to localhost, 127.0.0.1 and [::1] on its port; a wildcard listener also to each of
 * the machine's interface addresses. Any other name means the browser was pointed here by someone else's DNS (DNS
 * rebinding) or the request was forwarded without its host: such requests may not set the server up or act with the
 * console's session.
 */
export class TrustedHosts {
  #fromAddresses: Set<string> | undefined;

  constructor(
    private readonly addresses: () => (AddressInfo | string)[],
    private readonly publicUrl: () => string | undefined,
  ) {}

  /** Whether a `Host` header names this server. */
  allowsHost(host: string | undefined): boolean {
    if (!host) return false;
    const wanted = host.trim().toLowerCase();
    const publicUrl = this.publicUrl();
    if (publicUrl && new URL(publicUrl).host.toLowerCase() === wanted) return true;
    const listening = this.#listeningHosts();
    // Not listening: requests are injected in-process (tests, `serve` reading its own state), never from a network.
    if (listening.size === 0) return LOOPBACK_NAMES.includes(withoutPort(wanted));
    return listening.has(wanted);
  }

  /** Whether an `Origin` header is this server's own (absent counts as allowed: not a browser's cross-site call). */
  allowsOrigin(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // `null` (sandboxed frames, file: pages) and garbage
    }
    return (url.protocol === 'http:' || url.protocol === 'https:') && this.allowsHost(url.host);
  }

  #listeningHosts(): Set<string> {
    if (this.#fromAddresses) return this.#fromAddresses;
    const hosts = new Set<string>();
    for (const address of this.addresses()) {
      if (typeof address === 'string') continue;
      const port = address.port;
      const names = WILDCARDS.has(address.address)
        ? [...LOOPBACK_NAMES, ...interfaceAddresses()]
        : isLoopback(address.address)
          ? LOOPBACK_NAMES
          : [bracketed(address.address)];
      for (const name of names) hosts.add(`${name}:${port}`.toLowerCase());
    }
    if (hosts.size > 0) this.#fromAddresses = hosts;
    return hosts;
  }
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => bracketed(i.address));
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address === '::ffff:127.0.0.1';
}

function bracketed(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

function withoutPort(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? host);
}
