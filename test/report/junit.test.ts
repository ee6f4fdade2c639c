/**
 * JUnit XML of an eval run: one test case per example (the last record of each index, in index order) and the
 * gate, with counts that match; written as it is made, the same text the cases give when held in memory.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeJUnit } from '../../src/cli/ciOutput.js';
import { exampleCasesOf, gateCase, renderJUnit } from '../../src/report/junit.js';

const base = { prompt: null, usage: { promptTokens: 1, completionTokens: 1 }, costUsd: 0, latencyMs: 1, cached: false, gold: 'yes' };

describe('JUnit XML of an eval run', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('has a case per example in index order, the last record of each, then the gate; a line cut short is skipped', async () => {
    root = mkdtempSync(join(tmpdir(), 'apprentice-junit-'));
    const records = join(root, 'records.jsonl');
    const lines = [
      { ...base, index: 2, id: 'b', output: 'yes', extracted: 'yes', valid: true, correct: true },
      { ...base, index: 0, id: '0', output: 'hmm <x>', extracted: null, valid: false, invalidReason: 'no answer', correct: false },
      { ...base, index: 1, id: 'q1', output: null, extracted: null, valid: false, correct: null, error: { kind: 'server', message: 'boom' } },
      { ...base, index: 3, id: 'q3', output: 'x', extracted: null, valid: false, correct: null },
      { ...base, index: 2, id: 'b', output: 'no & more', extracted: 'no', valid: true, correct: false },
    ];
    writeFileSync(records, lines.map((line) => JSON.stringify(line)).join('\n') + '\n{"index":4,"id');
    const gate = gateCase({ name: 'accuracy >= 50%', passed: false, message: 'accuracy 0% is below 50%' }, 'task.test');
    const { cases, tally } = await exampleCasesOf(records, 'task.test', [gate]);
    expect(tally).toEqual({ tests: 5, failures: 3, errors: 1, skipped: 1 });

    const file = join(root, 'out', 'eval.xml');
    await writeJUnit(file, [{ name: 'apprentice eval task (test)', cases, tally, properties: { scored: 2 } }]);
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="apprentice" tests="5" failures="3" errors="1" skipped="1">',
        '  <testsuite name="apprentice eval task (test)" tests="5" failures="3" errors="1" skipped="1">',
        '    <properties>',
        '      <property name="scored" value="2"/>',
        '    </properties>',
        '    <testcase name="example 0" classname="task.test">',
        '      <failure message="no valid answer (no answer), expected &quot;yes&quot;">hmm &lt;x&gt;</failure>',
        '    </testcase>',
        '    <testcase name="example 1 (q1)" classname="task.test">',
        '      <error message="server: boom"/>',
        '    </testcase>',
        '    <testcase name="example 2 (b)" classname="task.test">',
        '      <failure message="answered &quot;no&quot;, expected &quot;yes&quot;">no &amp; more</failure>',
        '    </testcase>',
        '    <testcase name="example 3 (q3)" classname="task.test">',
        '      <skipped message="not scored"/>',
        '    </testcase>',
        '    <testcase name="accuracy &gt;= 50%" classname="task.test">',
        '      <failure message="accuracy 0% is below 50%"></failure>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
    // The same cases held in memory and counted by the renderer give the same text.
    const again = await exampleCasesOf(records, 'task.test', [gate]);
    expect([...renderJUnit([{ name: 'apprentice eval task (test)', cases: [...again.cases], properties: { scored: 2 } }])].join('')).toBe(
      readFileSync(file, 'utf8'),
    );
  });

  it('refuses a tally that does not match the cases written', () => {
    const render = () => [...renderJUnit([{ name: 's', cases: [{ name: 'a', className: 'c' }], tally: { tests: 2, failures: 0, errors: 0, skipped: 0 } }])];
    expect(render).toThrow('the cases written do not match the tally given');
  });
});
