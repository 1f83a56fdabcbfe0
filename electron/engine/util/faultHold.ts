/**
 * Fault injection for the tests of a stop in each phase: TRANSFER_LAB_FAULT_HOLD=<phase> holds a
 * run at the start of that phase until it is stopped (at most a minute), so a test's Ctrl+C
 * lands there however quickly the phase would pass; the phase then meets the stop as it would
 * have. Unset in normal use.
 */
export async function holdForFault(phase: string, signal: AbortSignal | undefined): Promise<void> {
  if (process.env.TRANSFER_LAB_FAULT_HOLD !== phase || !signal || signal.aborted) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 60_000);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
