/** Checks on rendered report pages. */

/** Every same-page link (href="#id") must point at an element with that id. */
export function danglingLinks(page: string): string[] {
  const ids = new Set([...page.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]));
  return [...page.matchAll(/href="#([^"]*)"/g)].map((m) => m[1]!).filter((id) => !ids.has(id));
}
