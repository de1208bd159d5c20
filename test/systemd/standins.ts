/**
 * The two artefacts of bpf/kit.lock that cannot be downloaded here, as STAND-INS built at test time on the host:
 * ebpf_exporter (test/systemd/ebpf-exporter-standin.c, static against Debian's libbpf, with the kit's configs'
 * label layout compiled in) and a Grafana .deb (test/systemd/grafana-standin/router.php behind a
 * grafana-server.service, built with dpkg-deb). The test's Navigator serves them as the lock's artefacts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const REPO = path.resolve(__dirname, '../..');

interface ConfigLabel {
  name: string;
  size: number;
  decoders: { name: string; static_map?: Record<string, string> }[];
}
interface ConfigMetric {
  name: string;
  help?: string;
  labels: ConfigLabel[];
  bucket_type?: string;
  bucket_min?: number;
  bucket_max?: number;
  bucket_multiplier?: number;
}

/** The kit's configs (bpf/NAME.yaml beside bpf/NAME.bpf.c) in the stand-in's line layout (see its header). */
export function exporterLayout(kitDir = path.join(REPO, 'bpf')): string {
  const lines: string[] = [];
  const configs = fs
    .readdirSync(kitDir)
    .filter((file) => file.endsWith('.bpf.c'))
    .map((file) => file.slice(0, -'.bpf.c'.length))
    .sort();
  for (const config of configs) {
    const yaml = parse(fs.readFileSync(path.join(kitDir, `${config}.yaml`), 'utf8')) as { metrics: { counters?: ConfigMetric[]; histograms?: ConfigMetric[] } };
    lines.push(`config ${config}`);
    const metrics = [
      ...(yaml.metrics.counters ?? []).map((m) => ({ ...m, histogram: false })),
      ...(yaml.metrics.histograms ?? []).map((m) => ({ ...m, histogram: true })),
    ];
    for (const metric of metrics) {
      if (metric.histogram) {
        if (metric.bucket_type !== 'exp2')
          throw new Error(`bpf/${config}.yaml › ${metric.name}: the stand-in knows exp2 histograms only, not ${metric.bucket_type}`);
        lines.push(`histogram ${metric.name} ${metric.bucket_min ?? 0} ${metric.bucket_max} ${metric.bucket_multiplier ?? 1}`);
      } else lines.push(`counter ${metric.name}`);
      if (metric.help) lines.push(`help ${metric.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      for (const label of metric.labels) {
        const kinds = label.decoders.map((d) => d.name);
        const base = kinds[0];
        if ((base !== 'string' && base !== 'uint') || kinds.slice(1).some((k) => k !== 'static_map'))
          throw new Error(`bpf/${config}.yaml › ${metric.name} › ${label.name}: decoders ${kinds.join(', ')} are not ones the stand-in knows`);
        lines.push(`label ${label.name} ${label.size} ${base}`);
        const statics = label.decoders.find((d) => d.name === 'static_map')?.static_map;
        if (statics)
          lines.push(
            `static ${Object.entries(statics)
              .map(([value, name]) => `${value}=${name}`)
              .join(' ')}`,
          );
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** A C string literal of any text: every byte outside printable ASCII, and `"`, `\`, `?`, as an octal escape. */
function cString(text: string): string {
  return `"${[...Buffer.from(text, 'utf8')].map((byte) => (byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c && byte !== 0x3f ? String.fromCharCode(byte) : `\\${byte.toString(8).padStart(3, '0')}`)).join('')}"`;
}

/** Builds the ebpf_exporter stand-in into `work`; returns the binary's path. */
export function buildExporterStandIn(work: string): string {
  const header = path.join(work, 'layout.h');
  fs.writeFileSync(header, `static const char LAYOUT[] = ${cString(exporterLayout())};\n`);
  const binary = path.join(work, 'ebpf_exporter-standin');
  execFileSync(
    'gcc',
    ['-O2', '-Wall', '-Werror', '-static', '-include', header, '-o', binary, path.join(__dirname, 'ebpf-exporter-standin.c'), '-lbpf', '-lelf', '-lz', '-lm'],
    {
      stdio: 'pipe',
    },
  );
  return binary;
}

const GRAFANA_UNIT = `# STAND-IN for Grafana's unit (Navigator's real-systemd kit test): PHP's built-in server (a copy of the PHP binary,
# made by the postinst) runs a router speaking the parts of Grafana's HTTP API Navigator's checks use, on Grafana's
# address and port.
[Unit]
Description=Grafana instance (STAND-IN for Navigator's kit test)
After=network-online.target

[Service]
User=grafana
Group=grafana
Environment=GF_SERVER_HTTP_ADDR=0.0.0.0
Environment=GF_SERVER_HTTP_PORT=3000
WorkingDirectory=/usr/share/grafana
ExecStart=/usr/share/grafana/standin/php -S \${GF_SERVER_HTTP_ADDR}:\${GF_SERVER_HTTP_PORT} /usr/share/grafana/standin/router.php
Restart=on-failure

[Install]
WantedBy=multi-user.target
`;

const GRAFANA_POSTINST = `#!/bin/sh
set -e
if [ "$1" = configure ]; then
  getent group grafana > /dev/null || addgroup --system grafana
  getent passwd grafana > /dev/null || adduser --system --ingroup grafana --home /usr/share/grafana --no-create-home grafana
  mkdir -p /var/lib/grafana /var/log/grafana
  # A copy of PHP of its own: the kit's probes attach to the distribution's PHP binary (by inode) and would count
  # this stand-in's requests too, which the real Grafana (not PHP) never adds to the attendee's dashboard.
  install -m 0755 "$(readlink -f /usr/bin/php)" /usr/share/grafana/standin/php
  chown grafana:grafana /var/lib/grafana /var/log/grafana
  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
fi
`;

/** Builds the Grafana stand-in .deb (package grafana, the given version) into `work`; returns its path. */
export function buildGrafanaStandIn(work: string, version: string, debArch = 'amd64'): string {
  const root = path.join(work, 'grafana-deb');
  fs.rmSync(root, { recursive: true, force: true });
  const put = (file: string, text: string, mode = 0o644) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text, { mode });
  };
  put(
    'DEBIAN/control',
    [
      'Package: grafana',
      `Version: ${version}`,
      `Architecture: ${debArch}`,
      'Maintainer: Navigator tests <tests@navigator.invalid>',
      // php-cli: the kit's setup installs it before Grafana; adduser for the postinst.
      'Depends: adduser, php-cli',
      'Section: default',
      'Priority: optional',
      `Description: STAND-IN for Grafana ${version} (Navigator's real-systemd kit test)`,
      ' Not Grafana: a PHP router answering the parts of its HTTP API that Navigator checks use,',
      ' from the dashboards and datasources provisioned under /etc/grafana/provisioning.',
      '',
    ].join('\n'),
  );
  put('DEBIAN/postinst', GRAFANA_POSTINST, 0o755);
  put('lib/systemd/system/grafana-server.service', GRAFANA_UNIT);
  put('usr/share/grafana/standin/router.php', fs.readFileSync(path.join(__dirname, 'grafana-standin/router.php'), 'utf8'));
  fs.mkdirSync(path.join(root, 'etc/grafana/provisioning/dashboards'), { recursive: true });
  fs.mkdirSync(path.join(root, 'etc/grafana/provisioning/datasources'), { recursive: true });
  const deb = path.join(work, `grafana_${version}_${debArch}.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, deb], { stdio: 'pipe' });
  return deb;
}
