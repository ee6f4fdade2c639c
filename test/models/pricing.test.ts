import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPriceTable, Pricer } from '../../src/models/pricing.js';
import { InputError } from '../../src/util/errors.js';

describe('Pricer', () => {
  it('prices known models, preferring the most specific pattern', () => {
    const pricer = new Pricer({}, { warn: () => {} });
    expect(pricer.priceFor('openai', 'gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6 });
    expect(pricer.priceFor('openai', 'gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10 });
    expect(pricer.priceFor('openai', 'gpt-4o-2024-05-13')).toEqual({ input: 5, output: 15 });
    expect(pricer.priceFor('anthropic', 'claude-3-5-haiku-20241022')).toEqual({ input: 0.8, output: 4 });
    expect(pricer.cost('openai', 'gpt-4o-mini', { promptTokens: 1_000_000, completionTokens: 500_000 })).toBeCloseTo(0.45, 10);
  });

  it('makes local providers free without warning', () => {
    const warnings: string[] = [];
    const pricer = new Pricer({}, { warn: (m) => warnings.push(m) });
    for (const provider of ['gguf', 'builtin', 'replay']) {
      expect(pricer.cost(provider, 'gpt-4o', { promptTokens: 1000, completionTokens: 1000 })).toBe(0);
    }
    expect(warnings).toEqual([]);
  });

  it('counts an unknown hosted model as free and warns once, naming it', () => {
    const warnings: string[] = [];
    const pricer = new Pricer({}, { warn: (m) => warnings.push(m) });
    const usage = { promptTokens: 100, completionTokens: 100 };
    expect(pricer.cost('openai', 'my-finetune', usage)).toBe(0);
    expect(pricer.cost('openai', 'my-finetune', usage)).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('openai:my-finetune');
    expect(pricer.unknownModels()).toEqual(['openai:my-finetune']);
  });

  it('lets user prices override the defaults, by name, glob or provider-qualified glob', () => {
    const pricer = new Pricer(
      { 'gpt-4o-mini': { input: 1, output: 2 }, 'my-*': { input: 3, output: 4 }, 'gguf:*': { input: 0.5, output: 0.5 } },
      { warn: () => {} },
    );
    expect(pricer.priceFor('openai', 'gpt-4o-mini')).toEqual({ input: 1, output: 2 });
    expect(pricer.priceFor('openai', 'my-finetune')).toEqual({ input: 3, output: 4 });
    expect(pricer.priceFor('gguf', '/models/x.gguf')).toEqual({ input: 0.5, output: 0.5 });
    // Not overridden: the default still applies.
    expect(pricer.priceFor('openai', 'gpt-4o')).toEqual({ input: 2.5, output: 10 });
  });
});

describe('loadPriceTable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apprentice-prices-'));

  it('reads JSON and YAML files', () => {
    const json = join(dir, 'prices.json');
    writeFileSync(json, JSON.stringify({ 'm-*': { input: 0.15, output: 0.6 } }));
    expect(loadPriceTable(json)).toEqual({ 'm-*': { input: 0.15, output: 0.6 } });
    const yaml = join(dir, 'prices.yaml');
    writeFileSync(yaml, 'gpt-4o-mini:\n  input: 0.1\n  output: 0.2\n');
    expect(loadPriceTable(yaml)).toEqual({ 'gpt-4o-mini': { input: 0.1, output: 0.2 } });
  });

  it('rejects a bad entry with an InputError naming the file and field', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ 'gpt-4o': { input: '0.1', output: 1 } }));
    expect(() => loadPriceTable(file)).toThrow(InputError);
    expect(() => loadPriceTable(file)).toThrow(/bad\.json.*field "gpt-4o\.input"/);
    expect(() => loadPriceTable(join(dir, 'missing.json'))).toThrow(/cannot read price table/);
  });
});
