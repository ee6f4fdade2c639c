/**
 * Child process of streamingReport.test.ts: reports one eval run folder, either as `apprentice report` does
 * (`streamed`: writeEvalReport) or the whole-file way it replaced (`whole`: every record read, then rendered),
 * and prints the run's summary and the number of records the drill-down kept as JSON.
 */
import { buildEvalReport } from '../../../src/report/evalReport.js';
import { loadEvalRuns } from '../../../src/report/evalRun.js';
import { writeEvalReport } from '../../../src/report/evalReport.js';

const [mode, dir, keep] = process.argv.slice(2);
if (mode === 'whole') {
  const runs = loadEvalRuns([dir!]);
  const report = await buildEvalReport(runs);
  console.log(JSON.stringify({ summary: runs[0]!.summary, kept: runs[0]!.records.length, htmlBytes: report.html.length }));
} else {
  const written = await writeEvalReport([dir!], { keepRecords: Number(keep) });
  console.log(JSON.stringify({ summary: written.runs[0]!.summary, kept: written.runs[0]!.records.length, recordsTotal: written.runs[0]!.recordsTotal }));
}
