import { describe, expect, it } from 'vitest';
import { KitLockError, parseKitLock, pinInLock } from './kit-lock';

const SUM = '53492aff6dd47e4da04ef5e672d753b9743848bdb38e9d90eafbe190b7983c44';
const OTHER = 'a'.repeat(64);

const LOCK = [
  "# The kit's artefacts: NAME SHA256 URL [URL...]",
  '',
  `libbpf-1.5.0.tar.gz ${SUM} http://deb.debian.org/libbpf.tar.gz https://github.com/libbpf/libbpf/archive/v1.5.0.tar.gz`,
  '   # indented comment',
  'ebpf_exporter-2.5.1.x86_64\t-\thttps://github.com/cloudflare/ebpf_exporter/releases/download/v2.5.1/ebpf_exporter.x86_64',
  'grafana_11.6.0_amd64.deb   -   https://dl.grafana.com/oss/release/grafana_11.6.0_amd64.deb   ',
  '',
].join('\n');

function problem(text: string): string {
  try {
    parseKitLock(text);
  } catch (error) {
    if (error instanceof KitLockError) return error.message;
    throw error;
  }
  throw new Error('expected the lock to be refused');
}

describe('the kit lock file', () => {
  it('reads name, sha256 (null while "-") and the URLs in order, skipping comments and blank lines', () => {
    expect(parseKitLock(LOCK)).toEqual([
      {
        name: 'libbpf-1.5.0.tar.gz',
        sha256: SUM,
        urls: ['http://deb.debian.org/libbpf.tar.gz', 'https://github.com/libbpf/libbpf/archive/v1.5.0.tar.gz'],
        line: 3,
      },
      {
        name: 'ebpf_exporter-2.5.1.x86_64',
        sha256: null,
        urls: ['https://github.com/cloudflare/ebpf_exporter/releases/download/v2.5.1/ebpf_exporter.x86_64'],
        line: 5,
      },
      { name: 'grafana_11.6.0_amd64.deb', sha256: null, urls: ['https://dl.grafana.com/oss/release/grafana_11.6.0_amd64.deb'], line: 6 },
    ]);
    expect(parseKitLock(`x.deb ${SUM} https://example.org/x.deb\r\n`)[0].sha256).toBe(SUM);
    expect(parseKitLock('# nothing pinned yet\n')).toEqual([]);
  });

  it('refuses a malformed line, naming its number and what is wrong', () => {
    expect(problem('# c\nlibbpf.tar.gz 1234 https://x.org/a')).toBe(
      'line 2: "1234" is not a sha256: write 64 lowercase hex digits, or "-" while it is not pinned',
    );
    expect(problem('libbpf.tar.gz')).toBe('line 1: libbpf.tar.gz has no sha256: write 64 lowercase hex digits, or "-" while it is not pinned');
    expect(problem(`libbpf.tar.gz ${SUM}`)).toBe('line 1: libbpf.tar.gz has no URL to download it from');
    // The kit's setup compares lowercase sums, as sha256sum prints them.
    expect(problem(`libbpf.tar.gz ${SUM.toUpperCase()} https://x.org/a`)).toMatch(/^line 1: "53492AFF.*" is not a sha256: write 64 lowercase hex digits/);
    expect(problem(`a.tgz - ftp://x.org/a`)).toBe('line 1: "ftp://x.org/a" is not an http:// or https:// URL');
    expect(problem(`a.tgz - https://x.org/a # trailing note`)).toBe('line 1: "#" is not an http:// or https:// URL');
    expect(problem(`\n\na.tgz - https://x.org/a\na.tgz - https://y.org/a`)).toBe('line 4: "a.tgz" is already on line 3');
    for (const name of ['../etc/passwd', '..', '.hidden', 'a/b', 'a%2Fb'])
      expect(problem(`${name} - https://x.org/a`)).toMatch(/^line 1: ".*" is not an artefact name/);
  });

  it('pins one artefact, keeping every other byte: comments, spacing, order, line ends', () => {
    const pinned = pinInLock(LOCK, 'grafana_11.6.0_amd64.deb', OTHER);
    expect(pinned).toBe(LOCK.replace('grafana_11.6.0_amd64.deb   -   ', `grafana_11.6.0_amd64.deb   ${OTHER}   `));
    expect(parseKitLock(pinned)[2].sha256).toBe(OTHER);
    // A pinned one is pinned again in place; tabs and CRLF stay.
    const crlf = `# c\r\nx.deb\t${SUM}\thttps://a.org/x.deb\r\ny.deb - https://a.org/y.deb\r\n`;
    expect(pinInLock(crlf, 'x.deb', OTHER)).toBe(`# c\r\nx.deb\t${OTHER}\thttps://a.org/x.deb\r\ny.deb - https://a.org/y.deb\r\n`);
    expect(() => pinInLock(LOCK, 'absent.deb', OTHER)).toThrow('absent.deb is not in the lock file');
    expect(() => pinInLock(LOCK, 'grafana_11.6.0_amd64.deb', 'nope')).toThrow('not a sha256');
  });

  it('never pins a commented-out line that names the artefact', () => {
    const text = `# x.deb - https://old.org/x.deb\nx.deb - https://a.org/x.deb\n`;
    expect(pinInLock(text, 'x.deb', OTHER)).toBe(`# x.deb - https://old.org/x.deb\nx.deb ${OTHER} https://a.org/x.deb\n`);
  });
});
