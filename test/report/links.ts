/** Checks on rendered report pages. */

/** Every same-page link (href="#id") must point at an element with that id. */
export function danglingLinks(page: string): string[] {
  const ids = new Set([...page.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]));
  return [...page.matchAll(/href="#([^"]*)"/g)].map((m) => m[1]!).filter((id) => !ids.has(id));
}

/** Element ids used more than once (links and the example filter rely on unique ids). */
export function duplicateIds(page: string): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const [, id] of page.matchAll(/ id="([^"]+)"/g)) {
    if (seen.has(id!)) duplicates.add(id!);
    seen.add(id!);
  }
  return [...duplicates];
}
