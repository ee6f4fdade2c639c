/**
 * The dashboard's end-to-end harness: `apprentice ui --port 0` (the real CLI) over a runs folder, and
 * Debian's headless Chromium driven by playwright-core with a fresh profile; screenshots go to
 * test-artifacts/ui/. Tests are skipped where /usr/bin/chromium is missing, except under CI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../support/runCli.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = join(PROJECT_ROOT, 'test-artifacts', 'ui');
// CI installs Chromium (.ci/run); elsewhere the tests are skipped when it is missing.
export const chromiumAvailable = existsSync(CHROMIUM) || Boolean(process.env.CI);

export interface Dashboard {
  url: string;
  page: Page;
  close(): Promise<void>;
}

/** Serves `runsRoot` with the real CLI and opens a browser page on nothing yet. */
export async function openDashboard(runsRoot: string): Promise<Dashboard> {
  const server: ChildProcess = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'apprentice.js'), 'ui', '--runs', runsRoot, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let browser: BrowserContext | undefined;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      server.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /at (http:\/\/\S+?)\/?\n/.exec(out);
        if (match) resolve(match[1] as string);
      });
      server.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
      server.on('exit', (code) => reject(new Error(`apprentice ui exited ${code}: ${err}`)));
    });
    // A fresh profile folder each run (Playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'apprentice-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    mkdirSync(SHOTS, { recursive: true });
    const opened = browser;
    return {
      url,
      page,
      close: async () => {
        await opened.close();
        server.kill('SIGTERM');
      },
    };
  } catch (error) {
    await browser?.close();
    server.kill('SIGTERM');
    throw error;
  }
}

/** The texts of a column (0-based) of the table rows matched by a selector, in page order. */
export async function columnTexts(page: Page, rowSelector: string, column: number): Promise<string[]> {
  const texts = await page.locator(`${rowSelector} > td:nth-child(${column + 1})`).allInnerTexts();
  return texts.map((text) => text.trim());
}
