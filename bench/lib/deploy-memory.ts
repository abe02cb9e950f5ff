// Samples this process's memory (RSS and V8 heap) on a timer: the bench runs the
// worker in process (with the API and the Temporal client), so this is the
// worker's footprint plus theirs. Child processes (qemu-img, tgtd) are not counted.

export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number;
}

export interface MemoryPeak {
  peakRssBytes: number;
  peakHeapUsedBytes: number;
  samples: number;
}

export class MemorySampler {
  private timer?: NodeJS.Timeout;
  private peak: MemoryPeak = { peakRssBytes: 0, peakHeapUsedBytes: 0, samples: 0 };

  constructor(
    private readonly intervalMs = 100,
    private readonly read: () => MemorySample = () => {
      const m = process.memoryUsage();
      return { rssBytes: m.rss, heapUsedBytes: m.heapUsed };
    },
  ) {}

  /** One reading now, not counted in the peak (e.g. the baseline). */
  now(): MemorySample {
    return this.read();
  }

  private sample(): void {
    const s = this.read();
    this.peak = {
      peakRssBytes: Math.max(this.peak.peakRssBytes, s.rssBytes),
      peakHeapUsedBytes: Math.max(this.peak.peakHeapUsedBytes, s.heapUsedBytes),
      samples: this.peak.samples + 1,
    };
  }

  start(): void {
    if (this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** The peak since start() or the last reset(), taking one last sample. */
  current(): MemoryPeak {
    this.sample();
    return { ...this.peak };
  }

  /** Starts a new peak window (for per-phase peaks). */
  reset(): void {
    this.peak = { peakRssBytes: 0, peakHeapUsedBytes: 0, samples: 0 };
  }

  stop(): MemoryPeak {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.current();
  }
}
