// A progress bar for people at a terminal; silent in CI logs and pipes (stdout stays clean JSON).
import { Presets, SingleBar } from "cli-progress";

export interface Progress {
  start(total: number): void;
  step(label: string): void;
  stop(): void;
}

export const silentProgress: Progress = { start: () => undefined, step: () => undefined, stop: () => undefined };

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silentProgress;
  const bar = new SingleBar({ stream, format: "drift {bar} {value}/{total} {label}", hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
  let value = 0;
  return {
    start: (total) => bar.start(total, 0, { label: "" }),
    step: (label) => bar.update(++value, { label }),
    stop: () => bar.stop(),
  };
}
