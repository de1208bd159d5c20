/**
 * How an `ssh` check can run in the VM's kept-open shell (issue 21: every process a sweep starts
 * costs a small VM milliseconds):
 *   - `builtin`: only shell builtins and file reads (`read`, `test`, `printf`, `command -v`, `case`…):
 *     run in the kept-open shell itself, without a fork;
 *   - `forks`: the same, but it also starts programs (`$(readelf …)`, a pipeline): run in the shell,
 *     each program is then the only process, and the frames so far are sent first, so a hang in it
 *     is told apart from the checks that finished;
 *   - `subshell`: anything else runs in a subshell as before, where it can do what it likes.
 *
 * The reading is deliberately conservative: a check is run in the shell only when every word of it
 * is understood and none can change the shell (exit, cd, set, trap, export, eval, a background job, a
 * loop that may not end, an assignment to anything but a lower-case name, which is made local). When
 * in doubt it is `subshell`, which costs a fork and is never wrong.
 */
export type ShellMode = 'builtin' | 'forks' | 'subshell';

export interface ShellReading {
  mode: ShellMode;
  /** The names the check assigns, made local so nothing it sets outlives it. */
  locals: string[];
}

/** Words that change the shell itself, or that this reading does not follow: never run in the kept-open shell. */
const CHANGES_THE_SHELL = new Set([
  'exit',
  'exec',
  'return',
  'eval',
  'cd',
  'pushd',
  'popd',
  'set',
  'shift',
  'trap',
  'unset',
  'export',
  'readonly',
  'local',
  'typeset',
  'declare',
  'let',
  'source',
  '.',
  'alias',
  'unalias',
  'umask',
  'ulimit',
  'wait',
  'jobs',
  'fg',
  'bg',
  'disown',
  'break',
  'continue',
  'getopts',
  'hash',
  'builtin',
  'enable',
  'function',
  'mapfile',
  'readarray',
  'while',
  'until',
  'select',
  'coproc',
  'times',
  'shopt',
  'setopt',
]);

/** Builtins in every POSIX sh that neither fork nor change the shell (with `read -r` and `command -v` only). */
const PURE_BUILTINS = new Set(['read', 'test', '[', 'printf', 'echo', ':', 'true', 'false', 'command']);

const LOCAL_NAME = /^[a-z_][a-z0-9_]*$/;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;
const REDIRECTION = /^[0-9]?(?:<>|>>|>&|<&|>\||<|>)$/;

const SUBSHELL: ShellReading = { mode: 'subshell', locals: [] };

type Token = { kind: 'word'; text: string; quoted: boolean } | { kind: 'op'; text: string };

class Unreadable extends Error {}

const cache = new Map<string, ShellReading>();

export function readShellCheck(script: string): ShellReading {
  let reading = cache.get(script);
  if (!reading) {
    reading = readUncached(script);
    if (cache.size > 2000) cache.clear();
    cache.set(script, reading);
  }
  return reading;
}

function readUncached(script: string): ShellReading {
  try {
    const scan = tokens(script);
    const walked = walk(scan.tokens);
    const forks = scan.substitutes || walked.forks;
    const names = [...walked.names].sort();
    if (names.some((name) => name !== 'IFS' && (!LOCAL_NAME.test(name) || name.startsWith('navigator_')))) return SUBSHELL;
    return { mode: forks ? 'forks' : 'builtin', locals: names };
  } catch (error) {
    if (error instanceof Unreadable) return SUBSHELL;
    throw error;
  }
}

