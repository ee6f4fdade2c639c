/** Parameter counts as people write them: 7000000000, 7e9, "7B", "350M", "1.3b", "175 B". */
const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, t: 1e12 };

/** The count, or a message saying why the value is not one. */
export function parseParamCount(value: unknown): number | string {
  if (value === undefined || value === null || value === '') return 'is missing';
  let count: number;
  if (typeof value === 'number') count = value;
  else if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([kmbt])?\s*$/i.exec(value);
    if (!match) return `"${value}" is not a parameter count (examples: 7000000000, 7e9, 7B, 350M)`;
    count = Number(match[1]) * (match[2] ? (SUFFIX[match[2].toLowerCase()] as number) : 1);
  } else return 'must be a number or a string such as "7B"';
  if (!Number.isFinite(count) || count <= 0) return 'must be a positive number of parameters';
  return count;
}
