/**
 * A deep, plain copy of JSON data. structuredClone refuses Vue's reactive proxies, and what
 * crosses to the engine or into a project file must be plain anyway.
 */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
