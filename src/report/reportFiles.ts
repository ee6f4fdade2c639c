/** What every report writer takes, and the one place report.html and report.md are written. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { redactSecrets } from '../util/redact.js';

export const REPORT_HTML = 'report.html';
export const REPORT_MARKDOWN = 'report.md';

export interface ReportOptions {
  title?: string;
  /** Bootstrap seed of paired comparisons. Default 0. */
  seed?: number;
  /** Default now. */
  generatedAt?: Date;
  /** How the Markdown links to the HTML page. Default "report.html". */
  htmlHref?: string;
}

export interface WrittenReportFiles {
  htmlPath: string;
  markdownPath: string;
}

export function writeReportFiles(outDir: string, report: { html: string; markdown: string }): WrittenReportFiles {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const htmlPath = join(dir, REPORT_HTML);
  const markdownPath = join(dir, REPORT_MARKDOWN);
  writeFileSync(htmlPath, redactSecrets(report.html));
  writeFileSync(markdownPath, redactSecrets(report.markdown));
  return { htmlPath, markdownPath };
}

export interface WrittenChartReport extends WrittenReportFiles {
  svgPath: string;
}

/** report.html, report.md and the report's chart as an SVG file of its own (`svgName`), into `outDir`. */
export function writeReportWithChart(outDir: string, report: { html: string; markdown: string; svg: string }, svgName: string): WrittenChartReport {
  const written = writeReportFiles(outDir, report);
  const svgPath = join(resolve(outDir), svgName);
  writeFileSync(svgPath, redactSecrets(report.svg));
  return { ...written, svgPath };
}
