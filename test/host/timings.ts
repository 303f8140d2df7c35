/** Named durations of a slow suite, printed as one table at the end (CI logs show where the time goes). */
export class Timings {
  private readonly entries: Array<{ label: string; ms: number }> = [];

  record(label: string, ms: number): void {
    this.entries.push({ label, ms });
  }

  /** Runs `work`, records how long it took (also when it fails), and returns its result. */
  async time<T>(label: string, work: () => Promise<T> | T): Promise<T> {
    const started = Date.now();
    try {
      return await work();
    } finally {
      this.record(label, Date.now() - started);
    }
  }

  format(title: string): string {
    const width = Math.max(...this.entries.map(e => e.label.length), 5);
    const lines = this.entries.map(e => `  ${e.label.padEnd(width)}  ${(e.ms / 1000).toFixed(1).padStart(6)} s`);
    return [title, ...lines].join('\n');
  }
}
