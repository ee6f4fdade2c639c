/**
 * A table building block rendered both to HTML and to Markdown: columns say how to get each cell
 * from a row; a cell is plain text (escaped everywhere) with an optional link and class.
 */
import { formatEstimate, type ValueFormat } from './format.js';
import { html, type SafeHtml } from './html.js';
import { escapeMarkdown, markdownLink } from './markdown.js';

export interface CellSpec {
  text: string;
  /** A fragment ("#id") or relative URL; produced by our code, never user text. */
  href?: string;
  /** Hover text (HTML only). */
  title?: string;
  /** CSS class (HTML only), e.g. 'correct', 'wrong'. */
  className?: string;
}

export type Cell = string | number | null | undefined | CellSpec;

export interface Column<Row> {
  header: string;
  /** Numbers align right by default. */
  align?: 'left' | 'right';
  cell: (row: Row) => Cell;
}

export interface Table<Row> {
  columns: Column<Row>[];
  rows: readonly Row[];
  caption?: string;
  /** HTML id of the table. */
  id?: string;
  /** HTML attributes per row, e.g. data-status for filtering. */
  rowData?: (row: Row) => Record<string, string>;
}

function cellSpec(cell: Cell): CellSpec {
  if (cell === null || cell === undefined) return { text: '—' };
  if (typeof cell === 'string') return { text: cell };
  if (typeof cell === 'number') return { text: String(cell) };
  return cell;
}

function alignOf<Row>(column: Column<Row>, rows: readonly Row[]): 'left' | 'right' {
  if (column.align) return column.align;
  const first = rows.length ? column.cell(rows[0] as Row) : undefined;
  return typeof first === 'number' ? 'right' : 'left';
}

export function tableHtml<Row>(table: Table<Row>): SafeHtml {
  const aligns = table.columns.map((column) => alignOf(column, table.rows));
  const head = table.columns.map((column, i) => html`<th class="${aligns[i]}">${column.header}</th>`);
  const body = table.rows.map((row) => {
    const data = table.rowData?.(row) ?? {};
    const attributes = Object.entries(data).map(([name, value]) => html` data-${name.replace(/[^a-z0-9-]/g, '')}="${value}"`);
    const cells = table.columns.map((column, i) => {
      const spec = cellSpec(column.cell(row));
      const content = spec.href ? html`<a href="${spec.href}">${spec.text}</a>` : spec.text;
      const classes = [aligns[i], spec.className].filter(Boolean).join(' ');
      return html`<td class="${classes}"${spec.title ? html` title="${spec.title}"` : ''}>${content}</td>`;
    });
    return html`<tr${attributes}>${cells}</tr>`;
  });
  return html`<table${table.id ? html` id="${table.id}"` : ''}>${table.caption ? html`<caption>${table.caption}</caption>` : ''}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * GitHub-flavoured Markdown table. Links are kept when `linkBase` is given (e.g. "report.html"),
 * so a fragment "#ex-3" becomes "report.html#ex-3".
 */
export function tableMarkdown<Row>(table: Table<Row>, options: { linkBase?: string } = {}): string {
  const aligns = table.columns.map((column) => alignOf(column, table.rows));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines = [
    line(table.columns.map((column) => escapeMarkdown(column.header))),
    line(aligns.map((align) => (align === 'right' ? '---:' : '---'))),
    ...table.rows.map((row) =>
      line(
        table.columns.map((column) => {
          const spec = cellSpec(column.cell(row));
          if (spec.href && options.linkBase !== undefined) {
            const href = spec.href.startsWith('#') ? `${options.linkBase}${spec.href}` : spec.href;
            return markdownLink(spec.text, href);
          }
          return escapeMarkdown(spec.text);
        }),
      ),
    ),
  ];
  return (table.caption ? `${escapeMarkdown(table.caption)}\n\n` : '') + lines.join('\n');
}

/** A cell showing an estimate with its 95% CI; the CI alone is the hover text. */
export function estimateCell(value: number | null | undefined, ci95: readonly [number, number] | null | undefined, format: ValueFormat = 'percent'): CellSpec {
  return { text: formatEstimate(value, ci95, format), title: '95% confidence interval in brackets' };
}
