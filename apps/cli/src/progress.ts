// The training progress line: step, bar, images/s, live losses and ETA. On a terminal it
// redraws one line; elsewhere (CI, a pipe) it prints a line now and then. The same goes for
// the count of images decoded from a folder.
import type { ImageFolderHooks } from "@betavae/datasets/node";

export interface ProgressState {
  step: number;
  total: number;
  imagesPerSec: number;
  stepsPerSec: number;
  recon: number;
  kl: number;
  capacity: number | null;
}

export class Progress {
  private lastPrinted = 0;
  constructor(private readonly stream: NodeJS.WriteStream, private readonly intervalMs = 10000) {}

  update(s: ProgressState): void {
    const line = formatProgress(s, this.stream.columns ?? 100);
    if (this.stream.isTTY) {
      this.stream.write(`\r${line}\x1b[K`);
    } else if (Date.now() - this.lastPrinted >= this.intervalMs || s.step === s.total) {
      this.stream.write(`${line}\n`);
      this.lastPrinted = Date.now();
    }
  }

  /** A line of its own above the redrawn one (the next update redraws the bar below it). */
  note(line: string): void {
    this.stream.write(this.stream.isTTY ? `\r\x1b[K${line}\n` : `${line}\n`);
  }

  /** Ends the redrawn line so later output starts on a fresh one. */
  done(): void {
    if (this.stream.isTTY) this.stream.write("\n");
  }
}

/** Hooks that show a folder's decoding on `stream`: a redrawn count (or a line now and then) and its notes. */
export function folderProgress(stream: NodeJS.WriteStream, intervalMs = 10000): ImageFolderHooks {
  let lastPrinted = 0;
  return {
    onProgress: (done, total) => {
      const line = `decoding images: ${done}/${total}`;
      if (stream.isTTY) stream.write(`\r${line}\x1b[K${done === total ? "\n" : ""}`);
      else if (Date.now() - lastPrinted >= intervalMs || done === total) {
        stream.write(`${line}\n`);
        lastPrinted = Date.now();
      }
    },
    onNote: (line) => stream.write(stream.isTTY ? `\r\x1b[K${line}\n` : `${line}\n`),
  };
}

export function formatProgress(s: ProgressState, columns: number): string {
  const pct = s.total > 0 ? s.step / s.total : 1;
  const eta = s.stepsPerSec > 0 ? formatDuration((s.total - s.step) / s.stepsPerSec) : "?";
  const stats = `${(pct * 100).toFixed(0).padStart(3)}% ${String(s.step).padStart(String(s.total).length)}/${s.total}`
    + ` | ${s.imagesPerSec.toFixed(0)} img/s | recon ${s.recon.toFixed(2)} | KL ${s.kl.toFixed(2)}`
    + (s.capacity !== null ? ` | C ${s.capacity.toFixed(2)}` : "") + ` | ETA ${eta}`;
  const barWidth = Math.max(10, Math.min(30, columns - stats.length - 3));
  const filled = Math.round(pct * barWidth);
  return `[${"=".repeat(filled)}${filled < barWidth ? ">" : ""}${" ".repeat(Math.max(0, barWidth - filled - 1))}] ${stats}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Rows of text as aligned columns, two spaces apart; the last column is left ragged. */
export function formatColumns(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((c, i) => (i < row.length - 1 ? c.padEnd(widths[i]) : c)).join("  ").trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}
