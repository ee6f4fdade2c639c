import { projectJsonSchema } from '../src/cli/project/schema.js';
console.log(JSON.stringify(projectJsonSchema(), null, 2));
