import { listConfigFields } from './config-fields.ts';
import { configSchema } from './config.schema.ts';

const show = (value: unknown): string => (value === undefined ? '(unset)' : `\`${JSON.stringify(value)}\``);

/** docs/configuration.md, generated from the schema so the two cannot drift apart. */
export function renderConfigDocs(): string {
  const rows = listConfigFields(configSchema).map(
    (f) =>
      `| \`${f.path.join('.')}\` | \`${f.env}\` | ${show(f.defaultValue)} | ${f.description.replace(/\|/g, '\\|')} |`,
  );
  return [
    '# Settings',
    '',
    '<!-- Generated from src/config/config.schema.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    'geosync reads its settings from a YAML file (`--config FILE`, else `$GEOSYNC_CONFIG`, else',
    '`./geosync.yaml` when it exists), then from environment variables, which win. Unknown keys and',
    'unknown `GEOSYNC_*` variables are refused, and every problem is listed at start-up.',
    '',
    'In the file, nest the keys: `server.port` is',
    '',
    '```yaml',
    'server:',
    '  port: 8080',
    '```',
    '',
    '| setting | environment variable | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
