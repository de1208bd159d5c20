import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkshopFile, parseWorkshop, WorkshopFileError } from './workshop.loader';
import {
  agendaOf,
  missingTranslations,
  substituteVars,
  workshopLanguage,
  workshopLanguages,
  workshopSchema,
  workshopText,
  workshopTexts,
} from './workshop.schema';

const check = (fields: Record<string, unknown> = {}) => ({ id: 'c', title: 'C', ssh: { run: 'true' }, ...fields });
const step = (fields: Record<string, unknown> = {}, checkFields: Record<string, unknown> = {}) => ({
  id: 'one',
  title: 'One',
  minutes: 5,
  checks: [check(checkFields)],
  ...fields,
});
const workshop = (fields: Record<string, unknown> = {}) => ({ id: 'w', title: 'W', steps: [step()], ...fields });
const issues = (input: Record<string, unknown>) => workshopSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

/** What `navigator validate` and a server start say about a file: its name, then each problem. */
function problemsOf(input: Record<string, unknown>): { message: string; problems: string[] } {
  try {
    parseWorkshop(JSON.stringify(input), 'w.yaml');
  } catch (error) {
    if (error instanceof WorkshopFileError) return { message: error.message, problems: error.problems };
    throw error;
  }
  return { message: '', problems: [] };
}

