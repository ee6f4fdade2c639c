/**
 * A safe arithmetic evaluator: recursive descent over numbers, + - * / (also × ÷), parentheses
 * and unary signs. Never hands text to eval or Function; anything else is rejected. Linear in its
 * input: one sticky-regex tokenizer pass, one parse, recursion bounded in depth.
 *
 *   expression := term (("+" | "-") term)*
 *   term       := unary (("*" | "/") unary)*
 *   unary      := ("-" | "+") unary | primary
 *   primary    := number | "(" expression ")"
 */

type Token = { kind: 'number'; value: number; end: number } | { kind: 'op'; value: string; end: number };

/** Expressions longer than this are not answers; reading stops there. */
export const MAX_EXPRESSION_CHARS = 4096;
const MAX_DEPTH = 200;

/** The value of `text` as an arithmetic expression, or null if it is not one (or divides by zero). */
export function evaluateArithmetic(text: string): number | null {
  if (text.length > MAX_EXPRESSION_CHARS) return null;
  const { tokens, complete } = tokenize(text);
  if (!complete || tokens.length === 0) return null;
  const parser = new Parser(tokens);
  const value = parser.expression();
  if (value === null || !parser.atEnd() || !Number.isFinite(value)) return null;
  return value;
}

/**
 * The value of the longest prefix of `text` that is a whole expression: "(10 - (3 + 6)). So" -> 1,
 * "18, 20 and 5" -> 18. Null when no prefix is one.
 */
export function leadingArithmetic(text: string): number | null {
  const { tokens } = tokenize(text.slice(0, MAX_EXPRESSION_CHARS));
  if (!tokens.length) return null;
  const value = new Parser(tokens).longestPrefix();
  return value !== null && Number.isFinite(value) ? value : null;
}

const SPACE = /[\s$]+/y;
const NUMBER = /(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d*)?|\.\d+/y;
const OPERATORS: Record<string, string> = {
  '+': '+',
  '-': '-',
  '\u2212': '-',
  '*': '*',
  '\u00d7': '*',
  '/': '/',
  '\u00f7': '/',
  '(': '(',
  ')': ')',
};

/** Tokens up to the first character that is not arithmetic; `complete` when that is the end. */
function tokenize(text: string): { tokens: Token[]; complete: boolean } {
  const tokens: Token[] = [];
  let position = 0;
  while (position < text.length) {
    SPACE.lastIndex = position;
    if (SPACE.exec(text)) {
      position = SPACE.lastIndex;
      continue;
    }
    NUMBER.lastIndex = position;
    const number = NUMBER.exec(text);
    if (number) {
      position = NUMBER.lastIndex;
      tokens.push({ kind: 'number', value: Number(number[0].replace(/,/g, '')), end: position });
      continue;
    }
    const op = OPERATORS[text[position]!];
    if (!op) return { tokens, complete: false };
    position += 1;
    tokens.push({ kind: 'op', value: op, end: position });
  }
  return { tokens, complete: true };
}

class Parser {
  private position = 0;
  /** Bounds recursion on hostile input such as ten thousand "(" or "-". */
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  atEnd(): boolean {
    return this.position === this.tokens.length;
  }

  expression(): number | null {
    let value = this.term();
    while (value !== null && this.peekOp('+', '-')) {
      const op = this.take();
      const right = this.term();
      if (right === null) return null;
      value = op === '+' ? value + right : value - right;
    }
    return value;
  }

  /**
   * The top level of `expression`, remembering the value each time the tokens read so far form a
   * whole expression, so a failure later (a comma, an unclosed bracket) still leaves the best prefix.
   */
  longestPrefix(): number | null {
    let best: number | null = null;
    let sum = 0;
    let sumOp = '+';
    const combine = (product: number) => (sumOp === '+' ? sum + product : sum - product);
    for (;;) {
      let product = this.unary();
      if (product === null) return best;
      best = combine(product);
      while (this.peekOp('*', '/')) {
        const op = this.take();
        const right = this.unary();
        if (right === null || (op === '/' && right === 0)) return best;
        product = op === '*' ? product * right : product / right;
        best = combine(product);
      }
      sum = combine(product);
      if (!this.peekOp('+', '-')) return best;
      sumOp = this.take();
    }
  }

  private term(): number | null {
    let value = this.unary();
    while (value !== null && this.peekOp('*', '/')) {
      const op = this.take();
      const right = this.unary();
      if (right === null) return null;
      if (op === '/' && right === 0) return null;
      value = op === '*' ? value * right : value / right;
    }
    return value;
  }

  private unary(): number | null {
    if (++this.depth > MAX_DEPTH) {
      this.depth--;
      return null;
    }
    try {
      if (this.peekOp('-', '+')) {
        const sign = this.take();
        const value = this.unary();
        return value === null ? null : sign === '-' ? -value : value;
      }
      return this.primary();
    } finally {
      this.depth--;
    }
  }

  private primary(): number | null {
    const token = this.tokens[this.position];
    if (!token) return null;
    if (token.kind === 'number') {
      this.position++;
      return token.value;
    }
    if (token.value !== '(') return null;
    this.position++;
    const value = this.expression();
    if (value === null || !this.peekOp(')')) return null;
    this.position++;
    return value;
  }

  private peekOp(...ops: string[]): boolean {
    const token = this.tokens[this.position];
    return token?.kind === 'op' && ops.includes(token.value);
  }

  private take(): string {
    const token = this.tokens[this.position++]!;
    return String(token.value);
  }
}
