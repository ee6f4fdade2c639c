/**
 * 32-bit FNV-1a, the one hash of short strings kept in place of the strings (gold answers, example ids, seeds,
 * n-gram features). It hashes UTF-16 code units, so it equals the byte-wise FNV-1a on ASCII text.
 */
export const FNV1A_OFFSET_BASIS = 0x811c9dc5;
export const FNV1A_PRIME = 0x01000193;

/** The hash as an unsigned 32-bit integer. */
export function fnv1a(text: string): number {
  let hash = FNV1A_OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV1A_PRIME);
  return hash >>> 0;
}
