/**
 * Counts failed logins per (user name, address) in a sliding window. In memory: each node
 * limits on its own, which still caps guessing at nodes x attempts per window.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxAttempts: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  /** Seconds until the next attempt is allowed; 0 when allowed now. */
  retryAfterSeconds(username: string, address: string): number {
    const list = this.recent(`${username.toLowerCase()}|${address}`);
    if (list.length < this.maxAttempts) return 0;
    return Math.max(1, Math.ceil((list[0]! + this.windowMs - this.now()) / 1000));
  }

  fail(username: string, address: string): void {
    const key = `${username.toLowerCase()}|${address}`;
    this.failures.set(key, [...this.recent(key), this.now()]);
  }

  succeed(username: string, address: string): void {
    this.failures.delete(`${username.toLowerCase()}|${address}`);
  }
}
