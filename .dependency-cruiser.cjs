/**
 * Import cycles between files of src/, type-only imports included: eslint's import-x/no-cycle (see
 * eslint.config.js) skips `import type` edges, so this catches the cycles it cannot see.
 * Known cycles are listed in .dependency-cruiser-known-violations.json until they are removed.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Files import each other in a cycle (type-only imports count): move the shared piece into its own file.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/ui/' },
  },
};
