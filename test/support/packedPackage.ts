/**
 * The package as a user gets it: `npm pack` of this repository, installed into an empty folder with
 * nothing but npm's own cache (`--offline`), and without any flag or the repository's .npmrc.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, type CliResult } from './runCli.js';

/** The environment of a fresh shell: no npm_config_* (vitest may run under npm, which exports the repo's .npmrc) and no ONNX Runtime install flag. */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || /^ONNXRUNTIME_NODE_INSTALL/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = userEnv()): Promise<CliResult & { seconds: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
  });
}

/** `npm pack` (its prepack builds dist/) into a new temporary folder; the tarball's path. */
export async function packTarball(): Promise<string> {
  const destination = mkdtempSync(join(tmpdir(), 'apprentice-pack-'));
  const packed = await run('npm', ['pack', '--pack-destination', destination], PROJECT_ROOT, process.env);
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  const tarball = readdirSync(destination).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball in ${destination}`);
  return join(destination, tarball);
}

/** An empty project folder, as `npm init` leaves it. */
export function emptyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'apprentice-user-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true }, null, 2));
  return dir;
}

const NPM_QUIET = ['--no-audit', '--no-fund'];

/**
 * Installs the tarball into `dir` with `--offline`. When npm's cache lacks a package (a fresh CI
 * machine), it is filled first by one install that may use the registry, with scripts off, in another
 * folder; the measured install is always the offline one.
 */
export async function installOffline(tarball: string, dir: string): Promise<CliResult & { seconds: number }> {
  const offline = () => run('npm', ['install', tarball, '--offline', ...NPM_QUIET], dir);
  const first = await offline();
  if (first.code === 0 || !/ENOTCACHED/.test(first.stderr)) return first;
  const primer = emptyProject();
  const primed = await run('npm', ['install', tarball, '--prefer-offline', '--ignore-scripts', ...NPM_QUIET], primer);
  if (primed.code !== 0) throw new Error(`priming npm's cache failed:\n${primed.stderr}`);
  return offline();
}
