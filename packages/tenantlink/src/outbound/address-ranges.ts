import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Why an address may not be a target, or null when it is an ordinary public unicast address. Every special range is
 * refused: loopback, private (RFC 1918), link-local (cloud metadata at 169.254.169.254), unique-local, carrier-grade
 * NAT, multicast, broadcast, unspecified, reserved and documentation ranges, and the IPv6 forms that carry an IPv4
 * address (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo), since those can lead back to the ranges above.
 */
export function refusedRange(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // `process` turns ::ffff:a.b.c.d into a.b.c.d, so a mapped address is judged as the IPv4 address it is.
    parsed = ipaddr.process(address.replace(/%.*$/, ''));
  } catch {
    return 'not an IP address';
  }
  const range = parsed.range();
  if (range !== 'unicast') return range;
  // ::a.b.c.d, the deprecated IPv4-compatible form, is "unicast" to ipaddr.js.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0))
    return 'IPv4-compatible';
  return null;
}

/**
 * The address when a host is an IP literal (IPv6 with or without brackets), else null: a name, resolved at connect
 * time (where numeric spellings such as 0x7f000001 that a resolver accepts are judged by what they resolve to).
 */
export function ipLiteral(host: string): string | null {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIP(bare) ? bare : null;
}
