// The human side of a run, on stderr: a live bar when stderr is a terminal, plain periodic
// lines when it is not, nothing but warnings with --quiet. stdout (the CSV) never goes here.

export interface ProgressState {
  epoch: number;
  epochs: number;
  /** Batches done in this epoch, and per epoch. */
  step: number;
  steps: number;
  /** Training images done in this epoch. */
  samples: number;
  /** Seconds since this epoch's training began. */
  epochSeconds: number;
  /** Mean training loss so far in this epoch (NaN when not known yet). */
  loss: number;
  /** Last test accuracy (NaN for the autoencoder or before the first evaluation). */
  acc: number;
  /** Seconds per epoch so far in this run (NaN before the first). */
  secondsPerEpoch: number;
}

export interface Reporter {
  /** A line for a person (summary, warning, final result). */
  info(line: string): void;
  warn(line: string): void;
  /** Redraws the bar (rate-limited) or prints a plain line now and then. */
  update(s: ProgressState, force?: boolean): void;
  /** An epoch finished: the plain mode prints a line (rate-limited); the bar mode redraws. */
  epochDone(s: ProgressState, summary: string): void;
  /** Call before writing to stdout when both are the same terminal, so the bar does not mangle the CSV. */
  clear(): void;
  /** Whether update() wants a fresh loss value now (saves a device sync per batch otherwise). */
  wantsUpdate(): boolean;
  close(): void;
}

export interface ReporterOptions {
  quiet: boolean;
  /** Where the text goes (stderr, possibly through the main thread). */
  write: (s: string) => void;
  /** A live bar (stderr is a terminal) or plain lines. */
  tty: boolean;
  /** Terminal width for the bar. */
  columns?: number;
  /** Plain mode: seconds between in-epoch lines. */
  plainInterval?: number;
}

export function createReporter(o: ReporterOptions): Reporter {
  const write = o.write;
  if (o.quiet) {
    return {
      info() {},
      warn: (l) => write(`tstorch: warning: ${l}\n`),
      update() {},
      epochDone() {},
      clear() {},
      wantsUpdate: () => false,
      close() {},
    };
  }
  return o.tty ? barReporter(o.columns ?? 100, write) : plainReporter(write, o.plainInterval ?? 30);
}

function barReporter(columns: number, write: (s: string) => void): Reporter {
  let drawn = false;
  let last = 0;
  const clear = (): void => {
    if (drawn) write("\r\x1b[2K");
    drawn = false;
  };
  const draw = (s: ProgressState): void => {
    const width = Math.max(40, columns);
    const frac = s.steps > 0 ? s.step / s.steps : 0;
    const text =
      ` epoch ${s.epoch}/${s.epochs}` +
      (s.steps > 1 ? ` step ${s.step}/${s.steps}` : "") +
      `  loss ${fmtNum(s.loss, 4)}` +
      (Number.isNaN(s.acc) ? "" : `  acc ${fmtNum(s.acc, 5)}`) +
      `  ${fmtRate(s.samples, s.epochSeconds)}` +
      `  ETA ${fmtDuration(eta(s))}`;
    const barWidth = Math.max(10, Math.min(30, width - text.length - 4));
    const filled = Math.round(frac * barWidth);
    const line = `[${"=".repeat(filled)}${filled < barWidth ? ">" : ""}${" ".repeat(Math.max(0, barWidth - filled - 1))}]${text}`;
    write(`\r\x1b[2K${line.slice(0, width - 1)}`);
    drawn = true;
    last = Date.now();
  };
  return {
    info(l) {
      clear();
      write(`${l}\n`);
    },
    warn(l) {
      clear();
      write(`tstorch: warning: ${l}\n`);
    },
    update(s, force = false) {
      if (force || Date.now() - last >= 100) draw(s);
    },
    epochDone(s) {
      draw(s);
    },
    clear,
    wantsUpdate: () => Date.now() - last >= 100,
    close: clear,
  };
}

/**
 * Plain lines for logs: one per epoch, at most one every `epochInterval` seconds (the first
 * and last epochs always), and one every `interval` seconds inside long epochs.
 */
function plainReporter(write: (s: string) => void, interval: number, epochInterval = 5): Reporter {
  let last = Date.now();
  return {
    info: (l) => write(`${l}\n`),
    warn: (l) => write(`tstorch: warning: ${l}\n`),
    update(s, force = false) {
      if (!force && Date.now() - last < interval * 1000) return;
      last = Date.now();
      write(
        `epoch ${s.epoch}/${s.epochs} step ${s.step}/${s.steps}: loss ${fmtNum(s.loss, 4)}, ` +
          `${fmtRate(s.samples, s.epochSeconds)}, ETA ${fmtDuration(eta(s))}\n`,
      );
    },
    epochDone(s, summary) {
      if (Date.now() - last < epochInterval * 1000 && s.epoch !== 1 && s.epoch !== s.epochs) return;
      last = Date.now();
      write(`epoch ${s.epoch}/${s.epochs}: ${summary}, ETA ${fmtDuration(eta(s))}\n`);
    },
    clear() {},
    wantsUpdate: () => Date.now() - last >= interval * 1000,
    close() {},
  };
}

function eta(s: ProgressState): number {
  const left = s.epochs - s.epoch + (s.steps > 0 ? 1 - s.step / s.steps : 0);
  if (!Number.isNaN(s.secondsPerEpoch)) return left * s.secondsPerEpoch;
  if (s.step > 0 && s.steps > 0) return (left * s.epochSeconds * s.steps) / s.step;
  return NaN;
}

export function fmtNum(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "-";
}

export function fmtRate(samples: number, seconds: number): string {
  if (!(seconds > 0) || samples === 0) return "- img/s";
  const r = samples / seconds;
  return `${r >= 100 ? Math.round(r).toLocaleString("en-US") : r.toFixed(1)} img/s`;
}

export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "-";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return h > 0 ? `${h}:${pad2(m)}:${pad2(ss)}` : `${m}:${pad2(ss)}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
