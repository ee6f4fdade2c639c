/**
 * The page shell every HTML report uses: one self-contained document (inline CSS, one small inline
 * script, no external requests) with a Content-Security-Policy that allows only that script (by
 * hash) and inline styles, so even a mistake in escaping could not load or run anything else.
 */
import { createHash } from 'node:crypto';
import { html, type SafeHtml, trustedHtml } from './html.js';

export interface PageSection {
  /** Anchor id of the section (ours, not user text). */
  id: string;
  title: string;
  body: SafeHtml;
}

export interface PageOptions {
  title: string;
  /** A line under the title (version, date). */
  subtitle?: string;
  sections: PageSection[];
  /** Shown in the footer and the generator meta tag. */
  generator: string;
}

const STYLE = `
:root { color-scheme: light; --fg: #1d1f21; --muted: #6a737d; --line: #e1e4e8; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto; padding: 24px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.subtitle, .muted { color: var(--muted); }
nav { margin: 12px 0 0; } nav a { margin-right: 12px; }
table { border-collapse: collapse; margin: 8px 0 12px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 4px 8px; vertical-align: top; }
th { background: #f6f8fa; text-align: left; } .right { text-align: right; } .left { text-align: left; }
caption { text-align: left; color: var(--muted); padding: 4px 0; }
.correct { color: var(--ok); } .wrong, .invalid { color: var(--bad); } .error { color: var(--warn); }
pre { white-space: pre-wrap; word-break: break-word; background: #f6f8fa; border: 1px solid var(--line); padding: 6px 8px; margin: 2px 0; max-height: 420px; overflow: auto; }
code { background: #f6f8fa; padding: 0 3px; border-radius: 3px; word-break: break-word; }
details.example { border: 1px solid var(--line); border-radius: 4px; margin: 4px 0; padding: 4px 8px; }
details.example > summary { cursor: pointer; }
details.example:target, tr:target { outline: 2px solid #0969da; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 8px 0; } dt { font-weight: 600; color: var(--muted); } dd { margin: 0; min-width: 0; }
.message .role { font-size: 12px; font-weight: 600; color: var(--muted); }
.chart svg { max-width: 100%; height: auto; }
.filter { margin: 8px 0; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
`;

// Opens the example a link points to (and the collapsed blocks around it, e.g. a student's answers), and
// filters example tables/blocks by status.
const SCRIPT = `
function openTarget() {
  var id = decodeURIComponent(location.hash.slice(1));
  var el = id && document.getElementById(id);
  if (!el) return;
  for (var node = el; node; node = node.parentElement) if (node.tagName === 'DETAILS') node.open = true;
  el.scrollIntoView();
}
window.addEventListener('hashchange', openTarget);
window.addEventListener('DOMContentLoaded', function () {
  openTarget();
  document.querySelectorAll('select[data-filter]').forEach(function (select) {
    select.addEventListener('change', function () {
      var want = select.value;
      var scope = select.getAttribute('data-filter');
      var show = function (status) { return !want || (want === '!correct' ? status !== 'correct' : status === want); };
      document.querySelectorAll('#' + scope + ' tbody tr, [data-examples="' + scope + '"] > details').forEach(function (el) {
        el.hidden = !show(el.getAttribute('data-status'));
      });
    });
  });
});
`;

const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');
const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src data:`;

export function renderPage(options: PageOptions): string {
  const nav = options.sections.map((section) => html`<a href="#${section.id}">${section.title}</a>`);
  const sections = options.sections.map(
    (section) => html`<section id="${section.id}"><h2>${section.title}</h2>
${section.body}
</section>`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${trustedHtml(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${options.generator}">
<title>${options.title}</title>
<style>${trustedHtml(STYLE)}</style>
<script>${trustedHtml(SCRIPT)}</script>
</head>
<body>
<header><h1>${options.title}</h1>${options.subtitle ? html`<div class="subtitle">${options.subtitle}</div>` : ''}<nav>${nav}</nav></header>
${sections}
<footer>${options.generator}</footer>
</body>
</html>
`.value;
}

/** A chart's SVG (rendered by vega from our spec) in a figure with an escaped caption. */
export function chartFigure(svg: string, caption?: string): SafeHtml {
  return html`<figure class="chart">${trustedHtml(svg)}${caption ? html`<figcaption class="muted">${caption}</figcaption>` : ''}</figure>`;
}

/** Pretty-printed JSON (e.g. the resolved configuration), escaped, in a collapsible block. */
export function jsonDetails(summary: string, value: unknown, open = false): SafeHtml {
  return html`<details${open ? ' open' : ''}><summary>${summary}</summary><pre>${JSON.stringify(value, null, 2)}</pre></details>`;
}

/** Key–value facts (folder, model, totals, version...) as a definition list. */
export function factsHtml(facts: ReadonlyArray<readonly [string, string]>): SafeHtml {
  return html`<dl>${facts.map(([key, value]) => html`<dt>${key}</dt><dd>${value}</dd>`)}</dl>`;
}
