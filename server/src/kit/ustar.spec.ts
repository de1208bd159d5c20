import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UstarWriter } from './ustar';

/** Extracts with the real tar (GNU tar here, as on attendees' VMs) and says what it printed; tar warns about malformed headers. */
function extract(archive: Buffer): { dir: string; stderr: string; listing: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-ustar-'));
  const file = path.join(dir, 'archive.tar');
  fs.writeFileSync(file, archive);
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  const extracted = spawnSync('tar', ['-xf', file, '-C', out], { encoding: 'utf8' });
  expect(extracted.status, extracted.stderr).toBe(0);
  const listed = spawnSync('tar', ['--numeric-owner', '-tvf', file], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } });
  expect(listed.status, listed.stderr).toBe(0);
  return { dir: out, stderr: extracted.stderr + listed.stderr, listing: listed.stdout };
}

describe('the ustar writer', () => {
  it('writes files, directories and links that the real tar extracts with their modes, contents and time', () => {
    const tar = new UstarWriter(946_684_800);
    tar.directory('kit/');
    tar.directory('kit/bin', 0o755);
    tar.file('kit/bin/setup.sh', Buffer.from('#!/bin/sh\necho set up\n'), 0o755);
    tar.file('kit/README.md', Buffer.from('# Kit\n'.repeat(200)), 0o644);
    tar.file('kit/empty', Buffer.alloc(0));
    tar.file('kit/日本語.txt', Buffer.from('こんにちは\n'));
    tar.symlink('kit/setup', 'bin/setup.sh');
    const { dir, stderr, listing } = extract(tar.finish());
    expect(stderr).toBe('');
    expect(fs.readFileSync(path.join(dir, 'kit/bin/setup.sh'), 'utf8')).toBe('#!/bin/sh\necho set up\n');
    expect(fs.statSync(path.join(dir, 'kit/bin/setup.sh')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(dir, 'kit/README.md')).mode & 0o111).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'kit/README.md'), 'utf8')).toBe('# Kit\n'.repeat(200));
    expect(fs.statSync(path.join(dir, 'kit/empty')).size).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'kit/日本語.txt'), 'utf8')).toBe('こんにちは\n');
    expect(fs.readlinkSync(path.join(dir, 'kit/setup'))).toBe('bin/setup.sh');
    expect(fs.statSync(path.join(dir, 'kit/bin/setup.sh')).mtime.toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(listing.split('\n')[2]).toMatch(/^-rwxr-xr-x 0\/0 +22 2000-01-01 00:00 kit\/bin\/setup\.sh$/);
  });

  it('splits a long path into prefix and name, as ustar allows, and refuses one it cannot hold', () => {
    const deep = `kit/${'directory-'.repeat(12)}/${'nested-'.repeat(8)}/file-with-a-long-name.txt`;
    expect(Buffer.byteLength(deep)).toBeGreaterThan(100);
    const tar = new UstarWriter(0);
    tar.file(deep, Buffer.from('deep\n'));
    const longDirectory = `kit/${'d'.repeat(90)}/${'e'.repeat(40)}/`;
    tar.directory(longDirectory);
    const { dir, stderr } = extract(tar.finish());
    expect(stderr).toBe('');
    expect(fs.readFileSync(path.join(dir, deep), 'utf8')).toBe('deep\n');
    expect(fs.statSync(path.join(dir, longDirectory)).isDirectory()).toBe(true);
    expect(() => new UstarWriter(0).file(`kit/${'x'.repeat(120)}`, Buffer.alloc(1))).toThrow(/too long for a ustar archive/);
    expect(() => new UstarWriter(0).symlink('kit/link', 'y'.repeat(101))).toThrow(/longer than ustar's 100 bytes/);
  });

  it('gives the same bytes for the same entries', () => {
    const build = () => {
      const tar = new UstarWriter(946_684_800);
      tar.directory('a/');
      tar.file('a/b', Buffer.from('b'), 0o755);
      return tar.finish();
    };
    expect(build().equals(build())).toBe(true);
    // Header, one block of content, two blocks of end.
    expect(build().length).toBe(512 * (1 + 1 + 1 + 2));
  });
});
