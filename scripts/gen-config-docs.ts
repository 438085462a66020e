import { writeFileSync } from 'node:fs';

import { renderConfigDocs } from '../src/config/config-docs.ts';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigDocs());
process.stdout.write('docs/configuration.md written\n');
