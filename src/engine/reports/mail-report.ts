import nodemailer from 'nodemailer';

import type { RunReport } from './run-report.ts';

export interface MailSettings {
  smtpHost?: string;
  smtpPort: number;
  smtpUser?: string;
  smtpPassword?: string;
  mailFrom: string;
  mailTo?: string;
}

/** The e-mail of a run report: a subject that says it all, and one line per task. */
export function renderMail(report: RunReport): { subject: string; text: string } {
  const lines = report.tasks.map((t) => `  ${t.task}: ${t.status}${t.message ? ` — ${t.message}` : ''}`);
  return {
    subject: `[geosync] ${report.batch}: ${report.status}`,
    text: [
      `Batch run ${report.runId} of '${report.batch}' ended ${report.status}.`,
      `Started ${report.startedAt} (${report.trigger}), ended ${report.endedAt ?? '-'}.`,
      ...(report.message ? [report.message] : []),
      '',
      'Tasks:',
      ...lines,
      '',
    ].join('\n'),
  };
}

/** Sends the report by SMTP; throws on failure (the caller logs it). */
export async function sendMailReport(settings: MailSettings, report: RunReport): Promise<void> {
  if (!settings.smtpHost || !settings.mailTo) return;
  const transport = nodemailer.createTransport({
    host: settings.smtpHost,
    port: settings.smtpPort,
    secure: settings.smtpPort === 465,
    ...(settings.smtpUser && { auth: { user: settings.smtpUser, pass: settings.smtpPassword ?? '' } }),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
  });
  try {
    await transport.sendMail({ from: settings.mailFrom, to: settings.mailTo, ...renderMail(report) });
  } finally {
    transport.close();
  }
}
