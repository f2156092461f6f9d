/**
 * Progress on stderr, so long runs show where they are: one line per step, and a live ticker that
 * rewrites itself on a terminal (or prints at most every few seconds when piped).
 *
 * @example
 * const progress = createProgress(9);
 * progress.step("sequential appends");
 * progress.tick("1,200 / 5,000");
 * progress.done("p50 0.31 ms");
 */
export function createProgress(totalSteps: number, stream: NodeJS.WriteStream = process.stderr) {
  let total = totalSteps;
  const tty = stream.isTTY === true;
  let step = 0;
  let title = "";
  let lastTickAt = 0;
  let ticking = false;
  const clear = () => {
    if (tty && ticking) stream.write("\r\x1b[K");
    ticking = false;
  };
  return {
    setTotal(steps: number): void {
      total = steps;
    },
    step(name: string): void {
      clear();
      step += 1;
      title = `[${step}/${total}] ${name}`;
      stream.write(`${title} …\n`);
    },
    tick(text: string): void {
      const now = Date.now();
      if (tty) {
        stream.write(`\r\x1b[K    ${text}`);
        ticking = true;
      } else if (now - lastTickAt >= 3000) {
        stream.write(`    ${text}\n`);
        lastTickAt = now;
      }
    },
    done(summary: string): void {
      clear();
      stream.write(`    → ${summary}\n`);
    },
    note(text: string): void {
      clear();
      stream.write(`${text}\n`);
    },
  };
}

export type Progress = ReturnType<typeof createProgress>;
