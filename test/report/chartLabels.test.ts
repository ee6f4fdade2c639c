/** Chart labels are never cut to the same text: long ones are wrapped and drawn whole (issue #19). */
import { describe, expect, it } from 'vitest';
import { estimateBarsSpec, renderChartSvg, wrapLabel } from '../../src/report/charts.js';

const LABELS = [
  'best single grimoire (kmeans-4-profound-sentiment-of-film-reviews-a, chosen on validation)',
  'single grimoire: kmeans-4-profound-sentiment-of-film-reviews-a',
  'single grimoire: kmeans-4-profound-sentiment-of-film-reviews-b',
  'single grimoire: kmeans-4-profound-sentiment-of-film-reviews-with-a-name-longer-than-one-line-xyz',
  'zero-shot',
];

/** The y-axis labels of a rendered bar chart (right-aligned left of the axis), each with its lines (the tspans) in order. */
function axisLabels(svg: string): string[][] {
  return [...svg.matchAll(/<text text-anchor="end" transform="translate\(-[^>]*>(.*?)<\/text>/g)].map(([, inner]) => {
    const spans = [...inner!.matchAll(/<tspan[^>]*>(.*?)<\/tspan>/g)].map(([, text]) => text!);
    return spans.length ? spans : [inner!];
  });
}

const squash = (text: string) => text.replace(/\s+/g, '');

describe('chart labels', () => {
  it('wrapLabel breaks at spaces or after - / : , and cuts only a word longer than a line', () => {
    expect(wrapLabel('zero-shot')).toBe('zero-shot');
    expect(wrapLabel('single grimoire: kmeans-4-profound-sentiment-of-film-reviews-a', 30)).toBe(
      'single grimoire: kmeans-4-\nprofound-sentiment-of-film-\nreviews-a',
    );
    expect(wrapLabel('x'.repeat(25), 10)).toBe('xxxxxxxxxx\nxxxxxxxxxx\nxxxxx');
    for (const label of LABELS) expect(squash(wrapLabel(label).replace(/\n/g, ''))).toBe(squash(label));
  });

  it('draws every bar label whole, one line per wrapped line, so labels sharing a long prefix still differ', async () => {
    const svg = await renderChartSvg(estimateBarsSpec(LABELS.map((label, i) => ({ label, value: 0.1 * (i + 1), ci95: [0.05 * i, 0.1 * i + 0.2] }))));
    const drawn = axisLabels(svg);
    expect(drawn).toHaveLength(LABELS.length);
    expect(drawn.map((lines) => squash(lines.join('')))).toEqual(LABELS.map(squash));
    expect(new Set(drawn.map((lines) => lines.join(' '))).size).toBe(LABELS.length);
    expect(Math.max(...drawn.flat().map((line) => line.length))).toBeLessThanOrEqual(44);
    expect(svg).not.toContain('…');
  });
});
