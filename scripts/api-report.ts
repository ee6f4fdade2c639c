/**
 * The public API's reference and breaking-change check, by API Extractor: one report per `exports`
 * entry of package.json (api/<entry>.api.md, checked in), from the built declarations in dist/.
 *
 *   npm run build && npm run api          # check: exit 1 when the public API differs from the reports
 *   npm run build && npm run api -- --update   # accept the change: rewrite the reports
 *
 * A removed or changed export shows up as a diff of a checked-in report, reviewed like code. The check
 * also fails when
 * - a public signature references a type that no entry exports (ae-forgotten-export): a user could not
 *   name it. Each type has one home entry; `apprentice/eval`'s `runEvalJob` takes a `ModelHub`, which a
 *   user imports from `apprentice/models`. API Extractor reads one entry at a time, so this is checked on
 *   a package-wide entry (every entry as a namespace), not in the per-entry reports;
 * - an exported declaration has no doc comment (a top-level `(undocumented)` in a report).
 */
import { Extractor, ExtractorConfig, ExtractorLogLevel, type IConfigFile } from '@microsoft/api-extractor';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const update = process.argv.includes('--update');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types?: string }>;
};

const entries = Object.entries(packageJson.exports).flatMap(([subpath, target]) =>
  typeof target === 'object' && target.types ? [{ name: subpath === '.' ? 'apprentice' : subpath.slice(2), types: target.types }] : [],
);

function extractorConfig(entryPoint: string, messages: IConfigFile['messages'], report?: { name: string; tempFolder: string }): ExtractorConfig {
  return ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: entryPoint,
      // API Extractor's bundled TypeScript 6 no longer includes @types/node unless asked.
      compiler: { overrideTsconfig: { extends: './tsconfig.build.json', compilerOptions: { types: ['node'] } } },
      apiReport: report
        ? { enabled: true, reportFileName: `${report.name}.api.md`, reportFolder: join(root, 'api'), reportTempFolder: report.tempFolder }
        : { enabled: false, reportFileName: 'unused.api.md' },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages,
    },
    configObjectFullPath: join(root, 'api-extractor.json'),
    packageJsonFullPath: join(root, 'package.json'),
  });
}

const quiet = {
  extractorMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
  compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
  tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
};

/** Declarations at the top level of a report whose doc comment is missing. */
function undocumented(report: string): string[] {
  const lines = report.split('\n');
  return lines.flatMap((line, i) =>
    /^\/\/ @\w+ \(undocumented\)/.test(line) && lines[i + 1]?.startsWith('export ') ? [lines[i + 1]!.replace(/[{(<:=].*$/, '').trim()] : [],
  );
}

mkdirSync(join(root, 'api'), { recursive: true });
const reportTempFolder = mkdtempSync(join(tmpdir(), 'apprentice-api-'));
let changed = 0;
for (const entry of entries) {
  const result = Extractor.invoke(extractorConfig(join(root, entry.types), quiet, { name: entry.name, tempFolder: reportTempFolder }), {
    localBuild: update,
    showVerboseMessages: false,
  });
  if (result.apiReportChanged) {
    changed += 1;
    process.stderr.write(`${update ? 'updated' : 'changed'}: api/${entry.name}.api.md\n`);
  }
  if (!result.succeeded && !result.apiReportChanged) {
    process.stderr.write(`api-extractor failed on ${entry.types} (${result.errorCount} errors)\n`);
    process.exitCode = 1;
  }
  const missing = undocumented(readFileSync(join(reportTempFolder, `${entry.name}.api.md`), 'utf8'));
  if (missing.length) {
    process.stderr.write(`${entry.types}: ${missing.length} exported declaration(s) without a doc comment:\n  ${missing.join('\n  ')}\n`);
    process.exitCode = 1;
  }
}
if (changed && !update) {
  process.stderr.write(
    `The public API changed (${changed} entr${changed === 1 ? 'y' : 'ies'}). If intended: npm run build && npm run api -- --update, and commit api/.\n`,
  );
  process.exitCode = 1;
}

// The package-wide entry: every entry as a namespace, so a type is "forgotten" only when no entry exports it.
const packageEntry = join(root, 'dist', '__package-api__.d.ts');
writeFileSync(
  packageEntry,
  entries
    .map((entry, i) => {
      const from = `./${relative(join(root, 'dist'), join(root, entry.types)).replace(/\.d\.ts$/, '.js')}`;
      return `import * as entry${i} from ${JSON.stringify(from)};\nexport { entry${i} };\n`;
    })
    .join(''),
);
try {
  const forgotten: string[] = [];
  const result = Extractor.invoke(
    extractorConfig(packageEntry, {
      ...quiet,
      extractorMessageReporting: { default: { logLevel: ExtractorLogLevel.None }, 'ae-forgotten-export': { logLevel: ExtractorLogLevel.Error } },
    }),
    {
      localBuild: true,
      messageCallback: (message) => {
        if (message.messageId !== 'ae-forgotten-export') return;
        message.handled = true;
        const where = message.sourceFilePath ? `${relative(root, message.sourceFilePath)}:${message.sourceFileLine}` : '';
        forgotten.push(`${where} ${message.text.replace(/ needs to be exported.*/, '')}`);
      },
    },
  );
  if (forgotten.length || !result.succeeded) {
    process.stderr.write(
      `${forgotten.length} type(s) referenced by a public signature but exported by no entry (ae-forgotten-export); export each from its entry in src/api/ or narrow the signature:\n  ${forgotten.join('\n  ')}\n`,
    );
    process.exitCode = 1;
  }
} finally {
  rmSync(packageEntry, { force: true });
}
