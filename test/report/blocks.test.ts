import { describe, expect, it, vi } from 'vitest';
import {
  anchorId,
  escapeHtml,
  escapeMarkdown,
  estimateBarsSpec,
  formatDifference,
  formatEstimate,
  html,
  markdownCode,
  renderChartSvg,
  renderPage,
  seriesLinesSpec,
  tableHtml,
  tableMarkdown,
  trustedHtml,
} from '../../src/report/index.js';

const NASTY = `<script>alert("x")</script> & 'quotes' | pipes \n newline [link](javascript:x) *bold*`;

describe('html tag', () => {
  it('escapes every interpolated value, keeps SafeHtml and flattens arrays', () => {
    const inner = html`<b>${NASTY}</b>`;
    const out = html`<p title="${NASTY}">${inner}${[1, null, undefined, false, 'a<b']}</p>`.value;
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;');
    expect(out).toContain('<b>');
    expect(out).toContain('1a&lt;b</p>');
    expect(escapeHtml(`"'<>&`)).toBe('&quot;&#39;&lt;&gt;&amp;');
    expect(html`${trustedHtml('<svg></svg>')}`.value).toBe('<svg></svg>');
  });

  it('makes anchor ids from anything', () => {
    expect(anchorId('run 1', 'ex', 12)).toBe('run-1-ex-12');
    expect(anchorId('"><img', 3)).toBe('img-3');
  });
});

describe('tables', () => {
  const table = {
    caption: 'scores',
    columns: [
      { header: 'name', cell: (row: { name: string; value: number }) => ({ text: row.name, href: '#x-1' }) },
      { header: 'value', cell: (row: { name: string; value: number }) => row.value },
    ],
    rows: [{ name: NASTY, value: 3 }],
  };

  it('renders escaped HTML with links and numeric columns aligned right', () => {
    const out = tableHtml(table).value;
    expect(out).not.toContain('<script>');
    expect(out).toContain('<a href="#x-1">&lt;script&gt;');
    expect(out).toMatch(/<td class="right">3<\/td>/);
    expect(out).toContain('<caption>scores</caption>');
  });

  it('renders a Markdown table user text cannot break', () => {
    const out = tableMarkdown(table, { linkBase: 'report.html' });
    const lines = out.split('\n');
    expect(lines).toHaveLength(5); // caption, blank, header, rule, one row: the newline in the cell did not split the row
    expect(lines[3]).toBe('| --- | ---: |');
    expect(lines[4]).toContain('](report.html#x-1)');
    expect(lines[4]).toContain('\\| pipes');
    expect(lines[4]).toContain('&lt;script&gt;');
    expect(lines[4]).toContain('\\[link\\](javascript:x)');
    expect(lines[4]!.split(' | ')).toHaveLength(2);
    expect(escapeMarkdown('a|b')).toBe('a\\|b');
  });

  it('fences code longer than any backtick run inside', () => {
    expect(markdownCode('a ``` b')).toBe('````\na ``` b\n````');
  });
});

describe('formats', () => {
  it('shows estimates with their CI and signed differences', () => {
    expect(formatEstimate(0.78, [0.72, 0.835])).toBe('78.0% [72.0%, 83.5%]');
    expect(formatEstimate(null, null)).toBe('—');
    expect(formatEstimate(0.5123, [0.5, 0.52], 'decimal')).toBe('0.5123 [0.5000, 0.5200]');
    expect(formatDifference(0.045, [-0.01, 0.1])).toBe('+4.5% [-1.0%, +10.0%]');
  });
});

