import type { Command } from 'commander';

import { notFound } from '../../errors/errors.ts';
import { randomToken } from '../../lib/random-token.ts';
import { globals, withGeosync } from '../cli-context.ts';
import { print, table } from '../output.ts';
import { readSecretFromStdin } from '../read-secret.ts';

export function userCommand(program: Command): void {
  const user = program.command('user').description('Manage users');

  user
    .command('add <username>')
    .description('Add a user (password from standard input with --password-stdin, else generated and printed)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--admin', 'give the admin role')
    .option('--role <role...>', 'roles to give')
    .option('--display-name <name>', 'display name', '')
    .option('--email <email>', 'e-mail address')
    .action(
      async (
        username: string,
        opts: { passwordStdin?: boolean; admin?: boolean; role?: string[]; displayName: string; email?: string },
        command: Command,
      ) => {
        const options = globals(command);
        const password = opts.passwordStdin ? await readSecretFromStdin('password') : randomToken(15);
        const roles = [...new Set([...(opts.role ?? []), ...(opts.admin ? ['admin'] : [])])];
        const created = await withGeosync(options, (ctx) =>
          ctx.users.create({ username, password, roles, displayName: opts.displayName, email: opts.email ?? null }),
        );
        const generated = opts.passwordStdin ? undefined : password;
        print(
          { ...created, ...(generated && { generatedPassword: generated }) },
          options,
          () => `Added user ${created.username}${generated ? ` with password: ${generated}` : ''}`,
        );
      },
    );

  user
    .command('passwd <username>')
    .description("Set a user's password (from standard input with --password-stdin, else generated and printed)")
    .option('--password-stdin', 'read the password from standard input')
    .action(async (username: string, opts: { passwordStdin?: boolean }, command: Command) => {
      const options = globals(command);
      const password = opts.passwordStdin ? await readSecretFromStdin('new password') : randomToken(15);
      await withGeosync(options, async (ctx) => {
        const row = await ctx.users.findByUsername(username);
        if (!row) throw notFound('User', username);
        await ctx.users.resetPassword(row.id, password);
      });
      const generated = opts.passwordStdin ? undefined : password;
      print(
        { username, changed: true, ...(generated && { generatedPassword: generated }) },
        options,
        () => `Password of ${username} changed${generated ? `: ${generated}` : ''}`,
      );
    });

  user
    .command('list')
    .description('List users')
    .action(async (_opts: unknown, command: Command) => {
      const options = globals(command);
      const page = await withGeosync(options, (ctx) => ctx.users.list({ limit: 500, offset: 0 }));
      print(page.items, options, () => table(page.items, ['username', 'displayName', 'roles', 'disabled']));
    });
}
