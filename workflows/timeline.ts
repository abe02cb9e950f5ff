// The steps of an operation with their start and end times, for the progress query.
import type { StepView, TimelineView } from './contracts/deploy';

/** Writes one audit event (the node's history); failures of the audit itself never fail a step. */
export type AuditSink = (event: string, severity: 'INFO' | 'ERROR') => Promise<void>;

export class Timeline {
  private readonly steps: StepView[] = [];
  bytesDone?: number;
  bytesTotal?: number;

  constructor(
    private readonly kind: string,
    private readonly audit?: AuditSink,
  ) {}

  private async record(event: string, severity: 'INFO' | 'ERROR'): Promise<void> {
    if (this.audit) await this.audit(event, severity).catch(() => undefined);
  }

  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const s: StepView = { name, status: 'running', startedAt: new Date().toISOString() };
    this.steps.push(s);
    await this.record(`${this.kind}: step "${name}" started`, 'INFO');
    try {
      const r = await fn();
      s.status = 'done';
      s.endedAt = new Date().toISOString();
      await this.record(
        `${this.kind}: step "${name}" done in ${((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000).toFixed(1)} s`,
        'INFO',
      );
      return r;
    } catch (e) {
      s.status = 'failed';
      s.detail = (e as Error).message;
      s.endedAt = new Date().toISOString();
      await this.record(`${this.kind}: step "${name}" failed: ${s.detail}`, 'ERROR');
      throw e;
    }
  }

  view(): TimelineView {
    const running = this.steps.find((s) => s.status === 'running');
    return {
      kind: this.kind,
      steps: this.steps.map((s) => ({ ...s })),
      current: running?.name ?? null,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
    };
  }
}
