import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';

import { SMTPServer } from 'smtp-server';

import { createLogger } from '../../lib/logger.ts';
import { type RunReport, sendRunReport, wantsReport } from './run-report.ts';

const MAIL_OFF = { smtpPort: 587, mailFrom: 'geosync@localhost' };

const report = (status: string): RunReport => ({
  runId: '00000000-0000-4000-8000-000000000001',
  batchId: '00000000-0000-4000-8000-000000000002',
  batch: 'nightly',
  status,
  trigger: 'schedule',
  startedAt: '2026-11-23T02:00:00.000Z',
  endedAt: '2026-11-23T02:01:00.000Z',
  message: null,
  tasks: [{ task: 'copy', status, message: null }],
});

async function withReceiver(status: number, fn: (url: string, received: unknown[]) => Promise<void>): Promise<void> {
  const received: unknown[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received);
  } finally {
    server.close();
  }
}

test('the filter: failed-only lets through everything but a clean commit', () => {
  assert.equal(wantsReport({ filter: 'failed' }, 'committed'), false);
  for (const status of ['failed', 'not_committed', 'rolled_back', 'not_rolled_back']) {
    assert.equal(wantsReport({ filter: 'failed' }, status), true);
  }
  assert.equal(wantsReport({ filter: 'all' }, 'committed'), true);
});

test('a report is POSTed as JSON to a real HTTP receiver, filtered', async () => {
  await withReceiver(204, async (url, received) => {
    const logger = createLogger('silent');
    assert.equal(
      await sendRunReport({ ...MAIL_OFF, webhookUrl: url, filter: 'failed' }, report('committed'), logger),
      false,
    );
    assert.equal(
      await sendRunReport({ ...MAIL_OFF, webhookUrl: url, filter: 'failed' }, report('failed'), logger),
      true,
    );
    assert.deepEqual(received, [{ event: 'batch_run.ended', report: report('failed') }]);
  });
});

test('an unreachable or failing webhook is logged, not thrown', async () => {
  await withReceiver(500, async (url) => {
    assert.equal(
      await sendRunReport({ ...MAIL_OFF, webhookUrl: url, filter: 'all' }, report('committed'), createLogger('silent')),
      false,
    );
  });
  assert.equal(
    await sendRunReport(
      { ...MAIL_OFF, webhookUrl: 'http://127.0.0.1:1/none', filter: 'all' },
      report('failed'),
      createLogger('silent'),
    ),
    false,
  );
});

test('a report is e-mailed through a real SMTP server (smtp-server), filtered', async () => {
  const messages: string[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      let data = '';
      stream.on('data', (chunk: Buffer) => (data += chunk.toString()));
      stream.on('end', () => {
        messages.push(data);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  try {
    const port = (smtp.server.address() as AddressInfo).port;
    const settings = {
      smtpHost: '127.0.0.1',
      smtpPort: port,
      mailFrom: 'geosync@example.org',
      mailTo: 'gis-team@example.org, ops@example.org',
      filter: 'failed' as const,
    };
    await sendRunReport(settings, report('committed'), createLogger('silent'));
    assert.equal(messages.length, 0, 'a clean commit is filtered out');
    await sendRunReport(settings, report('failed'), createLogger('silent'));
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /Subject: \[geosync\] nightly: failed/);
    assert.match(messages[0]!, /To: gis-team@example.org, ops@example.org/);
    assert.match(messages[0]!, /copy: failed/);
  } finally {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  }
});

test('an unreachable SMTP server is logged, not thrown', async () => {
  const settings = {
    smtpHost: '127.0.0.1',
    smtpPort: 1,
    mailFrom: 'geosync@example.org',
    mailTo: 'x@example.org',
    filter: 'all' as const,
  };
  assert.equal(await sendRunReport(settings, report('failed'), createLogger('silent')), false);
});
