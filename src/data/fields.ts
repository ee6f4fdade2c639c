/**
 * Field mapping: which fields of a source record become the input, the gold answer, the options,
 * the rationale and the id. Every problem names the file, line and field.
 */
import { InputError } from '../util/errors.js';
import type { AnswerType } from './types.js';
import type { SourceRecord } from './readers.js';

/** Which fields of a generic dataset's records hold the input, the answer and the id. */
export interface FieldOptions {
  /** Field holding the input text (ignored when `inputTemplate` is given). */
  inputField?: string;
  /** Field holding the gold answer. */
  labelField?: string;
  /** Input built from several fields, e.g. `Premise: {premise}\nHypothesis: {hypothesis}`. */
  inputTemplate?: string;
  /** Label set; integer label values index into it, string values must name one of them. */
  labels?: string[];
  rationaleField?: string;
  /** Field holding the options of a multiple-choice example: a list, or a string holding a JSON list. */
  choicesField?: string;
  idField?: string;
}

/** What one record contributes to an Example. */
export interface MappedRecord {
  input: string;
  target: string;
  choices?: string[];
  rationale?: string;
  id?: string;
}

export type RecordMapper = (record: SourceRecord) => MappedRecord;

/** Tried in order when no input field or template is given. */
export const DEFAULT_INPUT_FIELDS = ['input', 'text', 'question', 'sentence', 'prompt'];
/** Tried in order when no label field is given. */
export const DEFAULT_LABEL_FIELDS = ['label', 'answer', 'target', 'output'];

/**
 * A mapper for the records of one file. Default field names are resolved once, from the first
 * record, so every record of the file is read the same way.
 */
export function createRecordMapper(options: FieldOptions, context: { file: string; answer: AnswerType['kind']; firstRecord?: SourceRecord }): RecordMapper {
  const { file, answer } = context;
  const template = options.inputTemplate === undefined ? undefined : unescapeTemplate(options.inputTemplate);
  if (template !== undefined) checkTemplate(template);
  const labels = options.labels?.length ? options.labels : undefined;
  if (labels) checkLabelList(labels);
  const inputField = template === undefined ? (options.inputField ?? defaultField(DEFAULT_INPUT_FIELDS, 'input', context)) : undefined;
  const labelField = options.labelField ?? defaultField(DEFAULT_LABEL_FIELDS, 'label', context);

  return (record) => {
    const where = { file, line: record.line };
    const input = template !== undefined ? renderTemplate(template, record.data, where) : requireText(record.data, inputField as string, where, 'input');
    if (!input.trim()) throw new InputError('empty input', { ...where, field: inputField ?? 'input template' });

    const choices = options.choicesField ? readChoices(record.data, options.choicesField, where) : undefined;
    const rawLabel = ownField(record.data, labelField);
    const labelWhere = { ...where, field: labelField };
    let target = labels ? resolveLabel(rawLabel, labels, labelWhere) : labelText(rawLabel, labelWhere);
    if (answer === 'multiple_choice' && choices && !labels) target = resolveChoice(rawLabel, target, choices, labelWhere);
    if (answer === 'number') target = normalizeNumber(target, labelWhere);

    const mapped: MappedRecord = { input, target };
    if (choices) mapped.choices = choices;
    if (options.rationaleField) {
      const rationale = ownField(record.data, options.rationaleField);
      // A missing rationale is allowed: sources often explain only some examples.
      if (rationale !== undefined && rationale !== null) {
        mapped.rationale = scalarText(rationale, { ...where, field: options.rationaleField });
      }
    }
    if (options.idField) mapped.id = requireText(record.data, options.idField, where, 'id');
    return mapped;
  };
}

/** `\n` and `\t` typed on a command line arrive as backslash sequences; `\\` keeps a backslash. */
export function unescapeTemplate(text: string): string {
  return text.replace(/\\(\\|n|t)/g, (_, escape: string) => (escape === 'n' ? '\n' : escape === 't' ? '\t' : '\\'));
}

/** Field names a template uses, in order of first use. `{{` and `}}` are literal braces. */
export function templateFields(template: string): string[] {
  const fields: string[] = [];
  for (const part of tokenizeTemplate(template)) {
    if (part.field !== undefined && !fields.includes(part.field)) fields.push(part.field);
  }
  return fields;
}

export function renderTemplate(template: string, data: Record<string, unknown>, where: { file?: string; line?: number } = {}): string {
  return tokenizeTemplate(template)
    .map((part) => {
      if (part.field === undefined) return part.text;
      const value = lookupField(data, part.field);
      if (value === undefined || value === null) {
        throw new InputError('missing field used by the input template', { ...where, field: part.field });
      }
      if (Array.isArray(value)) return value.map((item) => scalarText(item, { ...where, field: part.field })).join(', ');
      return scalarText(value, { ...where, field: part.field });
    })
    .join('');
}

/**
 * The label a raw value names. A JSON number indexes into `labels`; a string must name a label
 * (case-insensitively, returned in the list's spelling) or else be an integer index. Names win
 * over indices so that label sets like ["1","2","3"] read naturally.
 */
export function resolveLabel(value: unknown, labels: readonly string[], where: { file?: string; line?: number; field?: string } = {}): string {
  if (typeof value === 'number') return labelAtIndex(value, labels, where);
  const text = labelText(value, where);
  const wanted = text.toLowerCase();
  const named = labels.find((label) => label.toLowerCase() === wanted);
  if (named !== undefined) return named;
  if (/^-?\d+$/.test(text)) return labelAtIndex(Number(text), labels, where);
  throw new InputError(`unknown label "${text}"; expected one of: ${labels.join(', ')}`, where);
}

