/**
 * A safe arithmetic evaluator: recursive descent over numbers, + - * / (also × ÷), parentheses
 * and unary signs. Never hands text to eval or Function; anything else is rejected.
 *
 *   expression := term (("+" | "-") term)*
 *   term       := unary (("*" | "/") unary)*
 *   unary      := ("-" | "+") unary | primary
 *   primary    := number | "(" expression ")"
 */

type Token = { kind: 'number'; value: number } | { kind: 'op'; value: string };

/** The value of `text` as an arithmetic expression, or null if it is not one (or divides by zero). */
export function evaluateArithmetic(text: string): number | null {
  const tokens = tokenize(text);
  if (!tokens || tokens.length === 0) return null;
  const parser = new Parser(tokens);
  const value = parser.expression();
  if (value === null || !parser.atEnd() || !Number.isFinite(value)) return null;
  return value;
}

const NUMBER = /^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|^\.\d+/;
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

function tokenize(text: string): Token[] | null {
  const tokens: Token[] = [];
  let rest = text;
  while (rest.length) {
    const space = /^[\s$]+/.exec(rest);
    if (space) {
      rest = rest.slice(space[0].length);
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0].replace(/,/g, '')) });
      rest = rest.slice(number[0].length);
      continue;
    }
    const op = OPERATORS[rest[0]!];
    if (!op) return null;
    tokens.push({ kind: 'op', value: op });
    rest = rest.slice(1);
  }
  return tokens;
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
    if (++this.depth > 200) return null;
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
