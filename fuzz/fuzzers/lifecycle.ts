// Lifecycle misuse: each case is a random sequence of 6-14 actions on a few tensors, a module and
// an optimiser — dispose, use after dispose, double dispose, dispose inside a scope, keep/persist
// misuse, grads of disposed tensors, optimiser steps on disposed parameters, `using`, cloning.
// Every action must run or throw a clean error; a use of a tensor known to be freed that does not
// throw is "silent" (it read freed memory, or a recycled handle).
import * as torch from "../../src/index.js";
import { classifyError } from "../classify.js";
import { Rng } from "../rng.js";
import type { CaseReport } from "../types.js";

interface World {
  rng: Rng;
  tensors: torch.Tensor[];
  /** tensors the case knows are freed (disposed, or freed by a scope's end) */
  freed: Set<torch.Tensor>;
  net: torch.nn.Linear;
  opt: torch.optim.Optimizer;
  log: string[];
}

type Expect = "any" | "throws";
type Action = (w: World) => [string, Expect, () => unknown];

function some(w: World): [torch.Tensor, number] {
  if (w.tensors.length === 0) w.tensors.push(torch.rand([2, 3]));
  const i = w.rng.int(0, w.tensors.length - 1);
  return [w.tensors[i], i];
}

const USES: [string, (t: torch.Tensor, w: World) => unknown][] = [
  ["shape", (t) => t.shape],
  ["toArray()", (t) => t.toArray()],
  ["add(1)", (t) => t.add(1)],
  ["sum().item()", (t) => t.sum().item()],
  ["reshape([-1])", (t) => t.reshape([-1])],
  ["grad", (t) => t.grad],
  ["clone()", (t) => t.clone()],
  ["detach()", (t) => t.detach()],
  ["to(float64)", (t) => t.to("float64")],
  ["requiresGrad = true", (t) => (t.requiresGrad = true)],
  ["dtype", (t) => t.dtype],
  ["matmul(t.T)", (t) => t.matmul(t.t())],
  ["ops.aten.mul(t, 2)", (t) => torch.ops.aten.mul(t, 2)],
  ["cat([t, t])", (t) => torch.cat([t, t])],
  ["toString()", (t) => t.toString()],
  ["sum().backward()", (t) => t.sum().backward()],
  ["add_(1)", (t) => t.add_(1)],
  ["io.encodeTensors", (t) => torch.io.encodeTensors({ t })],
  ["view of it", (t) => t.reshape([-1]).mul(2).toArray()],
];

