// Every optimiser's stateDict / loadStateDict: 50 + 50 steps through a checkpoint (its meta through
// JSON) equal 100 straight, bit for bit; the state names are PyTorch's (the trajectory tests compare
// them with PyTorch's state_dict()); steps leak no tensors and the state survives torch.scope.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { freshParams, lossOf } from "./helpers/optim-harness.js";

const { optim } = torch;

const MAKERS: Record<string, (P: torch.Tensor[]) => torch.optim.Optimizer> = {
  Adadelta: (P) => new optim.Adadelta(P, 0.5, { weightDecay: 0.01 }),
  Adagrad: (P) => new optim.Adagrad(P, 0.05, { lrDecay: 0.01 }),
  Adamax: (P) => new optim.Adamax(P),
  RMSprop: (P) => new optim.RMSprop(P, 0.005, { momentum: 0.8, centered: true }),
  Rprop: (P) => new optim.Rprop(P),
  ASGD: (P) => new optim.ASGD(P, 0.05, { t0: 20 }),
  NAdam: (P) => new optim.NAdam(P),
  RAdam: (P) => new optim.RAdam(P, 0.01),
  Adafactor: (P) => new optim.Adafactor(P),
  Muon: (P) => new optim.Muon([P[0]], 0.02),
  SGD: (P) => new optim.SGD(P, 0.05, { momentum: 0.9 }),
  Adam: (P) => new optim.Adam(P, 0.01, { amsgrad: true }),
};

function steps(P: torch.Tensor[], opt: torch.optim.Optimizer, n: number): void {
  for (let s = 0; s < n; s++) {
    torch.scope(() => {
      opt.zeroGrad();
      lossOf(P).backward();
      opt.step();
    });
  }
}
const values = (P: torch.Tensor[]): number[][] => P.map((p) => Array.from(p.detach().flatten().toTypedArray() as Float64Array));

test("stateDict / loadStateDict: 50 + 50 steps through a checkpoint equal 100 straight, for every optimiser", () => {
  for (const [name, make] of Object.entries(MAKERS)) {
    const P1 = freshParams();
    const o1 = make(P1);
    steps(P1, o1, 100);

    const P2 = freshParams();
    const o2 = make(P2);
    steps(P2, o2, 50);
    const P3 = freshParams();
    P3.forEach((p, i) => torch.noGrad(() => p.copy_(P2[i])));
    const o3 = make(P3);
    torch.scope(() => {
      const sd = o2.stateDict();
      o3.loadStateDict({ state: sd.state, meta: JSON.parse(JSON.stringify(sd.meta)) });
    });
    o2.dispose(); // the loaded state is a copy
    steps(P3, o3, 50);
    assert.deepEqual(values(P3), values(P1), `${name}: resumed run`);
    assert.notDeepEqual(values(P1), values(freshParams()), `${name}: the parameters moved`);
    for (const p of [...P1, ...P2, ...P3]) p.dispose();
    o1.dispose();
    o3.dispose();
  }
});

test("optimiser steps leak no tensors and their state survives torch.scope", () => {
  const proto = torch.Tensor.prototype;
  const dispose = proto.dispose;
  let counting = false;
  let leaked = 0;
  proto.dispose = function (this: torch.Tensor) {
    if (counting && !this.isDisposed) leaked++;
    dispose.call(this);
  };
  try {
    for (const [name, make] of Object.entries(MAKERS)) {
      const P = freshParams();
      const opt = make(P);
      for (let s = 0; s < 3; s++) {
        torch.scope(() => {
          opt.zeroGrad();
          lossOf(P).backward();
        });
        leaked = 0;
        // whatever step() leaves alive, this scope frees: that count must be 0
        torch.scope(() => {
          opt.step();
          counting = true;
        });
        counting = false;
        assert.equal(leaked, 0, `${name}: step ${s} left ${leaked} tensors alive`);
      }
      for (const st of opt.state.values()) for (const v of Object.values(st)) if (v instanceof torch.Tensor) assert.ok(!v.isDisposed, `${name}: state survived`);
      opt.dispose();
      for (const p of P) p.dispose();
    }
  } finally {
    proto.dispose = dispose;
  }
});
