import { z } from 'zod';
import { issueCode } from '../common/form-messages';
import { coded, type ReasonCode } from '../contract/i18n/coded';
import { englishText } from '../contract/i18n/english';
import type { ImportProblem } from '../contract/imports';
import { registrationSchema } from './registration.dto';

/** A problem's words: English for the log and the API, the code for the board's language. */
function said(code: ReasonCode, values?: Record<string, string | number>): Pick<ImportProblem, 'message' | 'coded'> {
  const reason = coded(code, values);
  return { message: englishText(reason), coded: reason };
}

/** One attendee read from the CSV, validated like a registration from the join page. */
export interface AttendeeRow {
  line: number;
  displayName: string;
  host: string;
  port: number;
  sshUser: string;
  email: string | null;
  /** Where the host is, for problems found later (the address policy). */
  hostColumn: number;
}

export type AttendeeCsv = { ok: true; rows: AttendeeRow[] } | { ok: false; problems: ImportProblem[] };

type Field = 'name' | 'host' | 'port' | 'user' | 'email';
const POSITIONAL: Field[] = ['name', 'host', 'port', 'user', 'email'];
const REQUIRED: Field[] = ['name', 'host', 'port', 'user'];
const HEADER_NAMES: Record<string, Field> = {
  name: 'name',
  'display name': 'name',
  displayname: 'name',
  attendee: 'name',
  host: 'host',
  hostname: 'host',
  address: 'host',
  ip: 'host',
  port: 'port',
  'ssh port': 'port',
  user: 'user',
  username: 'user',
  'ssh user': 'user',
  sshuser: 'user',
  login: 'user',
  email: 'email',
  'e-mail': 'email',
  mail: 'email',
};
const SCHEMA_FIELD: Record<string, Field> = { displayName: 'name', host: 'host', port: 'port', sshUser: 'user' };
export const MAX_IMPORT_ROWS = 2000;
const MAX_PROBLEMS = 50;

interface Cell {
  value: string;
  column: number;
}
interface CsvRecord {
  line: number;
  cells: Cell[];
}

/** RFC 4180 records: quoted fields may hold the separator, doubled quotes and line breaks. */
export function csvRecords(text: string, separator: string): { records: CsvRecord[]; problem: ImportProblem | null } {
  const records: CsvRecord[] = [];
  let line = 1;
  let cells: Cell[] = [];
  let value = '';
  let quoted = false;
  let recordLine = 1;
  let quoteOpenedAt = { line: 1, column: 1 };
  const endCell = () => {
    cells.push({ value, column: cells.length + 1 });
    value = '';
  };
  const endRecord = () => {
    endCell();
    if (cells.some((cell) => cell.value.trim() !== '')) records.push({ line: recordLine, cells });
    cells = [];
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        value += '"';
        i++;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line++;
        value += char;
      }
    } else if (char === '"' && value.trim() === '') {
      value = '';
      quoted = true;
      quoteOpenedAt = { line, column: cells.length + 1 };
    } else if (char === separator) endCell();
    else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else value += char;
  }
  if (quoted) return { records, problem: { ...quoteOpenedAt, field: null, ...said('import.quote_open') } };
  endRecord();
  return { records, problem: null };
}

function separatorOf(text: string): string {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  if (first.includes(',')) return ',';
  if (first.includes(';')) return ';';
  if (first.includes('\t')) return '\t';
  return ',';
}

function headerOf(record: CsvRecord): Field[] | null {
  const names = record.cells.map((cell) => HEADER_NAMES[cell.value.trim().toLowerCase()]);
  // A header names its columns; a data row has a name, an address and a number in it.
  return names.filter(Boolean).length >= 2 ? (names as Field[]) : null;
}

const emailSchema = z.email({ message: 'not an email address' });

/**
 * Reads "name, host, port, user[, email]" rows, with or without a header (columns then in any
 * order), separated by commas, semicolons or tabs. Every row is checked; any problem rejects the file.
 */
export function parseAttendeeCsv(input: string): AttendeeCsv {
  const text = input.replace(/^\uFEFF/, '');
  const { records, problem } = csvRecords(text, separatorOf(text));
  if (problem) return { ok: false, problems: [problem] };
  if (records.length === 0) return { ok: false, problems: [{ line: 1, column: 1, field: null, ...said('import.no_rows') }] };

  const problems: ImportProblem[] = [];
  let columns: (Field | undefined)[] = POSITIONAL;
  let dataRecords = records;
  const header = headerOf(records[0]);
  if (header) {
    dataRecords = records.slice(1);
    columns = header;
    records[0].cells.forEach((cell, index) => {
      if (!header[index] && cell.value.trim() !== '') {
        problems.push({
          line: records[0].line,
          column: index + 1,
          field: null,
          ...said('import.unknown_column', { column: cell.value.trim().slice(0, 40) }),
        });
      }
    });
    for (const field of REQUIRED) {
      if (!header.includes(field)) problems.push({ line: records[0].line, column: header.length + 1, field, ...said('import.missing_column', { field }) });
    }
    if (problems.length > 0) return { ok: false, problems };
  }
  if (dataRecords.length > MAX_IMPORT_ROWS) {
    return {
      ok: false,
      problems: [{ line: dataRecords[MAX_IMPORT_ROWS].line, column: 1, field: null, ...said('import.too_many_rows', { max: MAX_IMPORT_ROWS }) }],
    };
  }

  const rows: AttendeeRow[] = [];
  const vmLines = new Map<string, number>();
  for (const record of dataRecords) {
    if (problems.length >= MAX_PROBLEMS) break;
    const expected = header ? columns.length : null;
    const count = record.cells.length;
    if (expected !== null ? count > expected : count < 4 || count > 5) {
      problems.push({
        line: record.line,
        column: Math.min(count, (expected ?? 5) + 1),
        field: null,
        ...(expected !== null ? said('import.field_count_header', { count, expected }) : said('import.field_count', { count })),
      });
      continue;
    }
    const cellOf = (field: Field) => {
      const index = columns.indexOf(field);
      return { column: index + 1, value: index >= 0 ? (record.cells[index]?.value ?? '') : '' };
    };
    const parsed = registrationSchema.safeParse({
      displayName: cellOf('name').value,
      host: cellOf('host').value,
      port: cellOf('port').value.trim(),
      sshUser: cellOf('user').value,
    });
    const emailCell = cellOf('email');
    const email = emailCell.value.trim() === '' ? null : emailSchema.safeParse(emailCell.value.trim());
    if (!parsed.success) {
      const seen = new Set<string>();
      for (const issue of parsed.error.issues) {
        const field = SCHEMA_FIELD[String(issue.path[0])];
        if (!field || seen.has(field)) continue;
        seen.add(field);
        problems.push({ line: record.line, column: cellOf(field).column, field, message: issue.message, coded: issueCode(issue) });
      }
    }
    if (email && !email.success) problems.push({ line: record.line, column: emailCell.column, field: 'email', ...said('import.not_email') });
    if (!parsed.success || (email && !email.success)) continue;
    const vm = `${parsed.data.host}:${parsed.data.port}`;
    const earlier = vmLines.get(vm);
    if (earlier !== undefined) {
      problems.push({ line: record.line, column: cellOf('host').column, field: 'host', ...said('import.duplicate_vm', { vm, line: earlier }) });
      continue;
    }
    vmLines.set(vm, record.line);
    rows.push({ line: record.line, ...parsed.data, email: email?.data ?? null, hostColumn: cellOf('host').column });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rows };
}
