/** A listening command (`apprentice serve`, `apprentice ui`) in a child process, as a user runs it: waits for the printed URL, stops with Ctrl-C. */
import type { ChildProcess } from 'node:child_process';
import { runCli, type CliOptions, type CliResult } from './runCli.js';

export interface ServingCli {
  /** The URL it printed, e.g. the OpenAI base URL http://127.0.0.1:41234/v1 of `serve`. */
  baseURL: string;
  /** Everything printed on stdout up to the URL. */
  output: string;
  /** Sends SIGINT and waits for the exit. */
  stop(): Promise<CliResult>;
}

export function startServeCli(args: string[], options: Omit<CliOptions, 'onSpawn'> = {}, timeoutMs = 60_000): Promise<ServingCli> {
  return startListeningCli(['serve', ...args], /at (http:\/\/127\.0\.0\.1:\d+\/v1)/, options, timeoutMs);
}

/** Runs `args` until stdout matches `urlPattern`, whose first group is the URL. */
export async function startListeningCli(
  args: string[],
  urlPattern: RegExp,
  options: Omit<CliOptions, 'onSpawn'> = {},
  timeoutMs = 60_000,
): Promise<ServingCli> {
  let child: ChildProcess | undefined;
  let output = '';
  const result = runCli(args, { ...options, onSpawn: (spawned) => (child = spawned) });
  const baseURL = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child?.kill('SIGKILL');
      reject(new Error(`no URL printed:\n${output}`));
    }, timeoutMs);
    child!.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = urlPattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void result.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`exited early (${exit.code}): ${exit.stderr}`));
    });
  });
  return {
    baseURL,
    output,
    stop: () => {
      child!.kill('SIGINT');
      return result;
    },
  };
}
