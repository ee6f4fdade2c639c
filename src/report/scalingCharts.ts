/**
 * Faceted line charts (vega-lite, rendered by charts.ts's renderChartSvg): one panel per (row, column),
 * score against x inside each, one line per series with colour for the series and a dash pattern for
 * a second grouping. Used by the scaling lab: rows are tasks, columns discrete vs smooth metrics,
 * colour the metric, dashes the prompting (direct vs chain of thought), x = log10(parameters).
 */
import { CHART_CONFIG, type ChartSpec } from './charts.js';

export interface FacetPoint {
  /** Panel row (e.g. the task). */
  row: string;
  /** Panel column (e.g. "discrete metrics"). */
  column: string;
  /** Colour (e.g. the metric). */
  series: string;
  /** Dash pattern (e.g. the prompting); absent: one solid style. */
  dash?: string;
  x: number;
  y: number;
  /** Shown as text next to the point (e.g. the model name), when `labelPoints`. */
  label?: string;
}

export interface FacetedLinesOptions {
  title?: string;
  xTitle: string;
  yTitle: string;
  /** Column order (default: order of first appearance). */
  columns?: readonly string[];
  /** Panel size in pixels. */
  width?: number;
  height?: number;
  /** Same y scale in every panel (default true: comparable normalized scores). */
  sharedY?: boolean;
  /** A dashed horizontal rule at this y in every panel (e.g. 0 = chance). */
  referenceY?: number;
  labelPoints?: boolean;
  /** Legend titles (default "series" and "style"). */
  seriesTitle?: string;
  dashTitle?: string;
  /** Colour / dash order (default: sorted); the first dash value is drawn solid. */
  seriesOrder?: readonly string[];
  dashOrder?: readonly string[];
}

/** Solid first, then patterns distinct at a glance. */
const DASHES = [
  [1, 0],
  [6, 3],
  [2, 2],
  [8, 3, 2, 3],
  [12, 4],
  [1, 3],
];

export function facetedLinesSpec(points: readonly FacetPoint[], options: FacetedLinesOptions): ChartSpec {
  const values = points.map((point) => ({
    row: point.row,
    column: point.column,
    series: point.series,
    dash: point.dash ?? '',
    x: point.x,
    y: point.y,
    label: point.label ?? '',
  }));
  const columns = options.columns ?? [...new Set(points.map((point) => point.column))];
  const x = { field: 'x', type: 'quantitative' as const, title: options.xTitle, scale: { zero: false, nice: false, padding: 12 } };
  const y = { field: 'y', type: 'quantitative' as const, title: options.yTitle };
  const hasDash = points.some((point) => point.dash !== undefined);
  const dashDomain = options.dashOrder ? [...options.dashOrder] : [...new Set(values.map((value) => value.dash))].sort();
  const layers: unknown[] = [];
  if (options.referenceY !== undefined) {
    layers.push({
      mark: { type: 'rule', color: '#999', strokeDash: [2, 2] },
      encoding: { y: { datum: options.referenceY, type: 'quantitative' } },
    });
  }
  layers.push({
    mark: { type: 'line', point: { filled: true, size: 40 }, strokeWidth: 2 },
    encoding: {
      x,
      y,
      color: {
        field: 'series',
        type: 'nominal',
        title: options.seriesTitle ?? 'series',
        ...(options.seriesOrder ? { scale: { domain: [...options.seriesOrder] } } : {}),
      },
      ...(hasDash
        ? {
            strokeDash: {
              field: 'dash',
              type: 'nominal',
              title: options.dashTitle ?? 'style',
              scale: { domain: dashDomain, range: dashDomain.map((_, i) => DASHES[i % DASHES.length]) },
              legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 300, encode: { symbols: { update: { stroke: { value: '#333' } } } } },
            },
          }
        : {}),
      order: { field: 'x', type: 'quantitative' },
    },
  });
  if (options.labelPoints) {
    layers.push({
      mark: { type: 'text', dy: -8, fontSize: 9, color: '#555' },
      encoding: { x, y, text: { field: 'label', type: 'nominal' } },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CHART_CONFIG,
    ...(options.title ? { title: options.title } : {}),
    data: { values },
    facet: {
      row: { field: 'row', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelFontWeight: 'bold' } },
      column: { field: 'column', type: 'nominal', title: null, sort: [...columns], header: { labelFontWeight: 'bold' } },
    },
    spec: { width: options.width ?? 300, height: options.height ?? 200, layer: layers },
    resolve: { scale: { y: options.sharedY === false ? 'independent' : 'shared' } },
  } as ChartSpec;
}
