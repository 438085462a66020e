import { UserError } from '../errors/errors.ts';

/** Reads a secret from standard input (first line), so it never appears in `ps` or shell history. */
export async function readSecretFromStdin(what: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(`${what}: `);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if (Buffer.concat(chunks).includes(10)) break;
  }
  const value = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!value) throw new UserError('missing_secret', `No ${what} on standard input`);
  return value;
}
