// A latency histogram that generator processes fill and the orchestrator
// merges exactly: logarithmic buckets (~2% wide) of microseconds, sent as
// [bucket, count] pairs. perf_hooks' histogram cannot cross a process.

const PER_OCTAVE = 32;

export interface HistogramData {
  buckets: [number, number][];
  count: number;
  maxUs: number;
}

export class Histogram {
  private readonly counts = new Map<number, number>();
  count = 0;
  maxUs = 0;

  record(us: number): void {
    const bucket = us < 1 ? 0 : Math.floor(Math.log2(us) * PER_OCTAVE) + 1;
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
    this.count++;
    if (us > this.maxUs) this.maxUs = us;
  }

  merge(data: HistogramData): void {
    for (const [bucket, n] of data.buckets) this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + n);
    this.count += data.count;
    this.maxUs = Math.max(this.maxUs, data.maxUs);
  }

  /** The upper edge of the bucket holding the q-quantile (0..1), in µs; 0 when empty. */
  quantileUs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket)!;
      if (seen >= rank) return Math.min(this.maxUs, bucket === 0 ? 1 : 2 ** (bucket / PER_OCTAVE));
    }
    return this.maxUs;
  }

  toJSON(): HistogramData {
    return { buckets: [...this.counts], count: this.count, maxUs: this.maxUs };
  }
}
