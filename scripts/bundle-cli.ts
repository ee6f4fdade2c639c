/**
 * Bundles the compiled command (dist/cli/main.js) into dist/bundle/: Node's ES module loader costs ~0.5 ms
 * per module, and `apprentice eval` loaded ~230 of them (95 of zod's) before its first model call. Each
 * command module stays an entry of its own (dist/bundle/<name>.js) that program.ts imports on demand, so a
 * command still loads no other command's code; code shared by several entries goes to chunks. Whitespace
 * and syntax are minified (V8 parses less at every start; names are kept, and source maps are written).
 * dist/bundle/meta.json (esbuild's metafile) says which compiled modules each output file holds
 * (test/cli/startup.test.ts reads it).
 *
 * `apprentice eval`, the command run most and timed hardest (issue #20), has a bundle of its own,
 * dist/bundle-eval/ (bin/apprentice.js picks it when the first argument is `eval`): built from main.js with
 * eval as the only command, its code falls into far fewer chunks (~35 files loaded for an eval, not ~70: no
 * chunk boundaries drawn by what other commands share), ~35 ms less at every start. In it every other command
 * is a module that throws.
 *
 * The small pure-JS packages of the start-up path are bundled; every other package stays external (native
 * addons, WebAssembly, packages loaded on first use). A module's `import.meta.url` is rewritten to the URL of
 * its compiled file in dist/, so worker scripts, templates and createRequire resolve as they do unbundled.
 *
 *   npm run build   (runs this after tsc)
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/** Packages bundled: what every command loads at start (commander, zod) and the eval path's (p-limit, the openai provider's http-parser-js). */
const BUNDLED = new Set(['commander', 'zod', 'p-limit', 'yocto-queue', 'http-parser-js']);

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const externalPackages: Plugin = {
  name: 'external-packages',
  setup(context) {
    context.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || BUNDLED.has(packageName(args.path))) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** `import.meta.url` of dist/x/y.js becomes `new URL('../x/y.js', import.meta.url).href`: every output file is at outdir's top. */
function originalUrls(outdir: string): Plugin {
  return {
    name: 'original-import-meta-url',
    setup(context) {
      context.onLoad({ filter: /\.js$/ }, (args) => {
        if (!args.path.startsWith(dist + '/')) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const url = JSON.stringify(relative(outdir, args.path));
        return { contents: source.replaceAll('import.meta.url', `new URL(${url}, import.meta.url).href`), loader: 'js' };
      });
    },
  };
}

/** In the eval bundle, every command module but eval's is one that throws (bin/apprentice.js never imports it). */
const onlyEval: Plugin = {
  name: 'only-eval',
  setup(context) {
    context.onResolve({ filter: /^\.\/commands\/\w+\.js$/ }, (args) =>
      args.path === './commands/eval.js' ? undefined : { path: args.path, namespace: 'other-command' },
    );
    context.onLoad({ filter: /.*/, namespace: 'other-command' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`the eval bundle (dist/bundle-eval) has no ${args.path}: run it through bin/apprentice.js`)});`,
      loader: 'js',
    }));
  },
};

const commands = readdirSync(join(dist, 'cli', 'commands'))
  .filter((name) => name.endsWith('.js'))
  .map((name) => join(dist, 'cli', 'commands', name));

async function bundle(outdir: string, entryPoints: string[], plugins: Plugin[]): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints,
    outdir,
    // All at one depth (see originalUrls): main.js, one file per command (eval.js...), chunk-<hash>.js.
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    metafile: true,
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    // The maps point at the compiled files in dist/, which ship beside them, instead of carrying copies.
    sourcesContent: false,
    logLevel: 'warning',
    plugins: [...plugins, externalPackages, originalUrls(outdir)],
    // commander is CommonJS: its require() of Node's modules needs a require in an ES module.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
}

const main = join(dist, 'cli', 'main.js');
await bundle(join(dist, 'bundle'), [main, ...commands], []);
await bundle(join(dist, 'bundle-eval'), [main], [onlyEval]);
