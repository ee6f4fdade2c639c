/**
 * The model layer's floor: providers and middleware share only what is below both (the contract in
 * types.ts and core/); no provider imports a middleware file or the other way round, and the floor
 * imports neither.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../src/models/', import.meta.url));

function importsOf(folder: string): Array<{ file: string; target: string }> {
  return readdirSync(join(root, folder))
    .filter((name) => name.endsWith('.ts'))
    .flatMap((name) => {
      const text = readFileSync(join(root, folder, name), 'utf8');
      return [...text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)].map((match) => ({ file: `${folder}/${name}`, target: match[1]! }));
    });
}

describe('model layer layering', () => {
  it('keeps providers out of middleware files and middleware out of provider files', () => {
    const crossings = [
      ...importsOf('providers').filter(({ target }) => target.includes('/middleware/')),
      ...importsOf('middleware').filter(({ target }) => target.includes('/providers/')),
    ];
    expect(crossings).toEqual([]);
  });

  it('keeps the floor below providers, middleware and the hub', () => {
    const upward = importsOf('core').filter(({ target }) => !/^\.\/[\w]+\.js$|^\.\.\/types\.js$|^\.\.\/\.\.\/util\//.test(target));
    expect(upward).toEqual([]);
  });
});
