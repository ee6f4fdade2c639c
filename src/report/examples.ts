/**
 * Per-example drill-down: every example's prompt, raw output, extracted answer, gold, whether it was
 * correct, and its cost, as a linkable table row plus a collapsible <details> block. Pipelines map
 * their own records to an ExampleView (with extra fields such as the grimoire used); evaluation
 * records map with `exampleViewFromRecord`.
 */
import { exampleStatus, STATUS_LABEL, type ExampleRecord, type ExampleStatus } from '../eval/records.js';
import type { ChatMessage } from '../models/types.js';
import { formatInt, formatUsd } from './format.js';
import { anchorId, html, type SafeHtml } from './html.js';
import { truncate } from './markdown.js';
import { tableHtml, type Table } from './table.js';

export interface ExampleField {
  label: string;
  value: string;
  /** Shown as a preformatted block instead of inline. */
  block?: boolean;
}

export interface ExampleView {
  index: number;
  id?: string;
  status: ExampleStatus;
  prompt: ChatMessage[] | string | null;
  output: string | null;
  extracted: string | null;
  gold: string;
  costUsd: number;
  /** null: not recorded (e.g. a local student's answers). */
  promptTokens: number | null;
  completionTokens: number | null;
  latencyMs?: number;
  cached?: boolean;
  /** Anything else worth showing (reasoning, error, grimoire used, per-example scores). */
  fields?: ExampleField[];
}

export function exampleViewFromRecord(record: ExampleRecord): ExampleView {
  const fields: ExampleField[] = [];
  if (record.reasoning !== undefined) fields.push({ label: 'reasoning (first stage)', value: record.reasoning, block: true });
  if (record.invalidReason) fields.push({ label: 'why invalid', value: record.invalidReason });
  if (record.error) fields.push({ label: `error (${record.error.kind})`, value: record.error.message, block: true });
  for (const [name, value] of Object.entries(record.scores ?? {})) {
    fields.push({ label: name, value: Array.isArray(value) ? value.map(formatScore).join(', ') : formatScore(value) });
  }
  return {
    index: record.index,
    id: record.id,
    status: exampleStatus(record),
    prompt: record.prompt,
    output: record.output,
    extracted: record.extracted,
    gold: record.gold,
    costUsd: record.costUsd,
    promptTokens: record.usage.promptTokens,
    completionTokens: record.usage.completionTokens,
    latencyMs: record.latencyMs,
    cached: record.cached,
    fields,
  };
}

function formatScore(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}

/** The element id of an example within a scope (a run key), shared by tables and links. */
export function exampleAnchor(scope: string, index: number): string {
  return anchorId(scope, 'ex', index);
}

/** One row per example; the index links to the example's details. */
export function examplesTable(views: readonly ExampleView[], scope: string): Table<ExampleView> {
  return {
    id: anchorId(scope, 'examples'),
    rows: views,
    rowData: (view) => ({ status: view.status }),
    columns: [
      { header: '#', align: 'right', cell: (view) => ({ text: String(view.index), href: `#${exampleAnchor(scope, view.index)}` }) },
      { header: 'result', cell: (view) => ({ text: STATUS_LABEL[view.status], className: view.status }) },
      { header: 'gold', cell: (view) => ({ text: truncate(view.gold, 60), title: view.gold }) },
      { header: 'extracted', cell: (view) => (view.extracted === null ? null : { text: truncate(view.extracted, 60), title: view.extracted }) },
      {
        header: 'tokens',
        align: 'right',
        cell: (view) => (view.promptTokens === null || view.completionTokens === null ? null : formatInt(view.promptTokens + view.completionTokens)),
      },
      { header: 'cost', align: 'right', cell: (view) => formatUsd(view.costUsd) },
    ],
  };
}

function promptHtml(prompt: ExampleView['prompt']): SafeHtml {
  if (prompt === null) return html`<p class="muted">no prompt recorded</p>`;
  if (typeof prompt === 'string') return html`<pre>${prompt}</pre>`;
  return html`${prompt.map((message) => html`<div class="message"><span class="role">${message.role}</span><pre>${message.content}</pre></div>`)}`;
}

/** The collapsible block of one example, with the example's anchor id. */
export function exampleDetailsHtml(view: ExampleView, scope: string): SafeHtml {
  const id = exampleAnchor(scope, view.index);
  const meta = [
    view.promptTokens === null || view.completionTokens === null
      ? 'tokens not recorded'
      : `${formatInt(view.promptTokens)} prompt + ${formatInt(view.completionTokens)} completion tokens`,
    formatUsd(view.costUsd),
    view.latencyMs !== undefined && !view.cached ? `${Math.round(view.latencyMs)} ms` : undefined,
    view.cached ? 'from cache' : undefined,
  ].filter((part): part is string => part !== undefined);
  const fields = (view.fields ?? []).map((field) =>
    field.block ? html`<dt>${field.label}</dt><dd><pre>${field.value}</pre></dd>` : html`<dt>${field.label}</dt><dd>${field.value}</dd>`,
  );
  return html`<details class="example ${view.status}" id="${id}" data-status="${view.status}">
<summary><a class="anchor" href="#${id}">#${view.index}</a> <span class="${view.status}">${STATUS_LABEL[view.status]}</span> · gold <code>${truncate(view.gold, 80)}</code> · extracted <code>${view.extracted === null ? '—' : truncate(view.extracted, 80)}</code>${view.id ? html` <span class="muted">${view.id}</span>` : ''}</summary>
<dl>
<dt>prompt</dt><dd>${promptHtml(view.prompt)}</dd>
<dt>raw output</dt><dd>${view.output === null ? html`<span class="muted">none</span>` : html`<pre>${view.output}</pre>`}</dd>
<dt>extracted answer</dt><dd><code>${view.extracted ?? '—'}</code></dd>
<dt>gold</dt><dd><code>${view.gold}</code></dd>
<dt>result</dt><dd class="${view.status}">${STATUS_LABEL[view.status]}</dd>
<dt>cost</dt><dd>${meta.join(' · ')}</dd>
${fields}
</dl>
</details>`;
}

/** A filter, the table of examples, then every example's details block. */
export function examplesSectionHtml(views: readonly ExampleView[], scope: string): SafeHtml {
  const counts = new Map<ExampleStatus, number>();
  for (const view of views) counts.set(view.status, (counts.get(view.status) ?? 0) + 1);
  const options = (['correct', 'wrong', 'invalid', 'error', 'unscored'] as const)
    .filter((status) => counts.has(status))
    .map((status) => html`<option value="${status}">${STATUS_LABEL[status]} (${counts.get(status)})</option>`);
  return html`<div class="filter"><label>show <select data-filter="${anchorId(scope, 'examples')}">
<option value="">all (${views.length})</option><option value="!correct">not correct (${views.length - (counts.get('correct') ?? 0)})</option>${options}
</select></label></div>
${tableHtml(examplesTable(views, scope))}
<div class="examples" data-examples="${anchorId(scope, 'examples')}">${views.map((view) => exampleDetailsHtml(view, scope))}</div>`;
}
