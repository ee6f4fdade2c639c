/**
 * Progress for long work: done/total, rate, ETA and dollars spent so far (or, for training, tokens/s and
 * the loss), on stderr. A live bar on a
 * terminal (cli-progress); on a pipe or in CI, a plain line every few seconds so logs stay readable.
 */
import type cliProgressModule from 'cli-progress';
import { createRequire } from 'node:module';

export interface ProgressExtras {
  costUsd?: number;
  errors?: number;
  cached?: number;
  /** Throughput in tokens per second (training). */
  tokensPerSecond?: number;
  /** The latest loss (training). */
  loss?: number;
}

/** The extras a progress line shows: dollars and errors (default), or tokens/s and loss (training). */
export type ProgressFields = 'cost' | 'tokens';

export interface Progress {
  tick(extras?: ProgressExtras): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** Already done before this process started (a resumed run); excluded from the rate. */
  initial?: number;
  enabled?: boolean;
  stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when not on a terminal. */
  plainIntervalSeconds?: number;
  /** Default 'cost'. */
  fields?: ProgressFields;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.enabled === false || options.total === 0) return { tick() {}, stop() {} };
  return stream.isTTY ? barProgress(options, stream) : plainProgress(options, stream);
}

function barProgress(options: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  // Loaded for a terminal bar only: a piped run or --no-progress never needs it.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof cliProgressModule;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        options.fields === 'tokens'
          ? `${options.label} {bar} {value}/{total} | {rate}/s | ETA {eta_formatted} | {tokens} tokens/s | loss {loss}`
          : `${options.label} {bar} {value}/{total} | {rate}/s | ETA {eta_formatted} | \${cost} | errors {errors}`,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let done = options.initial ?? 0;
  bar.start(options.total, done, payload(0, started, {}));
  return {
    tick(extras = {}) {
      done += 1;
      bar.update(done, payload(done - (options.initial ?? 0), started, extras));
    },
    stop() {
      bar.stop();
    },
  };
}

function plainProgress(options: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  const interval = (options.plainIntervalSeconds ?? 5) * 1000;
  const started = Date.now();
  const initial = options.initial ?? 0;
  let done = initial;
  let lastPrinted = started;
  let last: ProgressExtras = {};
  const print = () => {
    const fresh = done - initial;
    const elapsed = (Date.now() - started) / 1000;
    const rate = fresh / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (options.total - done) / rate : Infinity;
    const p = payload(fresh, started, last);
    const extras = options.fields === 'tokens' ? `${p.tokens} tokens/s | loss ${p.loss}` : `$${p.cost} | errors ${p.errors}`;
    stream.write(`${options.label}: ${done}/${options.total} | ${rate.toFixed(1)}/s | ETA ${formatSeconds(eta)} | ${extras}\n`);
  };
  return {
    tick(extras = {}) {
      done += 1;
      last = extras;
      if (Date.now() - lastPrinted >= interval) {
        lastPrinted = Date.now();
        print();
      }
    },
    stop() {
      if (done > initial) print();
    },
  };
}

function payload(fresh: number, started: number, extras: ProgressExtras) {
  const elapsed = (Date.now() - started) / 1000;
  return {
    rate: (fresh / Math.max(elapsed, 1e-9)).toFixed(1),
    cost: (extras.costUsd ?? 0).toFixed(4),
    errors: extras.errors ?? 0,
    tokens: Math.round(extras.tokensPerSecond ?? 0).toLocaleString('en-US'),
    loss: extras.loss === undefined ? '—' : extras.loss.toFixed(4),
  };
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
