// Facts about shapes that several layers need: written once here (nn, optim and data import it).

/** True when two shapes have the same rank and the same size in every dimension. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** "[2, 3]": a shape as PyTorch's error messages print it. */
export function shapeString(s: readonly number[]): string {
  return `[${s.join(", ")}]`;
}
