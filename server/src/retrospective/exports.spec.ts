import { describe, expect, it } from 'vitest';
import type { RunSummaryView } from '../contract/retrospective';
import { jsonForHtml, retrospectiveHtml } from './html-export';
import { retrospectiveMarkdown } from './markdown';
import type { RunRecord } from './run-record';
import { retrospective } from './statistics';

const at = (minute: number) => Date.UTC(2026, 0, 1, 10, minute);
const run: RunSummaryView = {
  id: 'w-run-2',
  number: 2,
  workshopId: 'w',
  title: 'Tracing <PHP>',
  startedAt: new Date(at(0)).toISOString(),
  archivedAt: new Date(at(20)).toISOString(),
  active: false,
  version: { revision: 3, hash: 'abcdef0123456789' },
  attendance: { registered: 1, connected: 1 },
  shared: false,
  sharePath: null,
};
const record: RunRecord = {
  run,
  steps: [{ id: 's', title: 'Build | link', minutes: 5, hint: 'Run make.', checks: [{ id: 'c', title: 'Built', failure: 'Run `make`.' }] }],
  discussion: { prompt: 'Where?', minutes: 10, presentationMinutes: 3 },
  clockStartedAt: at(0),
  endAt: at(20),
  attendees: [{ id: 'a', name: 'Ada', registeredAt: at(0) }],
  transitions: [
    { attendeeId: 'a', checkId: null, to: 'connected', reason: null, at: at(0) },
    { attendeeId: 'a', checkId: 'c', to: 'fail', reason: 'exit 2', at: at(1) },
    { attendeeId: 'a', checkId: 'c', to: 'pass', reason: null, at: at(9) },
  ],
  help: [],
  groups: [
    {
      name: 'G',
      position: 0,
      presented: true,
      skipped: false,
      memberIds: ['a'],
      notes: [{ author: 'Ada', text: '</script><script>alert(1)</script>' }],
      presentationStartedAt: at(15),
      presentationEndedAt: at(18),
    },
  ],
  discussionTimer: null,
};
const retro = retrospective(record);

describe('Markdown export', () => {
  const markdown = retrospectiveMarkdown(retro);

  it('has every section of the page, as text and tables', () => {
    for (const heading of [
      '## Fix first',
      '## Steps: planned against measured',
      '## Where people got stuck',
      '## Unreachable VMs',
      '## Hands raised',
      '## The room over time',
      '## Discussion',
    ])
      expect(markdown).toContain(heading);
    expect(markdown).toContain('**Build | link**: 4 attendee-minutes over plan');
    expect(markdown).toContain('(planned 5 min): 8+ min: 1.');
    expect(markdown).toContain('| Built | Build \\| link | 8 | 1 | exit 2 (1) | Run `make`. — hint: Run make. |');
    expect(markdown).toContain('### 1. G (presented, 3 min)');
  });

  it('names who went to the hands, escaped like every name', () => {
    const answered = retrospectiveMarkdown(
      retrospective({
        ...record,
        help: [{ attendeeId: 'a', message: '', raisedAt: at(2), acknowledgedAt: at(5), acknowledgedBy: 'Sam | <b>', resolvedAt: at(8) }],
      }),
    );
    expect(answered).toContain('### Who went to the hands');
    expect(answered).toContain('| Sam \\| &lt;b&gt; | 1 | 3 |');
    expect(markdown).not.toContain('Who went to the hands');
  });

  it('lets no HTML from attendees through', () => {
    expect(markdown).not.toContain('<script>');
    expect(markdown).toContain('&lt;/script&gt;');
    expect(markdown).toContain('# Tracing &lt;PHP&gt;');
  });
});

describe('HTML export', () => {
  const html = retrospectiveHtml(retro, { js: 'window.x = "</script>";', css: 'body{color:red}' });

  it('is one file: data, code and styles inline, and a policy that forbids fetching anything', () => {
    expect(html).toContain(`default-src 'none'`);
    expect(html).not.toMatch(/\s(src|href)=/);
    expect(html).toContain('<style>body{color:red}</style>');
    expect(html).toContain('<title>Tracing &lt;PHP&gt;: retrospective of run 2</title>');
  });

  it('no text inside it can close its script elements early', () => {
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(JSON.parse(jsonForHtml(retro).replace(/\\u003c/g, '<'))).toEqual(retro);
    expect(html).toContain('window.x = "<\\/script>";');
  });
});

describe('exports in Japanese', () => {
  const japanese = retrospective({
    ...record,
    attendees: [{ id: 'a', name: '山田 太郎', registeredAt: at(0) }],
    groups: [{ ...record.groups[0], name: '第1グループ', notes: [{ author: '山田 太郎', text: 'eBPF で遅い SQL を追跡した' }] }],
  });

  it('the Markdown: headings, tables and sentences in Japanese, names and notes as written', () => {
    const markdown = retrospectiveMarkdown(japanese, 'ja');
    expect(markdown).toContain('# Tracing &lt;PHP&gt;：第2回のふりかえり');
    for (const heading of [
      '## まず直すべき点',
      '## ステップ：計画と実測',
      '## つまずいたところ',
      '## 接続できなかった VM',
      '## 挙手',
      '## 時間ごとの会場の様子',
      '## ディスカッション',
    ])
      expect(markdown).toContain(heading);
    expect(markdown).toContain('**Build | link**：計画超過 延べ4分');
    expect(markdown).toContain('| チェック | ステップ | 延べ分 | 人数 | 主な理由 | 表示された内容 |');
    expect(markdown).toContain('### 1. 第1グループ（発表済み、3分）');
    expect(markdown).toContain('メンバー：山田 太郎');
    expect(markdown).toContain('- eBPF で遅い SQL を追跡した（山田 太郎）');
    expect(markdown).toContain('2026年1月1日 10:00 UTC');
    expect(markdown).not.toMatch(/\b(attendee-minutes|Members|retrospective)\b/);
  });

  it('the HTML file says its language and has its title in it', () => {
    const html = retrospectiveHtml(japanese, { js: '', css: '' }, 'ja');
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain('<title>Tracing &lt;PHP&gt;：第2回のふりかえり</title>');
    expect(html).toContain('山田 太郎');
  });
});
