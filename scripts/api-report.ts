/**
 * The public API's reference and breaking-change check, by API Extractor: one report per `exports`
 * entry of package.json (api/<entry>.api.md, checked in), from the built declarations in dist/.
 *
 *   npm run build && npm run api          # check: exit 1 when the public API differs from the reports
 *   npm run build && npm run api -- --update   # accept the change: rewrite the reports
 *
 * A removed or changed export shows up as a diff of a checked-in report, reviewed like code.
 */
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const update = process.argv.includes('--update');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types?: string }>;
};

const entries = Object.entries(packageJson.exports).flatMap(([subpath, target]) =>
  typeof target === 'object' && target.types ? [{ name: subpath === '.' ? 'apprentice' : subpath.slice(2), types: target.types }] : [],
);

mkdirSync(join(root, 'api'), { recursive: true });
const reportTempFolder = mkdtempSync(join(tmpdir(), 'apprentice-api-'));
let changed = 0;
for (const entry of entries) {
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: join(root, entry.types),
      // API Extractor's bundled TypeScript 6 no longer includes @types/node unless asked.
      compiler: { overrideTsconfig: { extends: './tsconfig.build.json', compilerOptions: { types: ['node'] } } },
      apiReport: {
        enabled: true,
        reportFileName: `${entry.name}.api.md`,
        reportFolder: join(root, 'api'),
        reportTempFolder,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // A public signature that references a type the entry does not export (ae-forgotten-export) is marked
        // in the report, so a new one shows up in the reviewed diff of api/*.md.
        extractorMessageReporting: {
          default: { logLevel: ExtractorLogLevel.None },
          'ae-forgotten-export': { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: true },
        },
        compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
        tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
      },
    },
    configObjectFullPath: join(root, 'api-extractor.json'),
    packageJsonFullPath: join(root, 'package.json'),
  });
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false });
  if (result.apiReportChanged) {
    changed += 1;
    process.stderr.write(`${update ? 'updated' : 'changed'}: api/${entry.name}.api.md\n`);
  }
  if (!result.succeeded && !result.apiReportChanged) {
    process.stderr.write(`api-extractor failed on ${entry.types} (${result.errorCount} errors)\n`);
    process.exitCode = 1;
  }
}
if (changed && !update) {
  process.stderr.write(
    `The public API changed (${changed} entr${changed === 1 ? 'y' : 'ies'}). If intended: npm run build && npm run api -- --update, and commit api/.\n`,
  );
  process.exitCode = 1;
}
