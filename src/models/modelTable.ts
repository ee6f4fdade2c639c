/**
 * Facts about hosted models keyed by model name or glob (`*`, `?`), optionally prefixed by the provider
 * (`openai:gpt-4o*`): prices, context windows. The most specific key wins: an exact name over any glob,
 * then the glob with the most literal characters.
 */

export type ModelTable<T> = Record<string, T>;

interface CompiledEntry<T> {
  pattern: RegExp;
  /** Literal characters in the key: the more, the more specific the match. */
  specificity: number;
  exact: boolean;
  value: T;
}

export class CompiledModelTable<T> {
  private readonly entries: CompiledEntry<T>[];

  constructor(table: ModelTable<T>) {
    this.entries = Object.entries(table).map(([key, value]) => ({
      pattern: globToRegExp(key),
      specificity: key.replace(/[*?]/g, '').length,
      exact: !/[*?]/.test(key),
      value,
    }));
  }

  /** The value of the most specific key matching any of `names` (e.g. the model and `<provider>:<model>`). */
  lookup(names: readonly string[]): T | undefined {
    let best: CompiledEntry<T> | undefined;
    for (const entry of this.entries) {
      if (!names.some((name) => entry.pattern.test(name))) continue;
      if (!best || (entry.exact && !best.exact) || (entry.exact === best.exact && entry.specificity > best.specificity)) best = entry;
    }
    return best?.value;
  }
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
}
