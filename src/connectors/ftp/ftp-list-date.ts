const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * Reads the date of a Unix-style LIST line: `Jan 12 13:45` (within the last six months, year
 * left out) or `Jan 12  2023`. Servers give no time zone; most send UTC, which is assumed. Only
 * list() uses it: stat() asks the server for the exact time (MDTM). Unreadable: the Unix epoch.
 */
export function parseListDate(raw: string, now = new Date()): Date {
  const match = /^([A-Za-z]{3})\s+(\d{1,2})\s+(?:(\d{1,2}):(\d{2})|(\d{4}))$/.exec(raw.trim());
  const month = match ? months.indexOf(match[1]!.toLowerCase()) : -1;
  if (!match || month < 0) return new Date(0);
  const day = Number(match[2]);
  if (match[5] !== undefined) return new Date(Date.UTC(Number(match[5]), month, day));
  const [hours, minutes] = [Number(match[3]), Number(match[4])];
  const thisYear = new Date(Date.UTC(now.getUTCFullYear(), month, day, hours, minutes));
  // Without a year the date lies in the past six months: a "future" one is from last year.
  const slack = 24 * 3600 * 1000; // the server's clock may run a little ahead
  return thisYear.getTime() > now.getTime() + slack
    ? new Date(Date.UTC(now.getUTCFullYear() - 1, month, day, hours, minutes))
    : thisYear;
}
