#!/usr/bin/env node
// `apprentice eval` runs from a bundle holding that command alone, which loads faster (scripts/bundle-cli.ts).
const { main } = await (process.argv[2] === 'eval' ? import('../dist/bundle-eval/main.js') : import('../dist/bundle/main.js'));

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
