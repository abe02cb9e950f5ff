// Undo steps for everything a benchmark starts, each run exactly once, last-in
// first-out: from `finally`, or from SIGINT/SIGTERM if the user interrupts the
// run. After a round of cleanup ends, new steps may be added for the next phase.

export class Cleanups {
  private readonly steps: { name: string; run: () => Promise<void> | void }[] = [];
  private running?: Promise<string[]>;

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  add(name: string, run: () => Promise<void> | void): void {
    if (this.running) throw new Error(`cannot add "${name}": cleanup has started`);
    this.steps.push({ name, run });
  }

  /** Removes and runs one step now (something stopped early, in order). */
  async runOne(name: string): Promise<void> {
    const i = this.steps.findIndex((s) => s.name === name);
    if (i < 0) return;
    const [step] = this.steps.splice(i, 1);
    await step.run();
  }

  /** Runs every step, newest first; a failing step does not stop the others. Returns the failures. */
  runAll(): Promise<string[]> {
    this.running ??= (async () => {
      const failed: string[] = [];
      while (this.steps.length) {
        const step = this.steps.pop() as (typeof this.steps)[number];
        try {
          await step.run();
        } catch (e) {
          failed.push(`${step.name}: ${e instanceof Error ? e.message : String(e)}`);
          this.log(`cleanup: ${step.name} failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      this.running = undefined;
      return failed;
    })();
    return this.running;
  }

  /**
   * On SIGINT/SIGTERM: run every step, then `last` (if given), then exit 130/143.
   * Returns a function that removes the handlers.
   */
  onSignals(last?: () => void): () => void {
    const handler = (sig: NodeJS.Signals): void => {
      this.log(`${sig}: stopping what this run started ...`);
      void this.runAll().finally(() => {
        last?.();
        process.exit(sig === 'SIGINT' ? 130 : 143);
      });
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  }
}
