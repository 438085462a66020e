/**
 * Turns a connection type's settings (JSON Schema, as the API sends `configSchema`) into form
 * fields, and form values back into a `config` object. Pure functions, no React.
 */

type JsonSchema = Record<string, unknown>;

export type SettingControl = 'text' | 'multiline' | 'number' | 'integer' | 'checkbox' | 'select' | 'list' | 'json';

export interface SettingField {
  key: string;
  label: string;
  description?: string;
  control: SettingControl;
  /** For `select`: the allowed values, as the schema lists them. For `list`: of each item. */
  options: readonly (string | number | boolean)[];
  /** The user must enter a value: listed as required and without a default. */
  required: boolean;
  nullable: boolean;
  secret: boolean;
  defaultValue?: unknown;
  /** For `list`: `string`, `number` or `integer`. */
  itemType?: unknown;
  minimum?: number;
  maximum?: number;
}

/** Raw form state per field: text as typed, or a checkbox state. */
export type SettingValues = Record<string, string | boolean>;

export function settingFields(configSchema: JsonSchema, secretFields: readonly string[]): SettingField[] {
  const properties = isObject(configSchema.properties) ? configSchema.properties : {};
  const required = new Set(Array.isArray(configSchema.required) ? configSchema.required.map(String) : []);
  return Object.entries(properties).map(([key, raw]) => {
    const property = isObject(raw) ? raw : {};
    const { schema, nullable } = unwrapNullable(property);
    const defaultValue = property.default ?? schema.default;
    const field: SettingField = {
      key,
      label: stringOr(property.title ?? schema.title, humanize(key)),
      description: optionalString(property.description ?? schema.description),
      control: controlFor(schema),
      options: optionsOf(schema),
      itemType: schema.type === 'array' && isObject(schema.items) ? schema.items.type : undefined,
      required: required.has(key) && defaultValue === undefined && !nullable,
      nullable,
      secret: secretFields.includes(key) || property.writeOnly === true,
      defaultValue,
      minimum: optionalNumber(schema.minimum ?? schema.exclusiveMinimum),
      maximum: optionalNumber(schema.maximum ?? schema.exclusiveMaximum),
    };
    return field;
  });
}

/** Values a new form starts with: a stored config when editing, else the schema's defaults. */
export function initialSettingValues(fields: readonly SettingField[], config?: Record<string, unknown>): SettingValues {
  const values: SettingValues = {};
  for (const field of fields) {
    const stored = config?.[field.key];
    const value = stored === undefined ? field.defaultValue : stored;
    if (field.control === 'checkbox') values[field.key] = value === true;
    else if (field.secret || value === undefined || value === null) values[field.key] = '';
    else if (field.control === 'list' && Array.isArray(value)) values[field.key] = value.join('\n');
    else if (field.control === 'json') values[field.key] = JSON.stringify(value, null, 2);
    else values[field.key] = toText(value);
  }
  return values;
}

export interface BuildConfigOptions {
  editing: boolean;
  /** Secret fields the stored connection has set (`Connection.secrets`). */
  storedSecrets: Record<string, boolean>;
  /** Secret fields the user asked to clear. */
  clearedSecrets: ReadonlySet<string>;
}

/**
 * The `config` to send. Empty optional fields are left out so the server applies its default;
 * when editing, secrets left empty are left out (the server keeps them) and cleared ones are null.
 */
export function buildConfig(
  fields: readonly SettingField[],
  values: SettingValues,
  options: BuildConfigOptions,
): { config: Record<string, unknown>; errors: Record<string, string> } {
  const config: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const raw = values[field.key];
    if (field.control === 'checkbox') {
      config[field.key] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (field.secret) {
      if (options.clearedSecrets.has(field.key)) config[field.key] = null;
      else if (text) config[field.key] = typeof raw === 'string' ? raw : text;
      else if (field.required && !(options.editing && options.storedSecrets[field.key])) errors[field.key] = 'Required';
      continue;
    }
    if (!text) {
      if (field.required) errors[field.key] = 'Required';
      else if (options.editing && field.nullable) config[field.key] = null;
      continue;
    }
    const parsed = parseValue(field, text);
    if ('error' in parsed) errors[field.key] = parsed.error;
    else config[field.key] = parsed.value;
  }
  return { config, errors };
}