/** Words and operators, quotes kept in the word's text; command substitutions skipped whole (they run in a subshell). */
function tokens(script: string): { tokens: Token[]; substitutes: boolean } {
  const out: Token[] = [];
  let substitutes = false;
  let word = '';
  let quoted = false;
  let inWord = false;
  const endWord = () => {
    if (inWord) out.push({ kind: 'word', text: word, quoted });
    word = '';
    quoted = false;
    inWord = false;
  };
  let i = 0;
  while (i < script.length) {
    const ch = script[i];
    if (ch === '\\') {
      if (i + 1 >= script.length) throw new Unreadable();
      word += script.slice(i, i + 2);
      quoted = true;
      inWord = true;
      i += 2;
    } else if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) throw new Unreadable();
      word += script.slice(i, end + 1);
      quoted = true;
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      const end = doubleQuoteEnd(script, i);
      const inside = script.slice(i + 1, end);
      if (inside.includes('$(') || inside.includes('`')) substitutes = true;
      checkExpansions(inside);
      word += script.slice(i, end + 1);
      quoted = true;
      inWord = true;
      i = end + 1;
    } else if (ch === '`') {
      throw new Unreadable();
    } else if (ch === '$' && script[i + 1] === '(') {
      if (script[i + 2] === '(') throw new Unreadable();
      const end = substitutionEnd(script, i + 2);
      substitutes = true;
      word += script.slice(i, end + 1);
      inWord = true;
      i = end + 1;
    } else if (ch === '$' && script[i + 1] === '{') {
      const end = script.indexOf('}', i + 2);
      if (end < 0) throw new Unreadable();
      checkExpansions(script.slice(i, end + 1));
      word += script.slice(i, end + 1);
      inWord = true;
      i = end + 1;
    } else if (ch === '#' && !inWord) {
      const end = script.indexOf('\n', i);
      i = end < 0 ? script.length : end;
    } else if (ch === ' ' || ch === '\t') {
      endWord();
      i++;
    } else if ('\n;&|()<>'.includes(ch)) {
      // A redirection's fd number is part of its operator: `2>`.
      const fd = inWord && /^[0-9]$/.test(word) && !quoted && (ch === '<' || ch === '>') ? word : '';
      if (fd) {
        word = '';
        inWord = false;
      } else endWord();
      const two = script.slice(i, i + 2);
      const op = ['&&', '||', ';;', '>>', '>&', '<&', '<>', '>|', '<<'].includes(two) ? two : ch;
      if (op === '<<') throw new Unreadable();
      out.push({ kind: 'op', text: fd + op });
      i += op.length;
    } else {
      word += ch;
      inWord = true;
      i++;
    }
  }
  endWord();
  return { tokens: out, substitutes };
}

function doubleQuoteEnd(script: string, start: number): number {
  for (let i = start + 1; i < script.length; i++) {
    if (script[i] === '\\') i++;
    else if (script[i] === '"') return i;
  }
  throw new Unreadable();
}

/**
 * The `)` that ends a `$(` at `from`. Quotes and nested parentheses are followed; a `case` inside
 * (whose patterns end in a lone `)`) is not, so such a check runs in a subshell.
 */
function substitutionEnd(script: string, from: number): number {
  let depth = 1;
  for (let i = from; i < script.length; i++) {
    const ch = script[i];
    if (ch === '\\') i++;
    else if (ch === "'") {
      i = script.indexOf("'", i + 1);
      if (i < 0) break;
    } else if (ch === '"') i = doubleQuoteEnd(script, i);
    else if (ch === '`') break;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) {
      if (/\bcase\b/.test(script.slice(from, i))) break;
      return i;
    }
  }
  throw new Unreadable();
}

/** `${x=…}`, `${x:=…}` assign and `${x?…}` ends a non-interactive shell; `$((…))` may assign. */
function checkExpansions(text: string): void {
  if (text.includes('$((')) throw new Unreadable();
  for (const match of text.matchAll(/\$\{([^}]*)\}/g)) if (/[=?]/.test(match[1])) throw new Unreadable();
}

const STARTS_A_COMMAND = new Set(['if', 'then', 'else', 'elif', 'do', '!', '{']);
const ENDS_A_COMPOUND = new Set(['fi', 'done', 'esac', '}']);