describe('texts in several languages', () => {
  it('takes a string, as before, and keeps it a string (a file without maps hashes as it did)', () => {
    const parsed = workshopSchema.parse(workshop());
    expect(parsed.title).toBe('W');
    expect(parsed.steps[0].title).toBe('One');
    expect(parsed.steps[0].hint).toBe('');
    expect('language' in parsed).toBe(false);
    expect(workshopLanguage(parsed)).toBe('en');
  });

  it('takes a map of languages in every text for people: titles, hint, failure, prompt, seat and value labels, talks', () => {
    const parsed = workshopSchema.parse(
      workshop({
        version: 2,
        language: 'ja',
        title: { en: 'Workshop', ja: 'ワークショップ' },
        description: { en: 'About', ja: '概要' },
        discussion: { prompt: { en: 'Why?', ja: 'なぜ？' } },
        seat: { label: { en: 'Table', ja: 'テーブル' } },
        attendeeValues: { team: { label: { en: 'Team', ja: 'チーム' } } },
        steps: [
          { id: 'intro', title: { en: 'Intro', ja: 'はじめに' }, minutes: 5, talk: true },
          step(
            { title: { en: 'One', ja: '一つ目' }, hint: { en: 'Look', ja: '見てください' } },
            { title: { en: 'C', ja: 'シー' }, failure: { en: 'No', ja: 'いいえ' } },
          ),
        ],
      }),
    );
    expect(parsed.language).toBe('ja');
    expect(parsed.steps[0].title).toEqual({ en: 'One', ja: '一つ目' });
    expect(parsed.steps[0].hint).toEqual({ en: 'Look', ja: '見てください' });
    expect(parsed.steps[0].checks[0]).toMatchObject({ title: { en: 'C', ja: 'シー' }, failure: { en: 'No', ja: 'いいえ' } });
    expect(agendaOf(parsed)[0].title).toEqual({ en: 'Intro', ja: 'はじめに' });
    expect(parsed.discussion.prompt).toEqual({ en: 'Why?', ja: 'なぜ？' });
    expect(parsed.seat?.label).toEqual({ en: 'Table', ja: 'テーブル' });
    expect(parsed.attendeeValues?.team.label).toEqual({ en: 'Team', ja: 'チーム' });
    expect(workshopTexts(parsed).map((t) => t.where)).toEqual([
      'title',
      'description',
      'discussion.prompt',
      'seat.label',
      'attendeeValues.team.label',
      'step 1 (intro) › title',
      'step 2 (one) › title',
      'step 2 (one) › hint',
      'step 2 (one) › check 1 (c) › title',
      'step 2 (one) › check 1 (c) › failure',
    ]);
  });

  it("a missing translation falls back to the workshop's language, else to the language given", () => {
    const english = workshopSchema.parse(workshop({ title: { en: 'English', ja: '日本語' } }));
    expect(workshopText(english, english.title)).toBe('English');
    expect(workshopText(english, english.title, 'ja')).toBe('日本語');
    expect(workshopText(english, { en: 'Only English' }, 'ja')).toBe('Only English');
    expect(workshopText(english, 'Everyone', 'ja')).toBe('Everyone');
    const japanese = workshopSchema.parse(workshop({ language: 'ja', title: { en: 'English', ja: '日本語' } }));
    expect(workshopText(japanese, japanese.title)).toBe('日本語');
    expect(workshopText(japanese, japanese.title, 'en')).toBe('English');
    expect(workshopText(japanese, { en: 'Only English' })).toBe('Only English');
  });

  it('refuses a language Navigator does not speak, naming the file, the step, the check and the field', () => {
    const { message, problems } = problemsOf(workshop({ steps: [step({ title: { en: 'One', fr: 'Un' } }, { failure: { ja: 'だめ', de: 'Nein' } })] }));
    expect(message).toMatch(/^w\.yaml is not a valid workshop file:/);
    expect(problems).toEqual([
      'step 1 (one) › title: "fr" is not a language Navigator speaks: use en, ja',
      'step 1 (one) › check 1 (c) › failure: "de" is not a language Navigator speaks: use en, ja',
    ]);
    expect(problemsOf(workshop({ discussion: { prompt: { en: 'Why?', jp: 'なぜ', es: '¿Por qué?' } } })).problems).toEqual([
      'discussion.prompt: "jp", "es" are not languages Navigator speaks: use en, ja',
    ]);
    expect(problemsOf(workshop({ language: 'fr' })).problems).toEqual(['language: Invalid option: expected one of "en"|"ja"']);
  });

  it('refuses an empty map and what is neither a text nor a map', () => {
    expect(issues(workshop({ steps: [step({ title: {} })] }))).toEqual(['steps.0.title: give the text in at least one language (en, ja)']);
    expect(issues(workshop({ steps: [step({ hint: 42 })] }))).toEqual(['steps.0.hint: a text, or one text per language: { en: …, ja: … }']);
  });

  it('applies the same limits to each language', () => {
    const long = (n: number) => 'x'.repeat(n);
    expect(issues(workshop({ title: { en: long(200), ja: 'あ'.repeat(200) } }))).toEqual([]);
    expect(issues(workshop({ title: { en: long(200), ja: 'あ'.repeat(201) } }))).toEqual(['title.ja: Too big: expected string to have <=200 characters']);
    expect(issues(workshop({ title: { en: '', ja: 'あ' } }))).toEqual(['title.en: Too small: expected string to have >=1 characters']);
    expect(issues(workshop({ steps: [step({ hint: { en: long(20000), ja: long(20000) } })] }))).toEqual([]);
    expect(issues(workshop({ steps: [step({ hint: { en: long(20001) } })] }))).toEqual([
      'steps.0.hint.en: Too big: expected string to have <=20000 characters',
    ]);
    expect(issues(workshop({ seat: { label: { en: 'Table', ja: 'あ'.repeat(41) } } }))).toEqual([
      'seat.label.ja: Too big: expected string to have <=40 characters',
    ]);
    expect(issues(workshop({ steps: [step({}, { failure: { ja: long(2001) } })] }))).toEqual([
      'steps.0.checks.0.failure.ja: Too big: expected string to have <=2000 characters',
    ]);
  });

  it('substitutes ${vars.NAME} in each language, and refuses an undefined one in whichever language it is', () => {
    const input = workshop({
      version: 2,
      vars: { php: '8.2' },
      steps: [
        step(
          { hint: { en: 'Use PHP ${vars.php}.', ja: 'PHP ${vars.php} を使います。' } },
          { failure: { en: 'Not ${vars.php}', ja: '${vars.php} ではありません' } },
        ),
      ],
    });
    const parsed = workshopSchema.parse(input);
    expect(substituteVars(parsed, parsed.steps[0].hint)).toEqual({ en: 'Use PHP 8.2.', ja: 'PHP 8.2 を使います。' });
    expect(substituteVars(parsed, parsed.steps[0].checks[0].failure!)).toEqual({ en: 'Not 8.2', ja: '8.2 ではありません' });
    expect(substituteVars({ ...parsed, vars: { php: '8.3' } }, 'PHP ${vars.php}')).toBe('PHP 8.3');
    const undefinedInJapanese = { ...input, steps: [step({ hint: { en: 'PHP ${vars.php}', ja: 'PHP ${vars.version}' } })] };
    expect(issues(undefinedInJapanese)).toEqual(['steps.0.hint.ja: ${vars.version} is not defined (declare it under "vars")']);
  });

  it('lists, per text given per language, the languages of the workshop it lacks', () => {
    const parsed = workshopSchema.parse(
      workshop({
        title: { en: 'W', ja: 'ダブリュー' },
        seat: { label: { ja: '席' } },
        steps: [step({ title: { en: 'One' }, hint: 'Plain text is for everyone' }, { failure: { en: 'No', ja: 'いいえ' } })],
      }),
    );
    expect(workshopLanguages(parsed)).toEqual(['en', 'ja']);
    expect(missingTranslations(parsed)).toEqual([
      { where: 'seat.label', missing: ['en'] },
      { where: 'step 1 (one) › title', missing: ['ja'] },
    ]);
    // Only English anywhere: nothing is missing.
    expect(missingTranslations(workshopSchema.parse(workshop({ title: { en: 'W' } })))).toEqual([]);
    // A Japanese workshop with a text only in English lacks its own language.
    expect(missingTranslations(workshopSchema.parse(workshop({ language: 'ja', title: { en: 'W' } })))).toEqual([{ where: 'title', missing: ['ja'] }]);
  });

  it('the default workshop, checks/ebpf-php.yaml, has every text in English and in Japanese', () => {
    const { definition } = loadWorkshopFile(path.join(__dirname, '../../../checks/ebpf-php.yaml'));
    const texts = workshopTexts(definition);
    expect(texts.length).toBeGreaterThan(40);
    const notInBoth = texts.filter(({ text }) => typeof text === 'string' || !text.en || !text.ja).map(({ where }) => where);
    expect(notInBoth).toEqual([]);
    // Japanese is Japanese (kana or kanji), and commands stay as they are in both: code blocks, then inline code.
    const code = (markdown: string) => {
      const blocks = [...markdown.matchAll(/```[\s\S]*?```/g)].map((m) => m[0]);
      const inline = [...markdown.replace(/```[\s\S]*?```/g, '').matchAll(/`[^`\n]+`/g)].map((m) => m[0]);
      return [...blocks, ...inline.sort()];
    };
    for (const { where, text } of texts) {
      const { en, ja } = text as { en: string; ja: string };
      expect(ja, where).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
      expect(code(ja), where).toEqual(code(en));
    }
  });
});
