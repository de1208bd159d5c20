import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadWorkshopFile } from '../../server/src/workshops/workshop.loader';

const BPF = path.resolve(__dirname, '../../bpf');
const dashboard = JSON.parse(fs.readFileSync(path.join(BPF, 'grafana/dashboards/php-ebpf.json'), 'utf8')) as {
  uid: string;
  panels: { id: number; title: string; datasource: { uid: string }; targets: { expr: string; datasource: { uid: string } }[] }[];
};

/** Every series name the exporter configs produce, prefixed as ebpf_exporter exports them. */
function exportedMetricNames(): Set<string> {
  const names = new Set<string>();
  for (const file of fs.readdirSync(BPF).filter((f) => f.endsWith('.yaml'))) {
    const config = parse(fs.readFileSync(path.join(BPF, file), 'utf8')) as { metrics: { counters?: { name: string }[]; histograms?: { name: string }[] } };
    for (const counter of config.metrics.counters ?? []) names.add(`ebpf_exporter_${counter.name}`);
    for (const histogram of config.metrics.histograms ?? [])
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`ebpf_exporter_${histogram.name}${suffix}`);
  }
  return names;
}

describe('Prometheus and Grafana provisioning', () => {
  it('the Prometheus config passes promtool and scrapes the exporter as job "ebpf"', () => {
    const file = path.join(BPF, 'prometheus/prometheus.yml');
    expect(execFileSync('promtool', ['check', 'config', file], { encoding: 'utf8' })).toContain('SUCCESS');
    const config = parse(fs.readFileSync(file, 'utf8')) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    expect(config.scrape_configs.find((job) => job.job_name === 'ebpf')?.static_configs[0].targets).toEqual(['localhost:9435']);
  });

  it('the dashboard queries only metrics the exporter configs produce, through the provisioned datasource', () => {
    const produced = exportedMetricNames();
    const datasource = (
      parse(fs.readFileSync(path.join(BPF, 'grafana/provisioning/datasources/prometheus.yaml'), 'utf8')) as { datasources: { uid: string }[] }
    ).datasources[0].uid;
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).toBe(datasource);
      for (const target of panel.targets) {
        const used = target.expr.match(/ebpf_exporter_[a-z_]+/g) ?? [];
        expect(used.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const name of used) expect(produced, `${panel.title} uses ${name}`).toContain(name);
      }
    }
  });

  it('the dashboard is provisionable as is (fixed uid, no import placeholders) and has every panel the workshop checks', () => {
    const text = fs.readFileSync(path.join(BPF, 'grafana/dashboards/php-ebpf.json'), 'utf8');
    expect(text).not.toContain('${DS_');
    const workshop = loadWorkshopFile(path.resolve(__dirname, '../../checks/ebpf-php.yaml')).definition;
    const grafanaChecks = workshop.steps.flatMap((s) => s.checks).filter((c) => c.kind === 'grafana');
    expect(grafanaChecks.length).toBeGreaterThan(0);
    for (const check of grafanaChecks) {
      expect(check.grafana.dashboard).toBe(dashboard.uid);
      expect(dashboard.panels.map((p) => p.title)).toContain(check.grafana.panel);
    }
  });
});