function parseValue(field: SettingField, text: string): { value: unknown } | { error: string } {
  switch (field.control) {
    case 'number':
    case 'integer': {
      const value = Number(text);
      if (!Number.isFinite(value)) return { error: 'Enter a number' };
      if (field.control === 'integer' && !Number.isInteger(value)) return { error: 'Enter a whole number' };
      return { value };
    }
    case 'select': {
      const option = field.options.find((candidate) => String(candidate) === text);
      return option === undefined ? { error: 'Choose one of the listed values' } : { value: option };
    }
    case 'list': {
      const items = text
        .split(/[\n,]/)
        .map((item) => item.trim())
        .filter(Boolean);
      if (field.itemType === 'string') return { value: items };
      const numbers = items.map(Number);
      if (numbers.some((value) => !Number.isFinite(value))) return { error: 'Enter numbers, one per line' };
      return { value: numbers };
    }
    case 'json':
      try {
        return { value: JSON.parse(text) as unknown };
      } catch {
        return { error: 'Enter valid JSON' };
      }
    default:
      return { value: text };
  }
}

/** `type: ['string','null']` and `anyOf: [X, {type:'null'}]` both mean "X or null". */
function unwrapNullable(schema: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  if (Array.isArray(schema.type) && schema.type.includes('null')) {
    const types = schema.type.filter((type) => type !== 'null');
    return { schema: { ...schema, type: types.length === 1 ? types[0] : types }, nullable: true };
  }
  const variants: unknown[] | null = Array.isArray(schema.anyOf)
    ? schema.anyOf
    : Array.isArray(schema.oneOf)
      ? schema.oneOf
      : null;
  if (variants) {
    const nonNull = variants.filter((variant) => !(isObject(variant) && variant.type === 'null'));
    const only = nonNull[0];
    if (nonNull.length === 1 && isObject(only)) {
      return { schema: { ...schema, ...only }, nullable: nonNull.length < variants.length };
    }
  }
  return { schema, nullable: Array.isArray(schema.enum) && schema.enum.includes(null) };
}

function controlFor(schema: JsonSchema): SettingControl {
  if (optionsOf(schema).length > 0) return 'select';
  switch (schema.type) {
    case 'string':
      // A PEM key or certificate is several lines; an <input> would drop its line breaks.
      return typeof schema.pattern === 'string' && schema.pattern.includes('-----BEGIN') ? 'multiline' : 'text';
    case 'array': {
      const items = isObject(schema.items) ? schema.items : {};
      return ['string', 'number', 'integer'].includes(String(items.type)) && !items.enum ? 'list' : 'json';
    }
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'checkbox';
    default:
      return 'json';
  }
}

function optionsOf(schema: JsonSchema): (string | number | boolean)[] {
  const values = Array.isArray(schema.enum) ? schema.enum : 'const' in schema ? [schema.const] : [];
  return values.filter((value): value is string | number | boolean =>
    ['string', 'number', 'boolean'].includes(typeof value),
  );
}

const acronyms = new Set([
  'url',
  'uri',
  'ssl',
  'tls',
  'id',
  'api',
  'sql',
  'ftp',
  'sftp',
  'http',
  'https',
  'srid',
  's3',
  'wms',
  'wfs',
]);

/** `readOnly` / `base_url` → "Read only" / "Base URL". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter(Boolean)
    .map((word) => (acronyms.has(word.toLowerCase()) ? word.toUpperCase() : word.toLowerCase()));
  const sentence = words.join(' ');
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value ? value : fallback;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
