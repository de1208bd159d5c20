import { describe, expect, it } from 'vitest';
import { AddressPolicy, categorize } from './address.policy';

describe('AddressPolicy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['169.254.10.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['203.0.113.7', null],
    ['10.0.0.5', null],
    ['2001:db8::7', null],
    // Every spelling of a refused address is refused: matched as ranges on the canonical form.
    ['fd00:ec2:0:0:0:0:0:254', 'metadata'],
    ['fd00:0ec2::254', 'metadata'],
    ['FD00:EC2::254', 'metadata'],
    ['::ffff:6464:64c8', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['::100.100.100.200', 'metadata'],
    ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
    ['::ffff:203.0.113.7', null],
  ])('%s is %s', (address, category) => {
    expect(categorize(address)).toBe(category);
  });

  it('refuses a DNS name that resolves to a metadata address, and says so', async () => {
    const policy = new AddressPolicy({ allowLoopback: false, allowLinkLocal: false }, async () => ['203.0.113.1', '169.254.169.254']);
    await expect(policy.check('evil.example.org')).resolves.toEqual({
      ok: false,
      reason: 'refused',
      message: "evil.example.org resolves to 169.254.169.254, which is a cloud provider's metadata service, not a VM",
    });
  });

  it('allows loopback only when configured, never the unspecified address', async () => {
    const strict = new AddressPolicy({ allowLoopback: false, allowLinkLocal: false });
    const lenient = new AddressPolicy({ allowLoopback: true, allowLinkLocal: true });
    expect((await strict.check('127.0.0.1')).ok).toBe(false);
    expect((await lenient.check('127.0.0.1')).ok).toBe(true);
    expect((await lenient.check('0.0.0.0')).ok).toBe(false);
  });

  it('reports a name that does not resolve as a DNS problem', async () => {
    const policy = new AddressPolicy({ allowLoopback: false, allowLinkLocal: false });
    await expect(policy.check('no-such-host.invalid')).resolves.toMatchObject({ ok: false, reason: 'dns' });
  });
});
