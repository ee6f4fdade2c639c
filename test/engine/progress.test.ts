import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/util/progress.js';

function fakeStream(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

describe('training progress (util/progress with tokens/s)', () => {
  it('prints steps, ETA, tokens/s and the loss on a pipe', () => {
    const { stream, lines } = fakeStream();
    const progress = createProgress({ label: 'train', total: 10, initial: 2, stream, plainIntervalSeconds: 0, fields: 'tokens' });
    progress.tick({ tokensPerSecond: 1234.4, loss: 2.5 });
    progress.stop();
    expect(lines.at(-1)).toMatch(/^train: 3\/10 \| [\d.]+\/s \| ETA \S+ \| 1,234 tokens\/s \| loss 2\.5000\n$/);
  });

  it('keeps dollars and errors by default', () => {
    const { stream, lines } = fakeStream();
    const progress = createProgress({ label: 'eval', total: 2, stream, plainIntervalSeconds: 0 });
    progress.tick({ costUsd: 0.5, errors: 1 });
    expect(lines.at(-1)).toMatch(/\| \$0\.5000 \| errors 1\n$/);
  });
});
