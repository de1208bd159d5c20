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
