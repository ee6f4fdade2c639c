/**
 * Child process of streamingDashboard.test.ts, run with a small heap: either the dashboard (its answer workers
 * share the process's heap limit) answering a run's page, a page of its examples, a search and the runs list,
 * printed as JSON; or (`whole`) the run read the whole-file way the dashboard used before, which runs out of memory.
 */
import { buildDashboardApp } from '../../../src/server/dashboard/app.js';
import { exampleRows } from '../../../src/server/dashboard/runs.js';
import { readEvalRun } from '../../../src/eval/runResult.js';

const [mode, root, id] = process.argv.slice(2);
if (mode === 'whole') {
  const folder = readEvalRun(`${root}/${id}`);
  console.log(JSON.stringify({ rows: exampleRows(folder).length }));
} else {
  const app = buildDashboardApp({ runsDir: root!, uiDir: root });
  // Listening keeps the process alive while the answer workers (which do not) compute.
  await app.listen({ host: '127.0.0.1', port: 0 });
  const get = async (url: string) => {
    const response = await app.inject({ method: 'GET', url });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    return response.json();
  };
  const run = await get(`/api/run?id=${id}`);
  const wrongPage = await get(`/api/run/examples?id=${id}&filter=wrong&offset=100&limit=50`);
  const costliest = await get(`/api/run/examples?id=${id}&sort=cost&desc=1&limit=5`);
  const search = await get(`/api/run/examples?id=${id}&q=${encodeURIComponent('EX-29996 answer')}`);
  const runs = await get('/api/runs');
  await app.close();
  console.log(
    JSON.stringify({
      run: {
        summary: run.summary,
        examplesTotal: run.examplesTotal,
        indices: run.examples.map((row: { index: number }) => row.index),
        charts: run.charts.map((chart: { title: string }) => chart.title),
      },
      wrongPage: { total: wrongPage.total, of: wrongPage.of, indices: wrongPage.rows.map((row: { index: number }) => row.index) },
      costliest: costliest.rows.map((row: { index: number; costUsd: number }) => [row.index, row.costUsd]),
      search: { total: search.total, indices: search.rows.map((row: { index: number }) => row.index) },
      listed: runs.runs.map((listing: { id: string; records: number }) => [listing.id, listing.records]),
    }),
  );
}
