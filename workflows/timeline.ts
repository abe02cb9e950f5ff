// The steps of an operation with their start and end times, for the progress query.
import type { StepView, TimelineView } from './contracts/deploy';

export class Timeline {
  private readonly steps: StepView[] = [];
  bytesDone?: number;
  bytesTotal?: number;

  constructor(private readonly kind: string) {}

  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const s: StepView = { name, status: 'running', startedAt: new Date().toISOString() };
    this.steps.push(s);
    try {
      const r = await fn();
      s.status = 'done';
      return r;
    } catch (e) {
      s.status = 'failed';
      s.detail = (e as Error).message;
      throw e;
    } finally {
      s.endedAt = new Date().toISOString();
    }
  }

  view(): TimelineView {
    const running = this.steps.find((s) => s.status === 'running');
    return { kind: this.kind, steps: this.steps.map((s) => ({ ...s })), current: running?.name ?? null, bytesDone: this.bytesDone, bytesTotal: this.bytesTotal };
  }
}
