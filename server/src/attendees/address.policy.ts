import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export interface AddressPolicyOptions {
  allowLoopback: boolean;
  allowLinkLocal: boolean;
}

export type AddressVerdict =
  { ok: true; addresses: string[] } | { ok: false; reason: 'dns'; message: string } | { ok: false; reason: 'refused'; message: string };

type Category = 'unspecified' | 'loopback' | 'link-local' | 'metadata' | 'multicast';

const metadata = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);

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

export function categorize(address: string): Category | null {
  const unwrapped = address.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  if (metadata.has(unwrapped)) return 'metadata';
  const family = isIP(unwrapped) === 6 ? 'ipv6' : 'ipv4';
  for (const [category, list] of categories) if (list.check(unwrapped, family)) return category;
  return null;
}

const explanations: Record<Category, string> = {
  unspecified: 'is an "any address" placeholder, not a machine',
  loopback: 'is this server itself (loopback); use the address of your own VM',
  'link-local': 'is a link-local address, reachable only on one network segment',
  metadata: "is a cloud provider's metadata service, not a VM",
  multicast: 'is a multicast or reserved address, not a machine',
};

/** Decides whether Navigator may connect to a VM address: checked at registration and again before every connect. */
export class AddressPolicy {
  constructor(
    private readonly options: AddressPolicyOptions,
    private readonly resolve: (host: string) => Promise<string[]> = resolveAll,
  ) {}

  judgeAddress(host: string, address: string): string | null {
    const category = categorize(address);
    if (category === null) return null;
    if (category === 'loopback' && this.options.allowLoopback) return null;
    if ((category === 'link-local' || category === 'metadata') && this.options.allowLinkLocal) return null;
    const shown = host === address ? address : `${host} resolves to ${address}, which`;
    return `${shown} ${explanations[category]}`;
  }

  async check(host: string): Promise<AddressVerdict> {
    let addresses: string[];
    if (isIP(host)) addresses = [host];
    else {
      try {
        addresses = await this.resolve(host);
      } catch {
        return { ok: false, reason: 'dns', message: `the DNS name ${host} was not found` };
      }
    }
    for (const address of addresses) {
      const refusal = this.judgeAddress(host, address);
      if (refusal) return { ok: false, reason: 'refused', message: refusal };
    }
    return { ok: true, addresses };
  }
}

async function resolveAll(host: string): Promise<string[]> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('DNS timeout')), 5000).unref());
  const results = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
  return results.map((r) => r.address);
}
