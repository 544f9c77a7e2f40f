/**
 * Streaming CSV anomaly scoring for `vigil detect`: `timestamp,value` rows in (header optional),
 * `timestamp,value,anomaly_score` rows out, one per input row, each scored from the rows before it
 * only. Pure over lines so the CLI is a thin loop over stdin/a file.
 */
import {
  type AnyDetectorOptions,
  createDetector,
  DEFAULT_ALGORITHM,
  type StreamingDetector,
} from './detectors/index.js';
import { toEpochMs } from './timeseries.js';

export interface CsvScorerOptions {
  algorithm?: string;
  detectorOptions?: AnyDetectorOptions;
}

export class CsvScorer {
  private readonly detector: StreamingDetector;
  private headerDone = false;
  private lastTime = -Infinity;
  /** Rows that could not be scored (bad timestamp or value); they are echoed with score 0. */
  skipped = 0;

  constructor(opts: CsvScorerOptions = {}) {
    this.detector = createDetector(opts.algorithm ?? DEFAULT_ALGORITHM, opts.detectorOptions);
  }

  /** The output header line. */
  header(): string {
    return 'timestamp,value,anomaly_score';
  }

  /**
   * Score one input line. Returns the output line, or null for lines that produce none (blank
   * lines and the input header).
   */
  line(raw: string): string | null {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return null;
    const comma = line.indexOf(',');
    const ts = (comma < 0 ? line : line.slice(0, comma)).trim();
    const vs =
      comma < 0
        ? ''
        : line
            .slice(comma + 1)
            .split(',')[0]
            .trim();
    const t = csvTime(unquote(ts));
    const v = vs === '' ? Number.NaN : Number(unquote(vs));
    if (!this.headerDone) {
      this.headerDone = true;
      if (!Number.isFinite(v) && !Number.isFinite(t)) return null; // a header row
    }
    let score = 0;
    if (Number.isFinite(v) && !Number.isNaN(t)) {
      // Out-of-order rows are still scored in arrival order: the stream is what it is.
      score = this.detector.update(Number.isFinite(t) ? t : this.lastTime, v);
      if (Number.isFinite(t)) this.lastTime = t;
    } else {
      this.skipped++;
    }
    return `${unquote(ts)},${unquote(vs)},${formatScore(score)}`;
  }
}

/** Numeric timestamps below 1e11 are epoch seconds (that is year 5138 in ms), else ms. */
function csvTime(s: string): number {
  const t = toEpochMs(s);
  return /^-?\d+(\.\d+)?$/.test(s) && Math.abs(t) < 1e11 ? t * 1000 : t;
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function formatScore(s: number): string {
  if (!(s > 0)) return '0';
  return s >= 1 ? '1' : String(Math.round(s * 1e6) / 1e6);
}

/** Score a whole CSV text (tests and small inputs); the CLI streams with CsvScorer instead. */
export function scoreCsv(text: string, opts: CsvScorerOptions = {}): string[] {
  const s = new CsvScorer(opts);
  const out = [s.header()];
  for (const l of text.split('\n')) {
    const o = s.line(l);
    if (o !== null) out.push(o);
  }
  return out;
}
