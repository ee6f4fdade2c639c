import { describe, expect, it } from 'vitest';
import { formatPStatement, formatPValue } from '../../src/util/numberFormat.js';

describe('p-values in reports', () => {
  it('prints four decimals, and "< 0.0001" below that instead of a misleading 0.0000 or "p=<0.0001"', () => {
    expect(formatPValue(0.03124)).toBe('0.0312');
    expect(formatPValue(1)).toBe('1.0000');
    expect(formatPValue(0.0001)).toBe('0.0001');
    expect(formatPValue(0.00004)).toBe('< 0.0001');
    expect(formatPValue(0)).toBe('< 0.0001');
    expect(formatPValue(null)).toBe('—');
    expect(formatPStatement(0.03124)).toBe('p = 0.0312');
    expect(formatPStatement(1e-9)).toBe('p < 0.0001');
  });
});
