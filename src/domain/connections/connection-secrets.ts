import type { SecretBox } from '../../lib/secret-box.ts';

/** Splits settings into plain fields (stored as JSON) and secret fields (stored sealed). */
export function splitSecrets(
  config: Record<string, unknown>,
  secretFields: readonly string[],
): { plain: Record<string, unknown>; secret: Record<string, unknown> } {
  const plain: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (secretFields.includes(key)) secret[key] = value;
    else plain[key] = value;
  }
  return { plain, secret };
}

export function sealSecrets(box: SecretBox, secret: Record<string, unknown>): string | null {
  const present = Object.fromEntries(Object.entries(secret).filter(([, v]) => v !== undefined && v !== null));
  return Object.keys(present).length === 0 ? null : box.seal(JSON.stringify(present));
}

export function openSecrets(box: SecretBox, sealed: string | null): Record<string, unknown> {
  return sealed ? (JSON.parse(box.open(sealed)) as Record<string, unknown>) : {};
}

/**
 * Applies an update's secret fields to the stored ones: left out = keep, null = clear,
 * a value = replace.
 */
export function mergeSecrets(
  stored: Record<string, unknown>,
  update: Record<string, unknown>,
): Record<string, unknown> {
  const merged = { ...stored };
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/** Removes every secret value from a text (error messages from drivers may echo them). */
export function redact(text: string, secret: Record<string, unknown>): string {
  let out = text;
  for (const value of Object.values(secret)) {
    if (typeof value === 'string' && value.length >= 3) out = out.split(value).join('********');
  }
  return out;
}
