/**
 * Child process of junitStream.test.ts: writes the JUnit XML of one eval run's records file, either as
 * `eval --junit` does (`streamed`: the cases read from the file as they are written) or the whole-file way it
 * replaced (`whole`: every record read first), and prints the suite's tally as JSON.
 */
import { writeJUnit } from '../../../src/cli/ciOutput.js';
import type { ExampleRecord } from '../../../src/eval/records.js';
import { exampleCase, exampleCasesOf, tallyOf } from '../../../src/report/junit.js';
import { readRecords } from '../../../src/runs/runDir.js';

const [mode, records, out] = process.argv.slice(2);
if (mode === 'whole') {
  const cases = [...readRecords<ExampleRecord>(records!).values()].sort((a, b) => a.index - b.index).map((record) => exampleCase(record, 'task.test'));
  await writeJUnit(out!, [{ name: 'whole', cases }]);
  console.log(JSON.stringify(tallyOf(cases)));
} else {
  const { cases, tally } = await exampleCasesOf(records!, 'task.test');
  await writeJUnit(out!, [{ name: 'streamed', cases, tally }]);
  console.log(JSON.stringify(tally));
}
