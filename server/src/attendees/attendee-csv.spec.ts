import { describe, expect, it } from 'vitest';
import { csvRecords, parseAttendeeCsv } from './attendee-csv';

describe('csvRecords', () => {
  it('reads quoted fields with separators, doubled quotes and line breaks, and knows each record’s line', () => {
    const { records, problem } = csvRecords('a,"b, c","say ""hi"""\r\n\n"multi\nline",x,y\n', ',');
    expect(problem).toBeNull();
    expect(records.map((r) => [r.line, r.cells.map((c) => c.value)])).toEqual([
      [1, ['a', 'b, c', 'say "hi"']],
      [3, ['multi\nline', 'x', 'y']],
    ]);
  });

  it('reports a quote never closed where it opened', () => {
    expect(csvRecords('a,b\nc,"d,e\n', ',').problem).toMatchObject({ line: 2, column: 2 });
  });
});

describe('parseAttendeeCsv', () => {
  it('reads rows without a header: name, host, port, user[, email]', () => {
    const result = parseAttendeeCsv('Ada Lovelace,vm1.example.org,22,ubuntu,ada@example.org\nAlan, 203.0.113.7 ,2222,debian\n');
    expect(result).toEqual({
      ok: true,
      rows: [
        { line: 1, displayName: 'Ada Lovelace', host: 'vm1.example.org', port: 22, sshUser: 'ubuntu', email: 'ada@example.org', hostColumn: 2 },
        { line: 2, displayName: 'Alan', host: '203.0.113.7', port: 2222, sshUser: 'debian', email: null, hostColumn: 2 },
      ],
    });
  });

  it('reads a header with columns in any order, semicolons, a BOM and quoted names', () => {
    const result = parseAttendeeCsv('\uFEFFE-mail;User;Host;Port;Name\nbo@example.org;ubuntu;[2001:db8::7];22;"Bo; the second"\n');
    expect(result).toMatchObject({
      ok: true,
      rows: [{ line: 2, displayName: 'Bo; the second', host: '2001:db8::7', sshUser: 'ubuntu', email: 'bo@example.org' }],
    });
  });

  it('reports every bad row by line and column, and returns no rows at all', () => {
    const csv = [
      'name,host,port,user,email',
      'Ok,vm1.example.org,22,ubuntu,',
      'Bad port,vm2.example.org,70000,ubuntu,',
      ',vm3.example.org,22,Ubuntu Admin,not-an-email',
      'Short,vm4.example.org',
      'Twin,vm1.example.org,22,root,',
    ].join('\n');
    const result = parseAttendeeCsv(csv);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.line, p.column, p.field])).toEqual([
      [3, 3, 'port'],
      [4, 1, 'name'],
      [4, 4, 'user'],
      [4, 5, 'email'],
      [5, 3, 'port'],
      [5, 4, 'user'],
      [6, 2, 'host'],
    ]);
    expect(result.problems[0].message).toBe('the SSH port is a number from 1 to 65535');
    expect(result.problems[6].message).toBe('the same VM (vm1.example.org:22) as line 2');
  });

  it('names unknown and missing header columns', () => {
    const result = parseAttendeeCsv('name,host,ssh port,shoe size\nA,vm,22,44\n');
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          line: 1,
          column: 4,
          field: null,
          message: 'unknown column "shoe size"; use name, host, port, user, email',
          coded: { code: 'import.unknown_column', values: { column: 'shoe size' } },
        },
        { line: 1, column: 5, field: 'user', message: 'the header has no "user" column', coded: { code: 'import.missing_column', values: { field: 'user' } } },
      ],
    });
  });

  it('refuses an empty file and rows with too many fields', () => {
    expect(parseAttendeeCsv('\n\n')).toMatchObject({ ok: false, problems: [{ line: 1, message: 'the CSV has no rows' }] });
    expect(parseAttendeeCsv('a,b.example.org,22,u,e@x.org,extra\n')).toMatchObject({ ok: false, problems: [{ line: 1, column: 6, field: null }] });
  });
});
