import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';
import { coded, type Coded } from '../contract/i18n/coded';
import { englishText } from '../contract/i18n/english';
import { BoundedResolver } from './bounded-resolver';

export interface AddressPolicyOptions {
  allowLoopback: boolean;
  allowLinkLocal: boolean;
}

/**
 * `dns`: the name does not exist (yet). `unchecked`: no answer in time, so nothing is known about
 * where it points; never taken as allowed. `coded` says why for people; `message` is its English.
 */
export type AddressVerdict = { ok: true; addresses: string[] } | { ok: false; reason: 'dns' | 'unchecked' | 'refused'; message: string; coded: Coded };

function refusedVerdict(reason: 'dns' | 'unchecked' | 'refused', why: Coded): AddressVerdict {
  return { ok: false, reason, message: englishText(why), coded: why };
}

type Category = 'unspecified' | 'loopback' | 'self' | 'link-local' | 'metadata' | 'multicast';

const metadata = new BlockList();
for (const address of ['169.254.169.254', '169.254.170.2', '100.100.100.200']) metadata.addAddress(address, 'ipv4');
metadata.addAddress('fd00:ec2::254', 'ipv6');

/** IPv6 prefixes (/96) whose last 32 bits are an IPv4 address that the packets end up at. */
const EMBEDS_IPV4 = [
  ['::ffff:0:0', 96], // IPv4-mapped
  ['64:ff9b::', 96], // NAT64
] as const;

/**
 * An address in one spelling: parsed (never compared as text), IPv6 compressed and lower case, and
 * IPv4-mapped, IPv4-compatible and NAT64 addresses unwrapped to the IPv4 address they reach. Null for
 * anything that is not an IP address.
 */
export function canonicalAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const bare = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return null;
  // The WHATWG URL parser writes any IPv6 spelling (a dotted tail included) in hex groups, which ipaddr.js reads.
  const spelled = family === 6 ? new URL(`http://[${bare}]/`).hostname.slice(1, -1) : bare;
  if (!ipaddr.isValid(spelled)) return null;
  const parsed = ipaddr.parse(spelled);
  if (parsed.kind() === 'ipv4') return { address: parsed.toString(), family: 'ipv4' };
  const v6 = parsed as ipaddr.IPv6;
  const parts = v6.parts;
  const embedded = EMBEDS_IPV4.some(([prefix, bits]) => v6.match(ipaddr.IPv6.parse(prefix), bits));
  // IPv4-compatible (::a.b.c.d, deprecated but still parsed by stacks): 96 zero bits, and not :: or ::1.
  const compatible = parts.slice(0, 6).every((part) => part === 0) && (parts[6] !== 0 || parts[7] > 1);
  if (embedded || compatible) {
    const v4 = new ipaddr.IPv4([parts[6] >> 8, parts[6] & 0xff, parts[7] >> 8, parts[7] & 0xff]);
    return { address: v4.toString(), family: 'ipv4' };
  }
  return { address: v6.toString(), family: 'ipv6' };
}

function rangeList(ranges: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

const categories: [Category, BlockList][] = [
  [
    'unspecified',
    rangeList([
      ['0.0.0.0', 8, 'ipv4'],
      ['::', 128, 'ipv6'],
    ]),
  ],
  [
    'loopback',
    rangeList([
      ['127.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
    ]),
  ],
  [
    'link-local',
    rangeList([
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ]),
  ],
  [
    'multicast',
    rangeList([
      ['224.0.0.0', 4, 'ipv4'],
      ['240.0.0.0', 4, 'ipv4'],
      ['ff00::', 8, 'ipv6'],
    ]),
  ],
];

/** The category of an address, matched as ranges on its canonical form; 'unspecified' for what is not an address. */
export function categorize(address: string): Category | null {
  const canonical = canonicalAddress(address);
  if (canonical === null) return 'unspecified';
  if (metadata.check(canonical.address, canonical.family)) return 'metadata';
  for (const [category, list] of categories) if (list.check(canonical.address, canonical.family)) return category;
  return null;
}

/** The `category` a refusal's message selects its explanation with (reasons.address.*). */
const explanations: Record<Category, string> = {
  unspecified: 'unspecified',
  loopback: 'loopback',
  self: 'self',
  'link-local': 'link_local',
  metadata: 'metadata',
  multicast: 'multicast',
};

/** RFC 6761: these names are loopback by definition, whatever a resolver answers or fails to answer. */
function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** The addresses of this machine's own interfaces, canonical; read again at most every 10 s. */
export function ownAddresses(read: () => string[] = interfaceAddresses, ttlMs = 10_000): () => Set<string> {
  let cached: { at: number; addresses: Set<string> } | null = null;
  return () => {
    const now = performance.now();
    if (cached === null || now - cached.at > ttlMs) {
      const addresses = new Set(read().flatMap((address) => canonicalAddress(address)?.address ?? []));
      cached = { at: now, addresses };
    }
    return cached.addresses;
  };
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => entry.address));
}

/** Decides whether Navigator may connect to a VM address: checked at registration and again before every connect. */
export class AddressPolicy {
  constructor(
    private readonly options: AddressPolicyOptions,
    private readonly resolver: Pick<BoundedResolver, 'resolve'> = new BoundedResolver(),
    private readonly selfAddresses: () => Set<string> = ownAddresses(),
  ) {}

  private categoryOf(address: string): Category | null {
    const category = categorize(address);
    if (category !== null) return category;
    const canonical = canonicalAddress(address);
    return canonical && this.selfAddresses().has(canonical.address) ? 'self' : null;
  }

  /** Why Navigator does not dial this address (reached by that host name), or null when it may. */
  judgeAddress(host: string, address: string): Coded | null {
    const category = this.categoryOf(address);
    if (category === null) return null;
    // The machine's own addresses are reached like loopback: allowed together (tests, a one-machine demo).
    if ((category === 'loopback' || category === 'self') && this.options.allowLoopback) return null;
    if ((category === 'link-local' || category === 'metadata') && this.options.allowLinkLocal) return null;
    return host === address
      ? coded('address.refused', { address, category: explanations[category] })
      : coded('address.refused_resolved', { host, address, category: explanations[category] });
  }

  async check(host: string): Promise<AddressVerdict> {
    let addresses: string[];
    if (canonicalAddress(host) !== null) addresses = [host];
    else if (isLocalhostName(host) && !this.options.allowLoopback) {
      return refusedVerdict('refused', coded('address.refused', { address: host, category: explanations.loopback }));
    } else {
      const outcome = await this.resolver.resolve(host);
      if (outcome.kind === 'not-found') return refusedVerdict('dns', coded('address.dns_not_found', { host }));
      if (outcome.kind === 'no-answer') return refusedVerdict('unchecked', coded('address.unchecked', { host, detail: outcome.detail }));
      addresses = outcome.addresses;
    }
    for (const address of addresses) {
      const refusal = this.judgeAddress(host, address);
      if (refusal) return refusedVerdict('refused', refusal);
    }
    // Dial the canonical form: the address that was judged.
    return { ok: true, addresses: addresses.map((address) => canonicalAddress(address)?.address ?? address) };
  }
}
