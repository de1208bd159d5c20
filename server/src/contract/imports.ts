import type { Coded } from './i18n/coded';
/** CSV import of pre-provisioned VMs: what the board sends and what it gets back. */

/** One thing wrong with the CSV: 1-based line and column as a spreadsheet shows them. */
export interface ImportProblem {
  line: number;
  column: number;
  /** The field the column holds (name, host, port, user, email), or null when the row's shape is wrong. */
  field: string | null;
  /** In English; `coded` is the same for the reader's language. */
  message: string;
  coded: Coded | null;
}

export interface ImportedAttendeeView {
  id: string;
  line: number;
  displayName: string;
  email: string | null;
  host: string;
  port: number;
  sshUser: string;
  /** The personal link: shown once (only its hash is stored), so the sheet is printed now. */
  personalUrl: string;
  /** The personal link as a QR code (SVG markup). */
  qrSvg: string;
}

export interface ImportResultView {
  imported: ImportedAttendeeView[];
}

/** The body of a 400 answer: nothing was imported. */
export interface ImportRejectedView {
  /** In English; `error` is the same for the reader's language. */
  message: string;
  error: Coded;
  problems: ImportProblem[];
}
