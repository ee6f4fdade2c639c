/**
 * A problem with something the user gave us (a file, a flag, a config). The message names
 * where it is: file, line and field, so the user can fix it without reading our code.
 */
export class InputError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;

  constructor(message: string, where: { file?: string; line?: number; field?: string } = {}) {
    super(formatWhere(where) + message);
    this.name = 'InputError';
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }
}

function formatWhere(where: { file?: string; line?: number; field?: string }): string {
  const parts: string[] = [];
  if (where.file) parts.push(where.line !== undefined ? `${where.file}:${where.line}` : where.file);
  else if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.field) parts.push(`field "${where.field}"`);
  return parts.length ? `${parts.join(', ')}: ` : '';
}
