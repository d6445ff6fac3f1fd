import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Webhook URLs are chosen by tenants, so a delivery must not become a way into the network
 * the gateway runs in (cloud metadata at 169.254.169.254, admin ports on loopback, the
 * private LAN). Unless private networks are allowed (development, tests), every address a
 * webhook host resolves to is checked at connect time, in the socket's own DNS lookup, so a
 * DNS answer that changes between a check and the connection (rebinding) cannot slip past.
 */
const PRIVATE_RANGES = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3],
] as const) PRIVATE_RANGES.addSubnet(network, prefix, 'ipv4');
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are checked against the IPv4 ranges by BlockList itself.
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) PRIVATE_RANGES.addSubnet(network, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true; // not an address at all: refuse rather than guess
  return PRIVATE_RANGES.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The connection was refused by the egress rule: retrying will not help. */
export class EgressRefusedError extends Error {
  readonly code = 'NEXUS_EGRESS_REFUSED';
  constructor(host: string) {
    super(`webhook host '${host}' is (or resolves to) a private, loopback or link-local address`);
    this.name = 'EgressRefusedError';
  }
}

/** A URL whose host is an address literal never reaches the DNS lookup, so it is checked here. */
export function assertPublicLiteral(url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && isPrivateAddress(host)) throw new EgressRefusedError(host);
}

/** A DNS lookup for sockets that fails when any address of the host is private. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    if (addresses.length === 0 || addresses.some((entry) => isPrivateAddress(entry.address))) return callback(new EgressRefusedError(hostname), '', 0);
    if (options.all) return callback(null, addresses);
    const [first] = addresses;
    callback(null, first.address, first.family);
  });
};

/** Whether `error` (or one of its causes) is an egress refusal. */
export function isEgressRefusal(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof EgressRefusedError) return true;
  }
  return false;
}
