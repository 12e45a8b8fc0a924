// The addon's functions of one native source file, typed and checked when first used: an addon built
// before that file existed then fails with an error naming the file and the fix, not "x is not a function".
import { native } from "./native.js";

/**
 * The addon as `T` (an interface of one native file's functions); `probe` is one of them, `missing`
 * says in words what such an addon lacks, e.g. "image codecs (native/src/image.cc)".
 */
export function nativePart<T extends object>(probe: keyof T & string, missing: string): T {
  const checked = (): Record<string | symbol, unknown> => {
    const a = native as unknown as Record<string | symbol, unknown>;
    if (typeof a[probe] !== "function") {
      throw new Error(`tstorch: this build of the addon has no ${missing}; rebuild it with \`npm run build:native\``);
    }
    return a;
  };
  return new Proxy({} as T, { get: (_t, key) => checked()[key] });
}
