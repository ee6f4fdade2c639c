/**
 * sacreBLEU's default "13a" tokenizer (the mteval-v13a.pl rules): unescape a few HTML entities,
 * split off punctuation and symbols, split periods and commas unless inside a number, and split a
 * dash that follows a digit.
 */
const RULES: [RegExp, string][] = [
  // Any of { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
  [/([{-~[-` -&(-+:-@/])/g, ' $1 '],
  [/([^0-9])([.,])/g, '$1 $2 '],
  [/([.,])([^0-9])/g, ' $1 $2'],
  [/([0-9])(-)/g, '$1 $2 '],
];

export function tokenize13a(line: string): string[] {
  let text = line
    .replace(/<skipped>/g, '')
    .replace(/-\n/g, '')
    .replace(/\n/g, ' ');
  if (text.includes('&')) {
    text = text
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>');
  }
  text = ` ${text} `;
  for (const [pattern, replacement] of RULES) text = text.replace(pattern, replacement);
  return text.split(/\s+/).filter(Boolean);
}
