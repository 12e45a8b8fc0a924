// foreach on and off (#20): tstorch's multi-tensor (_foreach_*) and single-tensor forms of every
// optimiser that has both give PyTorch's trajectory for the same `foreach` value, bit for bit on
// the shared float64 problem (on the CPU both forms run the same kernels, so no tolerance is
// needed), over groups, first steps (new momentum buffers) and the options the forms treat apart.
import { test } from "node:test";
import * as torch from "../src/index.js";
import { compareTrajectories, OptCase } from "./optim-harness.js";

const { optim } = torch;
const FE = (foreach: boolean): string => (foreach ? "True" : "False");

const cases: OptCase[] = [];
for (const foreach of [true, false]) {
  const on = `foreach ${foreach}`;
  cases.push(
    { name: `SGD ${on}`, ts: (P) => new optim.SGD(P, 0.1, { foreach }), py: `torch.optim.SGD(P, 0.1, foreach=${FE(foreach)})` },
    {
      name: `SGD momentum, weight decay, maximize, ${on}`,
      ts: (P) => new optim.SGD(P, 0.02, { momentum: 0.8, dampening: 0.1, weightDecay: 0.01, maximize: true, foreach }),
      py: `torch.optim.SGD(P, 0.02, momentum=0.8, dampening=0.1, weight_decay=0.01, maximize=True, foreach=${FE(foreach)})`,
    },
    {
      name: `SGD nesterov, groups, ${on}`,
      ts: (P) => new optim.SGD([{ params: [P[0]] }, { params: [P[1], P[2]], lr: 0.01 }], 0.05, { momentum: 0.9, nesterov: true, foreach }),
      py: `torch.optim.SGD([{'params': [P[0]]}, {'params': [P[1], P[2]], 'lr': 0.01}], 0.05, momentum=0.9, nesterov=True, foreach=${FE(foreach)})`,
    },
    { name: `Adam ${on}`, ts: (P) => new optim.Adam(P, 0.01, { foreach }), py: `torch.optim.Adam(P, 0.01, foreach=${FE(foreach)})` },
    {
      name: `Adam amsgrad, weight decay, maximize, ${on}`,
      ts: (P) => new optim.Adam(P, 0.02, { betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.01, amsgrad: true, maximize: true, foreach }),
      py: `torch.optim.Adam(P, 0.02, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.01, amsgrad=True, maximize=True, foreach=${FE(foreach)})`,
    },
    {
      name: `AdamW amsgrad, groups, ${on}`,
      ts: (P) => new optim.AdamW([{ params: [P[0], P[1]] }, { params: [P[2]], weightDecay: 0.1 }], { lr: 0.005, amsgrad: true, foreach }),
      py: `torch.optim.AdamW([{'params': [P[0], P[1]]}, {'params': [P[2]], 'weight_decay': 0.1}], lr=0.005, amsgrad=True, foreach=${FE(foreach)})`,
    },
  );
}

test("SGD, Adam, AdamW with foreach on and off: 100-step float64 trajectories equal PyTorch's with the same foreach", () => {
  compareTrajectories(cases);
});

test("foreach on and off give the same parameters after steps where parameters join at different steps", () => {
  torch.scope(() => {
    const run = (foreach: boolean): number[][] => {
      torch.manualSeed(3);
      const P = [torch.randn([4, 3], { dtype: "float64" }).requiresGrad_(true), torch.randn([5], { dtype: "float64" }).requiresGrad_(true)];
      const opt = new optim.Adam([P[0]], 0.05, { foreach });
      for (let i = 0; i < 4; i++) {
        if (i === 2) opt.addParamGroup({ params: [P[1]] }); // a second step count: two batches
        opt.zeroGrad();
        P[0].pow(2).sum().add(P[1].sin().sum()).backward();
        opt.step();
      }
      const out = P.map((p) => p.detach().flatten().toArray() as number[]);
      opt.dispose();
      return out;
    };
    const a = run(true);
    const b = run(false);
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`foreach ${JSON.stringify(a)} != single ${JSON.stringify(b)}`);
  });
});
