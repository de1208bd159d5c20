import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportRejectedView, ImportResultView } from '../../server/src/contract/imports';
import type { NavigatorAttendeeView, RosterSnapshot } from '../../server/src/contract/views';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

/**
 * CSV import of pre-provisioned VMs through the real server and SQLite. Every VM is a closed port on
 * a loopback address (refused at once: no DNS query, no traffic off the machine), so the server
 * allows loopback VMs here; the refusals come from the metadata and unspecified addresses.
 */
let navigator: TestNavigator;

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
});

afterAll(async () => {
  await navigator?.stop();
});

async function roster(): Promise<NavigatorAttendeeView[]> {
  return ((await navigator.request('GET', '/api/attendees', { token: navigator.navigatorToken })).body as RosterSnapshot<NavigatorAttendeeView>).attendees;
}

const importCsv = (csv: string, token = navigator.navigatorToken) => navigator.request('POST', '/api/attendees/import', { body: { csv }, token });

describe('CSV import of pre-provisioned VMs', () => {
  it('refuses anyone but the navigator', async () => {
    expect((await importCsv('A,127.0.0.10,9,ubuntu', navigator.projectorToken)).status).toBe(401);
    expect((await roster()).length).toBe(0);
  });

  it('reports bad rows by line and column and imports nothing, not even the good rows', async () => {
    const csv = [
      'name,host,port,user,email',
      'Good One,127.0.0.10,9,ubuntu,good@example.org',
      'Bad Port,127.0.0.11,0,ubuntu,',
      'Metadata,169.254.169.254,22,ubuntu,',
      'Bad User,127.0.0.12,9,Root Admin,',
    ].join('\n');
    const response = await importCsv(csv);
    expect(response.status).toBe(400);
    const body = response.body as ImportRejectedView;
    expect(body.problems.map((p) => [p.line, p.column, p.field])).toEqual([
      [3, 3, 'port'],
      [5, 4, 'user'],
    ]);
    expect(body.message).toBe('Nothing was imported: 2 problems to fix in the CSV.');
    expect(await roster()).toEqual([]);
  });

  it('reads a CSV of 60 000 characters in Japanese (over 64 kB of UTF-8) as a CSV, not as a body too large', async () => {
    // Every row has port 0, so the answer is about the rows, and nothing is imported.
    const row = (i: number) => `山田花子・佐藤太郎・鈴木一郎・高橋美咲${String(i).padStart(4, '0')},127.0.0.10,0,ubuntu`;
    const rows: string[] = [];
    while ([...rows, row(rows.length)].join('\n').length <= 60_000) rows.push(row(rows.length));
    const csv = rows.join('\n');
    expect(Buffer.byteLength(JSON.stringify({ csv }))).toBeGreaterThan(100 * 1024);
    const response = await importCsv(csv);
    expect(response.status).toBe(400);
    const body = response.body as ImportRejectedView;
    expect(body.problems[0]).toMatchObject({ line: 1, column: 3, field: 'port' });
    expect(await roster()).toEqual([]);
    const tooLong = await importCsv(csv + '\n' + row(rows.length));
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.body)).toContain('60 000 characters');
  });

  it('applies the address policy to every row, at the host cell', async () => {
    const response = await importCsv('Good,127.0.0.10,9,ubuntu\nMeta,169.254.169.254,22,ubuntu\nAny,0.0.0.0,22,ubuntu\n');
    expect(response.status).toBe(400);
    expect((response.body as ImportRejectedView).problems).toMatchObject([
      { line: 2, column: 2, field: 'host', message: "169.254.169.254 is a cloud provider's metadata service, not a VM" },
      { line: 3, column: 2, field: 'host', message: '0.0.0.0 is an "any address" placeholder, not a machine' },
    ]);
    expect(await roster()).toEqual([]);
  });

  it('turns every row into an attendee with their VM, a personal link that signs them in, and a QR code', async () => {
    const csv = ['Name;Host;Port;User;Email', 'Ada Lovelace;127.0.0.20;9;ubuntu;ada@example.org', '"Turing, Alan";[::1];9;debian;'].join('\r\n');
    const response = await importCsv(csv);
    expect(response.status).toBe(200);
    const { imported } = response.body as ImportResultView;
    expect(imported.map((a) => [a.line, a.displayName, a.host, a.port, a.sshUser, a.email])).toEqual([
      [2, 'Ada Lovelace', '127.0.0.20', 9, 'ubuntu', 'ada@example.org'],
      [3, 'Turing, Alan', '::1', 9, 'debian', null],
    ]);
    for (const attendee of imported) {
      expect(attendee.personalUrl).toMatch(new RegExp(`^${navigator.url}/a/[A-Za-z0-9_-]{32}$`));
      expect(attendee.qrSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      const signIn = await navigator.request('GET', new URL(attendee.personalUrl).pathname);
      expect(signIn.status).toBe(303);
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
      const me = await navigator.request('GET', '/api/me', { cookie });
      expect(me.body).toMatchObject({ id: attendee.id, displayName: attendee.displayName, host: attendee.host, port: attendee.port });
    }
    const board = await roster();
    expect(board.map((a) => a.displayName)).toEqual(['Ada Lovelace', 'Turing, Alan']);
  });

  it('a second import adds to the room; a VM already imported in the same file is a problem', async () => {
    const again = await importCsv('Grace,127.0.0.30,9,ubuntu\nGrace twin,127.0.0.30,9,admin\n');
    expect(again.status).toBe(400);
    expect((again.body as ImportRejectedView).problems).toMatchObject([{ line: 2, column: 2, field: 'host', message: 'the same VM (127.0.0.30:9) as line 1' }]);
    expect((await importCsv('Grace,127.0.0.30,9,ubuntu\n')).status).toBe(200);
    expect((await roster()).length).toBe(3);
  });
});
