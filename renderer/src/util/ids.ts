/**
 * A fresh id the engine accepts as a job's name (letters, digits, dashes; it names the run
 * folder). crypto.getRandomValues, unlike crypto.randomUUID, also works on a page served over
 * plain HTTP from another machine (the Jetson case), which is no secure context.
 */
export function newJobId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `job-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
