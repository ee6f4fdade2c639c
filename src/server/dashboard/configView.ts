/**
 * A run's configuration as the dashboard shows it: config.json with its long lists cut short. An eval's
 * config.json lists every example index it ran (a million entries, 7 MB, at a million examples), which the
 * run page would otherwise send whole and print one line per entry.
 */
import { isObject } from '../../util/isObject.js';

/** Items of a list shown (a classification's labels fit; a list of example indices does not). */
export const SHOWN_LIST_ITEMS = 200;

/** `value` with every list longer than SHOWN_LIST_ITEMS cut to its first items and a note of how many more there are. */
export function configView(value: unknown): unknown {
  if (Array.isArray(value)) {
    const shown: unknown[] = value.slice(0, SHOWN_LIST_ITEMS).map(configView);
    if (value.length > SHOWN_LIST_ITEMS) {
      shown.push(`… ${(value.length - SHOWN_LIST_ITEMS).toLocaleString('en-US')} more (${value.length.toLocaleString('en-US')} in all)`);
    }
    return shown;
  }
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, configView(item)]));
  return value;
}
