import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `systemd-analyze verify` reads unit files offline (systemd is not running as init here). The one
 * thing it cannot find is the ebpf_exporter binary, which cannot be installed here: that line, and
 * only that line, is expected.
 */
const UNITS = path.resolve(__dirname, '../../bpf/systemd');
const MISSING_HERE = /^ebpf_exporter\.service: Command \/usr\/local\/bin\/ebpf_exporter is not executable: No such file or directory$/;

function verify(files: string[]): string[] {
  const run = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8' });
  return `${run.stdout}${run.stderr}`.split('\n').filter((line) => line.trim() !== '' && !MISSING_HERE.test(line));
}

describe('systemd units', () => {
  it('pass systemd-analyze verify', () => {
    const units = fs.readdirSync(UNITS).filter((f) => f.endsWith('.service'));
    expect(units.sort()).toEqual(['ebpf_exporter.service', 'php-sample.service']);
    expect(verify(units.map((u) => path.join(UNITS, u)))).toEqual([]);
  });

  it('a broken unit is caught', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-units-'));
    const broken = path.join(dir, 'php-sample.service');
    fs.writeFileSync(broken, fs.readFileSync(path.join(UNITS, 'php-sample.service'), 'utf8').replace('[Service]', '[Service]\nType=notfy'));
    expect(verify([broken]).join('\n')).toMatch(/php-sample\.service/);
  });

  it('ebpf_exporter runs strict, as a notify service with the capabilities BPF and uprobes need, and the app with USE_ZEND_DTRACE=1', () => {
    const exporter = fs.readFileSync(path.join(UNITS, 'ebpf_exporter.service'), 'utf8');
    expect(exporter).toMatch(/^Type=notify$/m);
    // CAP_SYS_ADMIN for perf_event_open on Debian's and Ubuntu's kernels (test/systemd/kit-e2e.test.ts saw it fail without).
    expect(exporter).toMatch(/^AmbientCapabilities=CAP_BPF CAP_PERFMON CAP_SYS_ADMIN/m);
    expect(exporter).toContain('--config.names=php_requests,php_calls,php_files');
    // Strict: a program that does not attach stops the exporter (ebpf_exporter logs "Missed attachments" and exits),
    // and after three tries in a minute it stays failed instead of restarting for ever.
    expect(exporter).toMatch(/^ExecStart=\/usr\/local\/bin\/ebpf_exporter --config\.strict /m);
    expect(exporter).toMatch(/^StartLimitBurst=3$/m);
    expect(fs.readFileSync(path.join(UNITS, 'php-sample.service'), 'utf8')).toMatch(/^Environment=USE_ZEND_DTRACE=1$/m);
  });
});
