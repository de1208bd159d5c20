import { describe, expect, it } from 'vitest';
import { AddressPolicy, categorize, ownAddresses } from './address.policy';
import { BoundedResolver } from './bounded-resolver';

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
    const policy = new AddressPolicy(
      { allowLoopback: false, allowLinkLocal: false },
      new BoundedResolver(4, 5000, async () => ['203.0.113.1', '169.254.169.254']),
    );
    await expect(policy.check('evil.example.org')).resolves.toEqual({
      ok: false,
      reason: 'refused',
      message: "evil.example.org resolves to 169.254.169.254, which is a cloud provider's metadata service, not a VM",
      coded: { code: 'address.refused_resolved', values: { host: 'evil.example.org', address: '169.254.169.254', category: 'metadata' } },
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

  it('refuses localhost and *.localhost by name, without asking DNS (RFC 6761)', async () => {
    let asked = 0;
    const policy = new AddressPolicy(
      { allowLoopback: false, allowLinkLocal: false },
      new BoundedResolver(4, 5000, async () => {
        asked += 1;
        return ['203.0.113.9'];
      }),
    );
    for (const host of ['localhost', 'LOCALHOST.', 'vm.localhost']) {
      await expect(policy.check(host)).resolves.toMatchObject({ ok: false, reason: 'refused', message: expect.stringContaining('loopback') });
    }
    expect(asked).toBe(0);
  });

  it("refuses the machine's own interface addresses like loopback, and allows them together", async () => {
    const own = ownAddresses(() => ['127.0.0.1', '192.0.2.2', 'fd00::2']);
    const strict = new AddressPolicy({ allowLoopback: false, allowLinkLocal: false }, new BoundedResolver(), own);
    const lenient = new AddressPolicy({ allowLoopback: true, allowLinkLocal: false }, new BoundedResolver(), own);
    await expect(strict.check('192.0.2.2')).resolves.toMatchObject({
      ok: false,
      reason: 'refused',
      message: expect.stringContaining('machine Navigator runs on'),
    });
    await expect(strict.check('fd00:0:0::2')).resolves.toMatchObject({ ok: false, reason: 'refused' });
    await expect(strict.check('::ffff:192.0.2.2')).resolves.toMatchObject({ ok: false, reason: 'refused' });
    await expect(strict.check('192.0.2.3')).resolves.toMatchObject({ ok: true });
    await expect(lenient.check('192.0.2.2')).resolves.toMatchObject({ ok: true });
  });

  it('a lookup that does not answer in time is "could not check", never allowed', async () => {
    const policy = new AddressPolicy({ allowLoopback: false, allowLinkLocal: false }, new BoundedResolver(4, 50, () => new Promise(() => undefined)));
    await expect(policy.check('slow.example.org')).resolves.toMatchObject({
      ok: false,
      reason: 'unchecked',
      message: expect.stringContaining('could not check'),
    });
  });
});

describe('BoundedResolver', () => {
  it('runs at most its limit of lookups at once, shares a name being looked up, and never starts one for a caller that gave up', async () => {
    const started: string[] = [];
    const finish: (() => void)[] = [];
    const resolver = new BoundedResolver(2, 100, (host) => {
      started.push(host);
      return new Promise((resolve) => finish.push(() => resolve(['203.0.113.1'])));
    });
    const calls = ['a.example', 'A.example', 'b.example', 'c.example'].map((host) => resolver.resolve(host));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a.example', 'b.example']);
    const outcomes = await Promise.all(calls);
    expect(outcomes[1]).toBe(outcomes[0]);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['no-answer', 'no-answer', 'no-answer', 'no-answer']);
    expect(resolver.inFlight).toBe(0);
    // The hung lookups end at last: their slots go to c.example's queued turn, which is skipped.
    finish.splice(0).forEach((done) => done());
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(started).toEqual(['a.example', 'b.example']);
    const later = resolver.resolve('d.example');
    await new Promise((resolve) => setImmediate(resolve));
    finish.splice(0).forEach((done) => done());
    await expect(later).resolves.toEqual({ kind: 'found', addresses: ['203.0.113.1'] });
    expect(started).toEqual(['a.example', 'b.example', 'd.example']);
  });

  it('"not found" is an answer; a failing resolver is not', async () => {
    const missing = new BoundedResolver(1, 1000, () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' })));
    const broken = new BoundedResolver(1, 1000, () => Promise.reject(Object.assign(new Error('try later'), { code: 'EAI_AGAIN' })));
    await expect(missing.resolve('x.invalid')).resolves.toEqual({ kind: 'not-found' });
    await expect(broken.resolve('x.example')).resolves.toMatchObject({ kind: 'no-answer', detail: expect.stringContaining('EAI_AGAIN') });
  });
});
