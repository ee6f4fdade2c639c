/**
 * JUnit XML, the test-report format CI systems (GitHub Actions reporters, GitLab, Jenkins, Azure) read.
 * An evaluation is a test suite with one test case per example (a wrong or invalid answer is a failure,
 * a failed model call an error) plus one per CI gate; a comparison is a suite with its gate.
 */
import type { GateOutcome } from '../eval/gates.js';
import type { ExampleRecord } from '../eval/records.js';
import { LastRecords } from '../runs/lastRecords.js';

export interface JUnitCase {
  name: string;
  className: string;
  failure?: { message: string; details?: string };
  error?: { message: string };
  skipped?: string;
}

export interface JUnitSuite {
  name: string;
  /** Iterated once, as the XML is written: an eval run's cases are read from its records file as they go. */
  cases: Iterable<JUnitCase>;
  /** The cases' counts, written in the suite's opening tag before the cases; counted from `cases` when absent. */
  tally?: JUnitTally;
  properties?: Record<string, string | number>;
}

export interface JUnitTally {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

export function tallyOf(cases: Iterable<JUnitCase>): JUnitTally {
  const tally = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const testCase of cases) addCase(tally, testCase);
  return tally;
}

function addCase(tally: JUnitTally, testCase: JUnitCase): void {
  tally.tests++;
  if (testCase.failure) tally.failures++;
  else if (testCase.error) tally.errors++;
  else if (testCase.skipped !== undefined) tally.skipped++;
}

/** What an example's test case reports, decided once for its count and its case. */
const Outcome = { Passed: 0, Failure: 1, Error: 2, Skipped: 3 } as const;
type Outcome = (typeof Outcome)[keyof typeof Outcome];

function outcomeOf(record: ExampleRecord): Outcome {
  if (record.error) return Outcome.Error;
  if (record.correct === null) return Outcome.Skipped;
  return record.correct ? Outcome.Passed : Outcome.Failure;
}

export function exampleCase(record: ExampleRecord, className: string): JUnitCase {
  const name = `example ${record.index}${record.id && record.id !== String(record.index) ? ` (${record.id})` : ''}`;
  switch (outcomeOf(record)) {
    case Outcome.Error:
      return { name, className, error: { message: `${record.error!.kind}: ${record.error!.message}` } };
    case Outcome.Skipped:
      return { name, className, skipped: 'not scored' };
    case Outcome.Passed:
      return { name, className };
    case Outcome.Failure: {
      const message = record.valid
        ? `answered "${record.extracted ?? ''}", expected "${record.gold}"`
        : `no valid answer${record.invalidReason ? ` (${record.invalidReason})` : ''}, expected "${record.gold}"`;
      return { name, className, failure: { message, details: record.output ?? '' } };
    }
  }
}

/**
 * One test case per example of a run's records file (the last record of each index), in index order, then `after`
 * (the gate's), with their tally: the file is read as a stream, then each record again as its case is written, so
 * no run is too large (runs/lastRecords.ts).
 */
export async function exampleCasesOf(
  recordsFile: string,
  className: string,
  after: readonly JUnitCase[] = [],
): Promise<{ cases: Iterable<JUnitCase>; tally: JUnitTally }> {
  const last = await LastRecords.read<ExampleRecord>(recordsFile, outcomeOf);
  const byOutcome = last.tagCounts();
  const count = (outcome: Outcome) => byOutcome[outcome] ?? 0;
  const tally = tallyOf(after);
  tally.tests += last.size;
  tally.failures += count(Outcome.Failure);
  tally.errors += count(Outcome.Error);
  tally.skipped += count(Outcome.Skipped);
  return {
    tally,
    cases: {
      *[Symbol.iterator]() {
        for (const record of last.inIndexOrder()) yield exampleCase(record, className);
        yield* after;
      },
    },
  };
}

export function gateCase(gate: GateOutcome, className: string): JUnitCase {
  return gate.passed ? { name: gate.name, className } : { name: gate.name, className, failure: { message: gate.message } };
}

/** The XML in pieces, a line or a test case at a time, for writing to a file as it is made. */
export function* renderJUnit(suites: readonly JUnitSuite[]): Generator<string> {
  const counted = suites.map((suite) => {
    if (suite.tally) return { suite, cases: suite.cases, tally: suite.tally };
    const cases = [...suite.cases];
    return { suite, cases, tally: tallyOf(cases) };
  });
  const total = (key: keyof JUnitTally) => counted.reduce((sum, { tally }) => sum + tally[key], 0);
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield `<testsuites name="apprentice" tests="${total('tests')}" failures="${total('failures')}" errors="${total('errors')}" skipped="${total('skipped')}">\n`;
  for (const { suite, cases, tally } of counted) {
    yield `  <testsuite name="${xml(suite.name)}" tests="${tally.tests}" failures="${tally.failures}" errors="${tally.errors}" skipped="${tally.skipped}">\n`;
    if (suite.properties && Object.keys(suite.properties).length) {
      yield '    <properties>\n';
      for (const [name, value] of Object.entries(suite.properties)) yield `      <property name="${xml(name)}" value="${xml(String(value))}"/>\n`;
      yield '    </properties>\n';
    }
    const written = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    for (const testCase of cases) {
      addCase(written, testCase);
      yield renderCase(testCase).join('\n') + '\n';
    }
    if (Object.keys(written).some((key) => written[key as keyof JUnitTally] !== tally[key as keyof JUnitTally])) {
      throw new Error(`JUnit suite "${suite.name}": the cases written do not match the tally given (${JSON.stringify(written)} vs ${JSON.stringify(tally)})`);
    }
    yield '  </testsuite>\n';
  }
  yield '</testsuites>\n';
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
