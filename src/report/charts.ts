/**
 * Chart building blocks: vega-lite spec builders for the plots reports share, and one renderer
 * that turns a spec into static SVG with vega (headless, no browser, no hand-drawn SVG).
 *
 * - estimateBarsSpec: one bar per method (run, prompt, model...) with its 95% CI as an error bar,
 *   e.g. accuracy per method.
 * - seriesLinesSpec: score against x with one line per series and an optional CI band, e.g.
 *   accuracy vs number of training examples (data efficiency) or score vs log10(parameters).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ValueFormat } from './format.js';

export type ChartSpec = TopLevelSpec;

export interface EstimateBar {
  label: string;
  value: number;
  ci95?: readonly [number, number] | null;
  /** Optional grouping shown as colour (e.g. the model when labels are prompts). */
  group?: string;
}

export interface EstimateBarsOptions {
  title?: string;
  /** Axis title of the estimate, default "accuracy". */
  valueTitle?: string;
  /** Default 'percent' (values in [0, 1], axis fixed to 0-100%). */
  format?: ValueFormat;
  width?: number;
}

/**
 * Shared chart configuration. Legend and facet header labels are never cut: vega's default labelLimit
 * (160 px, measured by a rough estimate when rendering headless) truncated series names such as
 * "distilling step-by-step".
 */
export const CHART_CONFIG = { legend: { labelLimit: 0 }, header: { labelLimit: 0 } } as const;

/** Characters per line of a wrapped axis label. */
const LABEL_LINE = 44;

/**
 * A long label broken into lines at spaces, or after "-", "/", ":", "," inside a long word, so it is
 * shown whole: cut to a width, labels that share a long prefix ("single grimoire: kmeans-4-profound-…")
 * read the same (issue #19). The lines are joined by "\n"; the axis splits them (see WRAPPED_LABELS).
 */
export function wrapLabel(label: string, width = LABEL_LINE): string {
  const pieces = label.split(/(?<=[\s\-/:,])/);
  const lines: string[] = [];
  let line = '';
  for (const piece of pieces) {
    if (line && (line + piece).trimEnd().length > width) {
      lines.push(line.trimEnd());
      line = '';
    }
    line += piece;
    // A word longer than a line on its own is cut into line-sized parts.
    while (line.length > width) {
      lines.push(line.slice(0, width));
      line = line.slice(width);
    }
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines.join('\n');
}

/** Axis labels drawn as one line per "\n" of a wrapLabel label, never cut. */
const WRAPPED_LABELS = { labelLimit: 0, labelExpr: "split(datum.label, '\\n')" } as const;

const D3_FORMAT: Record<ValueFormat, string> = { percent: '.1%', decimal: '.3f' };
const AXIS_FORMAT: Record<ValueFormat, string> = { percent: '.0%', decimal: '~g' };

/** Horizontal bars (labels can be long), one per entry in the given order, with CI whiskers and value labels. */
export function estimateBarsSpec(bars: readonly EstimateBar[], options: EstimateBarsOptions = {}): ChartSpec {
  const format = options.format ?? 'percent';
  const values = bars.map((bar, order) => ({
    order,
    label: wrapLabel(bar.label),
    value: bar.value,
    lo: bar.ci95?.[0] ?? bar.value,
    hi: bar.ci95?.[1] ?? bar.value,
    group: bar.group ?? '',
  }));
  const hasGroups = bars.some((bar) => bar.group !== undefined);
  const x = {
    field: 'value',
    type: 'quantitative' as const,
    title: options.valueTitle ?? 'accuracy',
    axis: { format: AXIS_FORMAT[format] },
    ...(format === 'percent' ? { scale: { domain: [0, 1] } } : {}),
  };
  const y = { field: 'label', type: 'nominal' as const, title: null, sort: null, axis: WRAPPED_LABELS };
  const lines = Math.max(1, ...values.map((value) => value.label.split('\n').length));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CHART_CONFIG,
    ...(options.title ? { title: options.title } : {}),
    width: options.width ?? 520,
    height: { step: 18 + 12 * lines },
    data: { values },
    encoding: { y },
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.7 } },
        encoding: {
          x,
          color: hasGroups ? { field: 'group', type: 'nominal', title: null } : { value: '#4c78a8' },
        },
      },
      {
        mark: { type: 'rule', color: '#222', strokeWidth: 1.5 },
        encoding: { x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4, dy: -9, fontSize: 10, color: '#222' },
        encoding: { x: { field: 'hi', type: 'quantitative' }, text: { field: 'value', type: 'quantitative', format: D3_FORMAT[format] } },
      },
    ],
  } as ChartSpec;
}

export interface SeriesPoint {
  series: string;
  x: number;
  y: number;
  ci95?: readonly [number, number] | null;
}

export interface SeriesLinesOptions {
  title?: string;
  xTitle: string;
  yTitle: string;
  /** 'log' plots x on a log10 axis (x must be > 0); pass log10 values with 'linear' to label them as such. */
  xScale?: 'linear' | 'log';
  /** Default 'decimal'. */
  format?: ValueFormat;
  width?: number;
  height?: number;
}

/** Lines with points, one colour per series, and a shaded 95% CI band where points carry one. */
export function seriesLinesSpec(points: readonly SeriesPoint[], options: SeriesLinesOptions): ChartSpec {
  const format = options.format ?? 'decimal';
  const values = points.map((point) => ({
    series: point.series,
    x: point.x,
    y: point.y,
    lo: point.ci95?.[0] ?? null,
    hi: point.ci95?.[1] ?? null,
  }));
  const x = {
    field: 'x',
    type: 'quantitative' as const,
    title: options.xTitle,
    // A log scale never includes zero (vega-lite warns about `zero` there).
    scale: options.xScale === 'log' ? { type: 'log' as const, nice: false } : { type: 'linear' as const, zero: false, nice: true },
  };
  const color = { field: 'series', type: 'nominal' as const, title: null };
  const yAxis = { format: AXIS_FORMAT[format] };
  const layers: unknown[] = [];
  if (points.some((point) => point.ci95)) {
    layers.push({
      transform: [{ filter: 'datum.lo !== null && datum.hi !== null' }],
      mark: { type: 'area', fillOpacity: 0.18 },
      encoding: { x, y: { field: 'lo', type: 'quantitative', axis: yAxis, title: options.yTitle }, y2: { field: 'hi' }, color },
    });
  }
  layers.push({
    mark: { type: 'line', point: true },
    encoding: { x, y: { field: 'y', type: 'quantitative', title: options.yTitle, axis: yAxis }, color },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CHART_CONFIG,
    ...(options.title ? { title: options.title } : {}),
    width: options.width ?? 520,
    height: options.height ?? 300,
    data: { values },
    layer: layers,
  } as ChartSpec;
}

/** Compiles a vega-lite spec and renders it headless to a standalone SVG document string. */
export async function renderChartSvg(spec: ChartSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
