/** Reports: building blocks (HTML, tables, charts, example drill-down, page shell) and the evaluation report. */
export * from './charts.js';
export * from './evalReport.js';
export * from './evalRun.js';
export * from './examples.js';
export * from './format.js';
export * from './html.js';
export * from './markdown.js';
export * from './page.js';
export * from './table.js';
