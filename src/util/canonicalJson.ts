/** Canonical JSON and its hash: equal values give equal text, whatever the key order. */
import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted and `undefined` members dropped, so equal values give equal text.
 * Built by appending to one string (no array of members per object): a dataset's digest runs it over every example.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TypeError(`cannot hash non-finite number ${value}`);
    }
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ',';
      // A hole stays empty, as Array.prototype.map and join leave it.
      if (!(i in value)) continue;
      const item: unknown = value[i];
      text += item === undefined ? 'null' : canonicalJson(item);
    }
    return text + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let text = '{';
  for (const key of keys) {
    const member = record[key];
    if (member === undefined || typeof member === 'function') continue;
    if (text.length > 1) text += ',';
    text += `${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return text + '}';
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
