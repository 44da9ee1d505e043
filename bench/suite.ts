/** The plug-in contract of a benchmark: a name and a run that returns figures or says why it skipped. */
export interface BenchContext {
  /** Scratch folder of this run (corpora are cached in `cache`). */
  work: string;
  cache: string;
  pairs: number;
  /** Runs of each timed 2D pipeline; the best wall time counts (the machine may be shared). */
  repeat: number;
  memorySamples: number[];
  log: (line: string) => void;
}

export type SuiteResult = { skipped: string } | { figures: Record<string, unknown>; table: string };

export interface Suite {
  name: string;
  run(ctx: BenchContext): Promise<SuiteResult>;
}
