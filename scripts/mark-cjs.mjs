// Marks build/cjs as CommonJS (the package root is "type": "module").
import { writeFileSync } from 'node:fs';

writeFileSync(new URL('../build/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
