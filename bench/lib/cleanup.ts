/**
 * Everything the benchmark starts or creates registers its undo here; run() undoes it all
 * in reverse order, once, even after a failure or a signal. Each step is bounded by its
 * own timeout so one stuck step cannot keep the rest from running.
 */
export class Cleanup {
  private readonly steps: { label: string; undo: () => Promise<unknown> }[] = [];
  private running: Promise<void> | undefined;

  add(label: string, undo: () => Promise<unknown>): void {
    this.steps.push({ label, undo });
  }

  /** Undoes every step registered so far; later calls undo what was added since. */
  run(): Promise<void> {
    const previous = this.running ?? Promise.resolve();
    this.running = previous.then(() => this.runAll());
    return this.running;
  }

  private async runAll(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          step.undo(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("timed out after 30 s")), 30_000);
          }),
        ]);
      } catch (error) {
        console.error(`cleanup: ${step.label}: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
