/** Reports: building blocks (HTML, tables, charts, example drill-down, page shell) and the report of every run kind. */
export * from './charts.js';
export * from './comparison.js';
export * from './evalReport.js';
export * from './evalRun.js';
export * from './examples.js';
export * from './format.js';
export * from './grimoireReport.js';
export * from './html.js';
export * from './markdown.js';
export * from './page.js';
export * from './reportFiles.js';
export * from './runKind.js';
export * from './table.js';
export * from './totals.js';