function labelAtIndex(index: number, labels: readonly string[], where: object): string {
  if (!Number.isInteger(index)) throw new InputError(`label ${index} is not an integer index or a label name`, where);
  const label = labels[index];
  if (index < 0 || label === undefined) {
    throw new InputError(`label index ${index} out of range: ${labels.length} labels (${labels.join(', ')}), valid indices 0..${labels.length - 1}`, where);
  }
  return label;
}

function labelText(value: unknown, where: { field?: string }): string {
  if (value === undefined || value === null) throw new InputError('missing label', where);
  const text = scalarText(value, where).trim();
  if (!text) throw new InputError('empty label', where);
  return text;
}

/** A multiple-choice answer given as the option text, its index, or its letter (A = first). */
function resolveChoice(raw: unknown, text: string, choices: string[], where: object): string {
  const wanted = text.toLowerCase();
  const named = choices.find((choice) => choice.toLowerCase() === wanted);
  if (named !== undefined) return named;
  let index: number | undefined;
  if (typeof raw === 'number' || /^\d+$/.test(text)) index = Number(text);
  else if (/^[A-Za-z]$/.test(text)) index = text.toUpperCase().charCodeAt(0) - 65;
  const choice = index === undefined ? undefined : choices[index];
  if (choice === undefined) {
    throw new InputError(`answer "${text}" is not one of the options (${choices.join(' / ')})`, where);
  }
  return choice;
}

function normalizeNumber(text: string, where: object): string {
  const compact = text.replace(/[,\s]/g, '');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(compact)) {
    throw new InputError(`answer "${text}" is not a number`, where);
  }
  return compact.replace(/^\+/, '');
}

function readChoices(data: Record<string, unknown>, field: string, where: { file: string; line: number }): string[] {
  let value = ownField(data, field);
  const fieldWhere = { ...where, field };
  if (value === undefined || value === null) throw new InputError('missing options', fieldWhere);
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new InputError('options must be a list (or a string holding a JSON list)', fieldWhere);
    }
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new InputError('options must be a non-empty list', fieldWhere);
  }
  return value.map((item) => {
    const text = scalarText(item, fieldWhere).trim();
    if (!text) throw new InputError('empty option', fieldWhere);
    return text;
  });
}

function requireText(data: Record<string, unknown>, field: string, where: { file: string; line: number }, role: string): string {
  const value = ownField(data, field);
  if (value === undefined || value === null) throw new InputError(`missing ${role} field`, { ...where, field });
  return scalarText(value, { ...where, field });
}

function scalarText(value: unknown, where: object): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new InputError(`expected text, got ${Array.isArray(value) ? 'a list' : typeof value}`, where);
}

function defaultField(candidates: string[], role: string, context: { file: string; firstRecord?: SourceRecord }): string {
  const first = context.firstRecord;
  if (!first) return candidates[0] as string;
  const found = candidates.find((name) => ownField(first.data, name) !== undefined);
  if (found) return found;
  const flag = role === 'input' ? '--input-field or --input-template' : '--label-field';
  throw new InputError(`no ${role} field: none of ${candidates.join(', ')} is present; pass ${flag} (fields: ${Object.keys(first.data).join(', ')})`, {
    file: context.file,
    line: first.line,
  });
}

function checkTemplate(template: string): void {
  if (templateFields(template).length === 0) {
    throw new InputError('input template uses no fields; write fields as {name}', { field: 'input-template' });
  }
}

function checkLabelList(labels: string[]): void {
  const seen = new Set<string>();
  for (const label of labels) {
    if (!label.trim()) throw new InputError('empty label in the label list', { field: 'labels' });
    const key = label.toLowerCase();
    if (seen.has(key)) throw new InputError(`label "${label}" appears twice in the label list`, { field: 'labels' });
    seen.add(key);
  }
}

type TemplatePart = { text: string; field?: undefined } | { field: string };

function tokenizeTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i] as string;
    const next = template[i + 1];
    if ((ch === '{' && next === '{') || (ch === '}' && next === '}')) {
      text += ch;
      i++;
    } else if (ch === '{') {
      const close = template.indexOf('}', i);
      const name = close === -1 ? '' : template.slice(i + 1, close).trim();
      if (!name || name.includes('{')) {
        throw new InputError(`input template: unclosed or empty "{" at character ${i + 1}`, { field: 'input-template' });
      }
      if (text) parts.push({ text });
      text = '';
      parts.push({ field: name });
      i = close;
    } else if (ch === '}') {
      throw new InputError(`input template: unmatched "}" at character ${i + 1}; write "}}" for a literal brace`, {
        field: 'input-template',
      });
    } else text += ch;
  }
  if (text) parts.push({ text });
  return parts;
}

/** A plain key first; `a.b` reaches into nested objects when no key is literally named `a.b`. */
function lookupField(data: Record<string, unknown>, field: string): unknown {
  if (Object.hasOwn(data, field)) return data[field];
  if (!field.includes('.')) return undefined;
  let value: unknown = data;
  for (const key of field.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = ownField(value as Record<string, unknown>, key);
  }
  return value;
}

/** Own properties only, so a field named like `constructor` never reaches Object.prototype. */
export function ownField(data: Record<string, unknown>, field: string): unknown {
  return Object.hasOwn(data, field) ? data[field] : undefined;
}
