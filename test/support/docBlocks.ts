/**
 * Fenced code blocks of the Markdown docs, for doc tests. A block may be preceded by an annotation comment
 * saying how it is checked: `<!-- doctest: fragment -->` (a ts excerpt with free names: not compiled) or
 * `<!-- doctest: skip <why> -->`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgsStringToArgv } from 'string-argv';

export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  language: string;
  code: string;
  annotation?: string;
}

export function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name));
  return ['README.md', ...docs.sort()];
}

export function docBlocks(root: string, file: string): DocBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const before = lines.slice(Math.max(0, start - 2), start).join('\n');
    const annotation = /<!--\s*doctest:\s*(.*?)\s*-->/.exec(before)?.[1];
    blocks.push({ file, line: start + 1, language: open[1]!, code: body.join('\n'), ...(annotation ? { annotation } : {}) });
  }
  return blocks;
}

export interface ShellCommand {
  line: number;
  text: string;
  argv: string[];
}

/** The `apprentice …` commands of a shell block (continuations joined, comments and env assignments dropped). */
export function apprenticeCommands(block: DocBlock): ShellCommand[] {
  const commands: ShellCommand[] = [];
  const lines = block.code.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i;
    let text = lines[i]!;
    while (text.trimEnd().endsWith('\\') && i + 1 < lines.length) text = text.trimEnd().slice(0, -1) + ' ' + lines[++i]!.trim();
    for (const part of stripComment(text).split(/&&|;/)) {
      const words = parseArgsStringToArgv(part.trim());
      while (words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) words.shift();
      if (words[0] === 'npx') words.shift();
      if (words[0] === 'apprentice') commands.push({ line: block.line + 1 + first, text: part.trim(), argv: words.slice(1) });
    }
  }
  return commands;
}

/** Drops a `# comment` that is not inside quotes. */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}
