import type { Logger } from 'pino';

import { type MailSettings, sendMailReport } from './mail-report.ts';

/** What a run report says; the same fields go to every channel. */
export interface RunReport {
  runId: string;
  batchId: string;
  batch: string;
  status: string;
  trigger: string;
  startedAt: string;
  endedAt: string | null;
  message: string | null;
  tasks: { task: string; status: string; message: string | null }[];
}

export interface ReportSettings extends MailSettings {
  webhookUrl?: string;
  filter: 'all' | 'failed';
}

/** Whether the filter lets this run through: `failed` = anything that did not commit cleanly. */
export function wantsReport(settings: Pick<ReportSettings, 'filter'>, status: string): boolean {
  return settings.filter === 'all' || status !== 'committed';
}

/**
 * Sends a run report to every configured channel (webhook, e-mail). A report that cannot be
 * delivered is logged; it never changes the run's outcome. True when the webhook took it.
 */
export async function sendRunReport(settings: ReportSettings, report: RunReport, logger: Logger): Promise<boolean> {
  if (!wantsReport(settings, report.status)) return false;
  if (settings.smtpHost && settings.mailTo) {
    await sendMailReport(settings, report).catch((error: unknown) =>
      logger.warn({ err: error, runId: report.runId }, 'could not send the run report by e-mail'),
    );
  }
  if (!settings.webhookUrl) return false;
  try {
    const response = await fetch(settings.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'geosync' },
      body: JSON.stringify({ event: 'batch_run.ended', report }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return true;
  } catch (error) {
    logger.warn({ err: error, runId: report.runId }, 'could not deliver the run report to the webhook');
    return false;
  }
}