const ACTIONS: Record<string, Action> = {
  create: (w) => ["create", "any", () => w.tensors.push(w.rng.bool() ? torch.rand([2, 3], { requiresGrad: w.rng.bool() }) : torch.ones([3]))],
  dispose: (w) => {
    const [t, i] = some(w);
    return [`dispose t${i}`, "any", () => (t.dispose(), w.freed.add(t))];
  },
  disposeTwice: (w) => {
    const [t, i] = some(w);
    return [`dispose t${i} twice`, "any", () => (t.dispose(), t.dispose(), w.freed.add(t))];
  },
  use: (w) => {
    const [t, i] = some(w);
    const [name, f] = w.rng.pick(USES);
    // toString() of a freed tensor says so instead of throwing (as printing should)
    const mustThrow = w.freed.has(t) && name !== "toString()";
    return [`t${i}.${name}`, mustThrow ? "throws" : "any", () => torch.scope(() => void f(t, w))];
  },
  useDisposedInScope: (w) => {
    const [t, i] = some(w);
    return [`scope: t${i}.dispose(); t${i}.add(1)`, "throws", () => torch.scope(() => {
      t.dispose();
      w.freed.add(t);
      return t.add(1);
    })];
  },
  returnDisposed: (w) => ["scope returns a tensor it disposed, then use", "throws", () => {
    const r = torch.scope(() => {
      const a = torch.ones([2]);
      a.dispose();
      return a;
    });
    w.tensors.push(r);
    w.freed.add(r);
    return r.toArray();
  }],
  escapeScope: (w) => ["tensor made in a scope, not returned, used after", "throws", () => {
    let leaked: torch.Tensor | null = null;
    torch.scope(() => {
      leaked = torch.ones([2]).mul(3);
      return null;
    });
    w.tensors.push(leaked!);
    w.freed.add(leaked!);
    return leaked!.toArray();
  }],
  keepDisposed: (w) => {
    const [t, i] = some(w);
    return [`dispose t${i}, scope keeps it`, "any", () => {
      t.dispose();
      w.freed.add(t);
      torch.scope(() => torch.keep(t));
    }];
  },
  keepOutside: (w) => {
    const [t, i] = some(w);
    return [`keep(t${i}) outside any scope`, "any", () => torch.keep(t)];
  },
  persistDisposed: (w) => {
    const [t, i] = some(w);
    return [`dispose t${i}, persist it`, "any", () => {
      t.dispose();
      w.freed.add(t);
      torch.persist(t);
    }];
  },
  persistInScope: (w) => ["persist inside a scope, use after", "any", () => {
    const p = torch.scope(() => torch.persist(torch.ones([3])));
    w.tensors.push(p);
    return p.toArray();
  }],
  nestedScopes: (w) => ["inner scope returns an outer tensor", "any", () => {
    const [t] = some(w);
    torch.scope(() => torch.scope(() => t).add(1));
  }],
  usingBlock: (w) => ["using t, use after the block", "throws", () => {
    let out: torch.Tensor;
    {
      using u = torch.ones([2]);
      out = u;
    }
    w.freed.add(out);
    return out.toArray();
  }],
  gradOfDisposed: (w) => ["backward, dispose the leaf, read its grad", "throws", () => {
    const x = torch.rand([3], { requiresGrad: true });
    const y = x.mul(2).sum();
    x.dispose();
    w.freed.add(x);
    y.backward();
    y.dispose();
    return x.grad;
  }],
  backwardAfterInputDisposed: () => ["dispose inputs, then backward", "any", () => {
    const x = torch.rand([3], { requiresGrad: true });
    const y = x.exp().mul(x).sum();
    x.dispose();
    y.backward();
    y.dispose();
  }],
  disposedGrad: (w) => ["dispose a grad, read it again", "any", () => {
    const x = torch.rand([3], { requiresGrad: true });
    x.sum().backward();
    const g = x.grad!;
    g.dispose();
    const g2 = x.grad!;
    const v = g2.toArray();
    g2.dispose();
    x.dispose();
    return v;
  }],
  setGradDisposed: (w) => ["p.grad = disposed tensor", "throws", () => {
    const p = torch.rand([3], { requiresGrad: true });
    const g = torch.ones([3]);
    g.dispose();
    try {
      p.grad = g;
    } finally {
      p.dispose();
    }
  }],
  setGradWrongShape: () => ["p.grad = tensor of another shape", "any", () => {
    const p = torch.rand([2, 3], { requiresGrad: true });
    try {
      p.grad = torch.ones([5]);
    } finally {
      p.dispose();
    }
  }],
  backwardTwice: () => ["backward twice without retainGraph", "throws", () => {
    const x = torch.rand([3], { requiresGrad: true });
    const y = x.exp().sum();
    try {
      y.backward();
      y.backward();
    } finally {
      x.dispose();
      y.dispose();
    }
  }],
  stepDisposedParam: (w) => ["dispose a parameter, optimiser step", "any", () => {
    const ps = w.net.parameters();
    const p = w.rng.pick(ps);
    p.dispose();
    w.opt.step();
  }],
  forwardDisposedModule: (w) => ["module.dispose(), then forward", "throws", () => {
    w.net.dispose();
    return torch.scope(() => w.net.forward(torch.ones([1, 3])).toArray());
  }],
  stepAfterBackward: (w) => ["forward, backward, step, zeroGrad", "any", () => {
    torch.scope(() => w.opt.backwardStep(w.net.forward(torch.rand([2, 3])).sum()));
    w.opt.zeroGrad();
  }],
  stateDictDisposed: (w) => ["dispose the module's weights, stateDict, save", "any", () => {
    w.net.parameters()[0].dispose();
    torch.io.encodeTensors(w.net.stateDict());
  }],
  structuredClone: (w) => {
    const [t, i] = some(w);
    return [`structuredClone(t${i})`, "throws", () => structuredClone(t)];
  },
  disposeStructure: (w) => ["torch.dispose of a structure with repeats", "any", () => {
    const [t] = some(w);
    const m = new Map([["a", t]]);
    torch.dispose([t, { t, m }, [t, [t]]]);
    w.freed.add(t);
  }],
  asyncScope: () => ["scope(async fn)", "throws", () => torch.scope((async () => torch.ones([1])) as never)],
  disposeViewUseBase: (w) => ["dispose a view, use its base", "any", () => {
    const base = torch.rand([4]);
    const v = base.reshape([2, 2]);
    v.dispose();
    const r = base.toArray();
    base.dispose();
    return r;
  }],
  disposeBaseUseView: () => ["dispose a base, use its view", "any", () => {
    const base = torch.rand([4]);
    const v = base.narrow(0, 1, 2);
    base.dispose();
    const r = v.toArray();
    v.dispose();
    return r;
  }],
  recycledHandle: (w) => ["dispose, create many, use the disposed", "throws", () => {
    const t = torch.ones([2]);
    t.dispose();
    w.freed.add(t);
    const more = Array.from({ length: 20 }, () => torch.zeros([2]));
    try {
      return t.toArray();
    } finally {
      torch.dispose(more);
    }
  }],
};

const NAMES = Object.keys(ACTIONS);

function world(rng: Rng): World {
  const net = new torch.nn.Linear(3, 2);
  const opt = rng.bool() ? new torch.optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 }) : new torch.optim.Adam(net.parameters(), { lr: 0.01 });
  return { rng, tensors: [torch.rand([2, 3], { requiresGrad: true }), torch.ones([3])], freed: new Set(), net, opt, log: [] };
}

function plan(seed: number, index: number): string[] {
  const rng = Rng.forCase(seed, "lifecycle", index);
  const n = rng.int(6, 14);
  return Array.from({ length: n }, () => rng.pick(NAMES));
}

export function run(seed: number, index: number): CaseReport {
  const names = plan(seed, index);
  const w = world(Rng.forCase(seed, "lifecycle-world", index));
  let worst: CaseReport = { outcome: "ok" };
  for (let k = 0; k < names.length; k++) {
    const [what0, expect, f] = ACTIONS[names[k]](w);
    const what = `action ${k + 1} of ${names.length}: ${what0}`;
    let r: CaseReport;
    try {
      f();
      r = expect === "throws" ? { outcome: "silent", detail: `no error from: ${what}` } : { outcome: "ok" };
    } catch (e) {
      r = classifyError(e, what);
    }
    if (r.outcome === "silent") r.what = what;
    if (rank(r.outcome) > rank(worst.outcome)) worst = r;
  }
  torch.dispose(w.tensors);
  w.net.dispose();
  return worst;
}

function rank(o: string): number {
  return ["ok", "error", "unclear", "silent"].indexOf(o);
}

export function describe(seed: number, index: number): string {
  return `lifecycle actions: ${plan(seed, index).join(", ")}`;
}
