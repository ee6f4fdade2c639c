/**
 * A deterministic stand-in for a weak model that really uses what its prompt gives it, for end-to-end
 * runs without a real model: from a grimoire it learns, per label, the quoted cue phrases listed under
 * that label (the recorded GPT-4 grimoires list them, e.g. `- Very Positive: ... "best," "exquisite"`);
 * from demonstrations it answers the label of the example sharing most words; with nothing it guesses.
 * Different grimoires therefore give different accuracies, as with a real model.
 */
import { questionOf } from './fixtures.js';

export function lexiconWeakModel(labels: string[], fallback: string): (prompt: string) => string {
  return (prompt) => {
    const question = questionOf(prompt).toLowerCase();
    if (prompt.includes('labelled examples')) return `Answer: ${fromExamples(prompt, question) ?? fallback}`;
    const lexicon = cues(prompt, labels);
    let best: string | null = null;
    let bestScore = 0;
    for (const [label, phrases] of lexicon) {
      const score = phrases.filter((p) => question.includes(p)).length;
      if (score > bestScore) {
        best = label;
        bestScore = score;
      }
    }
    return `Answer: ${best ?? fallback}`;
  };
}

function cues(prompt: string, labels: string[]): Map<string, string[]> {
  const byLength = [...labels].sort((a, b) => b.length - a.length);
  const lexicon = new Map<string, string[]>();
  let current: string | null = null;
  for (const line of prompt.split('\n')) {
    const lower = line.toLowerCase();
    const head = lower.split(':')[0] ?? '';
    const named = line.includes(':') ? byLength.find((label) => head.includes(label.toLowerCase())) : undefined;
    if (named) current = named;
    if (!current) continue;
    const phrases = [...line.matchAll(/"([^"]+?)[,.]?"/g)].map((m) => m[1]!.toLowerCase().trim()).filter((p) => p.length > 2);
    if (phrases.length) lexicon.set(current, [...(lexicon.get(current) ?? []), ...phrases]);
  }
  return lexicon;
}

function fromExamples(prompt: string, question: string): string | null {
  const words = new Set(question.split(/\W+/).filter((w) => w.length > 3));
  let best: string | null = null;
  let bestOverlap = 0;
  const pairs = prompt.matchAll(/Question: (.*)\nAnswer: (.*)/g);
  for (const [, input, label] of pairs) {
    const overlap = input!
      .toLowerCase()
      .split(/\W+/)
      .filter((w) => words.has(w)).length;
    if (overlap > bestOverlap) {
      best = label!.trim();
      bestOverlap = overlap;
    }
  }
  return best;
}