describe('charts rendered to SVG by vega', () => {
  it('draws one bar and one CI whisker per method, labelled, on a 0-100% axis', async () => {
    const svg = await renderChartSvg(
      estimateBarsSpec([
        { label: 'zero-shot <b>', value: 0.42, ci95: [0.35, 0.5] },
        { label: 'few-shot', value: 0.61, ci95: [0.55, 0.68] },
        { label: 'cot', value: 0.7, ci95: [0.62, 0.77] },
      ]),
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/aria-roledescription="bar"/g)).toHaveLength(3);
    expect(svg.match(/aria-roledescription="rule mark"/g)).toHaveLength(3);
    expect(svg).toContain('zero-shot &lt;b&gt;');
    expect(svg).not.toContain('<b>');
    for (const text of ['0%', '100%', '42.0%', '61.0%', '70.0%']) expect(svg).toContain(`>${text}</text>`);
    // Bars are drawn in the given order, top to bottom, with widths proportional to the values.
    const widths = [...svg.matchAll(/aria-roledescription="bar" d="M0,([\d.]+)h([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(widths.map(([y]) => y)).toEqual([...widths.map(([y]) => y)].sort((a, b) => a! - b!));
    expect(widths[1]![1]! / widths[0]![1]!).toBeCloseTo(0.61 / 0.42, 2);
  });

  it('draws score vs x with one line per series, a CI band and a log x axis', async () => {
    const points = [1e6, 1e7, 1e8, 1e9].flatMap((params, i) => [
      { series: 'zero-shot', x: params, y: 0.1 + 0.1 * i, ci95: [0.05 + 0.1 * i, 0.15 + 0.1 * i] as [number, number] },
      { series: 'grimoire', x: params, y: 0.2 + 0.15 * i },
    ]);
    const warn = vi.spyOn(console, 'warn');
    const svg = await renderChartSvg(seriesLinesSpec(points, { xTitle: 'parameters', yTitle: 'accuracy', xScale: 'log', format: 'percent' }));
    // vega-lite warns on stderr about specs it must correct; users would see those lines.
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(2);
    expect(svg.match(/aria-roledescription="area mark"/g)).toHaveLength(1);
    expect(svg).toContain('>grimoire</text>');
    expect(svg).toContain('>zero-shot</text>');
    expect(svg).toContain('>parameters</text>');
    // log axis: ticks at powers of ten
    expect(svg).toMatch(/>1,000,000<\/text>|>1e\+6<\/text>|>1M<\/text>/);
  });

  it('renders a linear score-vs-x chart without CIs (data efficiency)', async () => {
    const svg = await renderChartSvg(
      seriesLinesSpec(
        [10, 100, 1000].map((n, i) => ({ series: 'distilled', x: n, y: 0.3 + 0.1 * i })),
        { xTitle: 'training examples', yTitle: 'accuracy' },
      ),
    );
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(1);
    expect(svg).not.toContain('area mark');
  });

  it('writes legend labels in full (the data-efficiency legend used to be cut at 160 px)', async () => {
    const series = ['distilling step-by-step', 'standard fine-tuning', 'teacher (teacher on test (chain of thought))'];
    const svg = await renderChartSvg(
      seriesLinesSpec(
        series.flatMap((name, i) => [0.5, 1].map((x) => ({ series: name, x, y: 0.2 * i + x / 4, ci95: [0.2 * i, 0.2 * i + x / 2] as [number, number] }))),
        { xTitle: 'fraction of the training data', yTitle: 'test accuracy', format: 'percent' },
      ),
    );
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    for (const name of series) expect(texts).toContain(name);
    expect(texts.filter((text) => text?.includes('…'))).toEqual([]);
    // Legend symbols in full colour, not at the CI band's opacity.
    const symbols = [...svg.matchAll(/role-legend-symbol[^>]*><path[^>]*opacity="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(symbols).toEqual([1, 1, 1]);
  });
});

describe('page shell', () => {
  it('is one self-contained document whose only script is allowed by hash', () => {
    const page = renderPage({
      title: NASTY,
      sections: [{ id: 'a', title: 'Section <A>', body: html`<p>${NASTY}</p>` }],
      generator: 'apprentice test',
    });
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page.match(/<script>/g)).toHaveLength(1);
    expect(page).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page).toContain('<a href="#a">Section &lt;A&gt;</a>');
    expect(page).toContain('<title>&lt;script&gt;');
  });
});
