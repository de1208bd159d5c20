import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const CHECKS = path.join(__dirname, '../../../checks');

/** Every property name anywhere in a JSON Schema, with the first path it was found at. */
function propertyNames(schema: unknown, at: string[] = [], found = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(schema)) schema.forEach((item) => propertyNames(item, at, found));
  else if (typeof schema === 'object' && schema !== null) {
    const { properties, ...rest } = schema as { properties?: Record<string, unknown> };
    for (const [name, property] of Object.entries(properties ?? {})) {
      if (!found.has(name)) found.set(name, [...at, name].join('.'));
      propertyNames(property, [...at, name], found);
    }
    for (const value of Object.values(rest)) propertyNames(value, at, found);
  }
  return found;
}

describe('checks/README.md', () => {
  const schema: unknown = JSON.parse(fs.readFileSync(path.join(CHECKS, 'workshop.schema.json'), 'utf8'));
  const readme = fs.readFileSync(path.join(CHECKS, 'README.md'), 'utf8');
  const names = propertyNames(schema);

  it('finds the fields of the whole format in the generated JSON Schema, nested ones included', () => {
    expect(names.get('notContains')).toBe('steps.checks.http.notContains');
    expect(names.get('quantifier')).toBe('steps.checks.http.metric.quantifier');
    expect(names.size).toBeGreaterThan(50);
  });

  it('names every field of the format in backticks, so the docs cannot drift from the schema', () => {
    const undocumented = [...names].filter(([name]) => !readme.includes(`\`${name}\``)).map(([, where]) => where);
    expect(undocumented).toEqual([]);
  });
});
