/**
 * Writes the JSON schema of the project file (schema/apprentice.schema.json), generated from the zod
 * schema the CLI checks apprentice.yaml with (src/cli/project/schema.ts). A test fails when the
 * checked-in file is not current:
 *
 *   npm run schema
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_SCHEMA_FILE, projectJsonSchemaText } from '../src/cli/project/schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, PROJECT_SCHEMA_FILE);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, projectJsonSchemaText());
process.stdout.write(`wrote ${PROJECT_SCHEMA_FILE}\n`);
