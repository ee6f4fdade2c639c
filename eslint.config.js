import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/ as ARCHITECTURE.md draws them, lowest first: a folder may import from its own layer
 * and the layers below, never from a layer above. (src/ui is the dashboard's browser app, built apart.)
 */
const LAYERS = [
  ['util', 'version.ts'],
  ['data', 'models', 'embed', 'engine', 'runs'],
  ['eval'],
  ['grimoire', 'distill', 'scaling', 'cascade', 'finetune'],
  ['report', 'server'],
  ['cli', 'api', 'index.ts'],
];

/** One no-restricted-paths zone per layer: its folders may not import from any folder of a higher layer. */
const upwardImportZones = LAYERS.slice(0, -1).flatMap((layer, level) =>
  layer.map((name) => ({
    target: `./src/${name}`,
    from: LAYERS.slice(level + 1)
      .flat()
      .map((higher) => `./src/${higher}`),
    message: `src/${name} is below these folders in ARCHITECTURE.md's layers; move the shared piece down instead of importing up.`,
  })),
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'runs/**', 'coverage/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/ui/**'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      // Import cycles that exist at run time. import-x ignores `import type` edges by design (no option);
      // dependency-cruiser (.dependency-cruiser.cjs) catches cycles through types.
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones: upwardImportZones }],
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'zod', message: "import * as z from 'src/util/zod.js' (zod's own `z` brings all its locales into the CLI's bundle)" }] },
      ],
    },
  },
  {
    files: ['src/util/zod.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['.dependency-cruiser.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
