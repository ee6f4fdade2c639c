/**
 * JUnit XML, the test-report format CI systems (GitHub Actions reporters, GitLab, Jenkins, Azure) read.
 * An evaluation is a test suite with one test case per example (a wrong or invalid answer is a failure,
 * a failed model call an error) plus one per CI gate; a comparison is a suite with its gate.
 */
import type { GateOutcome } from '../eval/gates.js';
import type { ExampleRecord } from '../eval/records.js';

export interface JUnitCase {
  name: string;
  className: string;
  failure?: { message: string; details?: string };
  error?: { message: string };
  skipped?: string;
}

export interface JUnitSuite {
  name: string;
  cases: JUnitCase[];
  properties?: Record<string, string | number>;
}

/** One test case per example record, in index order. */
export function exampleCases(records: readonly ExampleRecord[], className: string): JUnitCase[] {
  return [...records]
    .sort((a, b) => a.index - b.index)
    .map((record): JUnitCase => {
      const name = `example ${record.index}${record.id && record.id !== String(record.index) ? ` (${record.id})` : ''}`;
      if (record.error) return { name, className, error: { message: `${record.error.kind}: ${record.error.message}` } };
      if (record.correct === null) return { name, className, skipped: 'not scored' };
      if (record.correct) return { name, className };
      const message = record.valid
        ? `answered "${record.extracted ?? ''}", expected "${record.gold}"`
        : `no valid answer${record.invalidReason ? ` (${record.invalidReason})` : ''}, expected "${record.gold}"`;
      return { name, className, failure: { message, details: record.output ?? '' } };
    });
}

export function gateCase(gate: GateOutcome, className: string): JUnitCase {
  return gate.passed ? { name: gate.name, className } : { name: gate.name, className, failure: { message: gate.message } };
}

export function renderJUnit(suites: readonly JUnitSuite[]): string {
  const count = (suite: JUnitSuite, key: 'failure' | 'error' | 'skipped') => suite.cases.filter((c) => c[key] !== undefined).length;
  const total = (key: 'failure' | 'error' | 'skipped') => suites.reduce((sum, suite) => sum + count(suite, key), 0);
  const tests = suites.reduce((sum, suite) => sum + suite.cases.length, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="apprentice" tests="${tests}" failures="${total('failure')}" errors="${total('error')}" skipped="${total('skipped')}">`,
  ];
  for (const suite of suites) {
    lines.push(
      `  <testsuite name="${xml(suite.name)}" tests="${suite.cases.length}" failures="${count(suite, 'failure')}" errors="${count(suite, 'error')}" skipped="${count(suite, 'skipped')}">`,
    );
    if (suite.properties && Object.keys(suite.properties).length) {
      lines.push('    <properties>');
      for (const [name, value] of Object.entries(suite.properties)) lines.push(`      <property name="${xml(name)}" value="${xml(String(value))}"/>`);
      lines.push('    </properties>');
    }
    for (const testCase of suite.cases) lines.push(...renderCase(testCase));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function renderCase(testCase: JUnitCase): string[] {
  const open = `    <testcase name="${xml(testCase.name)}" classname="${xml(testCase.className)}"`;
  if (testCase.failure) {
    return [`${open}>`, `      <failure message="${xml(testCase.failure.message)}">${xml(testCase.failure.details ?? '')}</failure>`, '    </testcase>'];
  }
  if (testCase.error) return [`${open}>`, `      <error message="${xml(testCase.error.message)}"/>`, '    </testcase>'];
  if (testCase.skipped !== undefined) return [`${open}>`, `      <skipped message="${xml(testCase.skipped)}"/>`, '    </testcase>'];
  return [`${open}/>`];
}

/** Escapes text for an XML attribute or element, dropping characters XML 1.0 cannot hold. */
function xml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}
