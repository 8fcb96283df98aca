/**
 * Progress for people and for scripts: on a terminal, one bar redrawn in place (`[#####-----]  50%  step 5 of 10`);
 * elsewhere (a pipe, a file, TERM=dumb), a plain line per change, so that logs and pipes stay readable. A progress
 * message and a note quote the server: both are made visible before they are written.
 */
import { visible } from "../internal/terminal.js";

export interface ProgressView {
  update(progress: number, total: number | undefined, message?: string): void;
  /** note shows a line that is not progress (a status change) without breaking the bar. */
  note(line: string): void;
  done(): void;
}

const WIDTH = 30;

export function progressView(stream: { write(s: string): unknown; isTTY?: boolean; columns?: number }): ProgressView {
  const tty = stream.isTTY === true && process.env.TERM !== "dumb";
  let drawn = false;
  let lastLine = "";
  const clear = () => {
    if (tty && drawn) stream.write("\r\x1b[2K");
    drawn = false;
  };
  return {
    update(progress, total, message) {
      // The numbers come from the server as sent: anything but a finite number is not progress, and is not printed.
      if (typeof progress !== "number" || !Number.isFinite(progress)) return;
      if (typeof total !== "number" || !Number.isFinite(total)) total = undefined;
      if (typeof message !== "string") message = undefined;
      const pct = total && total > 0 ? Math.max(0, Math.min(100, Math.round((progress / total) * 100))) : undefined;
      const text = message ? `  ${visible(message)}` : "";
      if (!tty) {
        const line = `progress ${pct === undefined ? progress : `${pct}%`}${text}`;
        if (line !== lastLine) stream.write(`${line}\n`);
        lastLine = line;
        return;
      }
      const filled = pct === undefined ? 0 : Math.round((pct / 100) * WIDTH);
      const bar =
        pct === undefined
          ? `[${"?".repeat(WIDTH)}] ${progress}`
          : `[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${String(pct).padStart(3)}%`;
      const max = (stream.columns ?? 80) - 1;
      stream.write(`\r\x1b[2K${`${bar}${text}`.slice(0, max)}`);
      drawn = true;
    },
    note(line) {
      clear();
      stream.write(`${line.split("\n").map(visible).join("\n")}\n`);
    },
    done() {
      if (tty && drawn) stream.write("\n");
      drawn = false;
    },
  };
}