/** Follows command positions: which commands run, and which names are assigned. */
function walk(list: Token[]): { forks: boolean; names: Set<string> } {
  const names = new Set<string>();
  let forks = false;
  let atCommand = true;
  // Inside `case … in`: true while reading a pattern (up to its `)`).
  const cases: boolean[] = [];
  for (let i = 0; i < list.length; i++) {
    const token = list[i];
    if (token.kind === 'op') {
      // `a|b)`: alternatives of a case pattern.
      if (token.text === '|' && cases.length > 0 && cases[cases.length - 1]) continue;
      if (REDIRECTION.test(token.text)) {
        if (list[i + 1]?.kind !== 'word') throw new Unreadable();
        i++;
        continue;
      }
      switch (token.text) {
        case '&':
          throw new Unreadable();
        case '|':
          forks = true;
          atCommand = true;
          break;
        case '(':
          // After a command's name, `(` defines a function.
          if (!atCommand) throw new Unreadable();
          forks = true;
          atCommand = true;
          break;
        case ')':
          if (cases.length > 0 && cases[cases.length - 1]) cases[cases.length - 1] = false;
          atCommand = true;
          break;
        case ';;':
          if (cases.length === 0) throw new Unreadable();
          cases[cases.length - 1] = true;
          atCommand = true;
          break;
        default:
          atCommand = true;
      }
      continue;
    }
    const text = token.text;
    if (!token.quoted && CHANGES_THE_SHELL.has(text)) throw new Unreadable();
    if (cases.length > 0 && cases[cases.length - 1]) {
      // A pattern, or the `esac` that ends the case.
      if (!token.quoted && text === 'esac') {
        cases.pop();
        atCommand = false;
      }
      continue;
    }
    if (!atCommand) continue;
    // The name is unquoted when the word starts with it; the value may be quoted.
    const assignment = ASSIGNMENT.exec(text);
    if (assignment) {
      names.add(assignment[1]);
      continue;
    }
    if (token.quoted) {
      // A command name made of an expansion or quotes: not followed.
      throw new Unreadable();
    }
    if (STARTS_A_COMMAND.has(text)) continue;
    if (ENDS_A_COMPOUND.has(text)) {
      if (text === 'esac') {
        if (cases.length === 0) throw new Unreadable();
        cases.pop();
      }
      atCommand = false;
      continue;
    }
    if (text === 'case') {
      if (list[i + 1]?.kind !== 'word' || list[i + 2]?.kind !== 'word' || (list[i + 2] as { text: string }).text !== 'in') throw new Unreadable();
      i += 2;
      cases.push(true);
      continue;
    }
    if (text === 'for') {
      const name = list[i + 1];
      if (name?.kind !== 'word') throw new Unreadable();
      names.add(name.text);
      i++;
      atCommand = false;
      continue;
    }
    if (text.includes('$') || text.includes('=')) throw new Unreadable();
    atCommand = false;
    if (!PURE_BUILTINS.has(text)) {
      forks = true;
      continue;
    }
    const args = argumentsAfter(list, i);
    if (text === 'command' && args[0] !== '-v') forks = true;
    if (text === 'printf' && args[0]?.startsWith('-')) throw new Unreadable();
    if (text === 'read') {
      for (const arg of args) {
        if (arg === '-r') continue;
        if (arg.startsWith('-')) throw new Unreadable();
        names.add(arg);
      }
    }
  }
  if (cases.length > 0) throw new Unreadable();
  return { forks, names };
}

/** The words of the simple command starting at `at`, redirections and their targets left out. */
function argumentsAfter(list: Token[], at: number): string[] {
  const args: string[] = [];
  for (let i = at + 1; i < list.length; i++) {
    const token = list[i];
    if (token.kind === 'op') {
      if (!REDIRECTION.test(token.text)) break;
      i++;
      continue;
    }
    args.push(token.text);
  }
  return args;
}
