// foreach on and off (#20): tstorch's multi-tensor (_foreach_*) and single-tensor forms of every
// optimiser that has both give PyTorch's trajectory for the same `foreach` value, bit for bit on
// the shared float64 problem (on the CPU both forms run the same kernels, so no tolerance is
// needed), over groups, first steps (new momentum buffers) and the options the forms treat apart.
import { test } from "node:test";
import * as torch from "../src/index.js";
import { compareTrajectories, OptCase } from "./helpers/optim-harness.js";

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

/**
 * The other optimisers with foreach (#23): each with options that take its multi-tensor form's
 * other branches (weight decay, maximize, momentum, centered, groups). minVersion: options PyTorch
 * 1.13 does not have (NAdam's and RAdam's maximize and decoupled_weight_decay).
 */
const more: OptCase[] = [];
for (const foreach of [true, false]) {
  const on = `foreach ${foreach}`;
  const fe = FE(foreach);
  more.push(
    { name: `Adagrad ${on}`, ts: (P) => new optim.Adagrad(P, 0.1, { lrDecay: 0.01, foreach }), py: `torch.optim.Adagrad(P, 0.1, lr_decay=0.01, foreach=${fe})` },
    {
      name: `Adagrad weight decay, maximize, groups, ${on}`,
      ts: (P) => new optim.Adagrad([{ params: [P[0]] }, { params: [P[1], P[2]], lr: 0.03 }], 0.05, { weightDecay: 0.01, initialAccumulatorValue: 0.1, maximize: true, foreach }),
      py: `torch.optim.Adagrad([{'params': [P[0]]}, {'params': [P[1], P[2]], 'lr': 0.03}], 0.05, weight_decay=0.01, initial_accumulator_value=0.1, maximize=True, foreach=${fe})`,
    },
    { name: `Adadelta ${on}`, ts: (P) => new optim.Adadelta(P, 0.5, { foreach }), py: `torch.optim.Adadelta(P, 0.5, foreach=${fe})` },
    {
      name: `Adadelta rho, weight decay, maximize, ${on}`,
      ts: (P) => new optim.Adadelta(P, 0.8, { rho: 0.8, weightDecay: 0.02, maximize: true, foreach }),
      py: `torch.optim.Adadelta(P, 0.8, rho=0.8, weight_decay=0.02, maximize=True, foreach=${fe})`,
    },
    { name: `Adamax ${on}`, ts: (P) => new optim.Adamax(P, 0.01, { foreach }), py: `torch.optim.Adamax(P, 0.01, foreach=${fe})` },
    {
      name: `Adamax weight decay, maximize, groups, ${on}`,
      ts: (P) => new optim.Adamax([{ params: [P[0], P[2]] }, { params: [P[1]], betas: [0.8, 0.9] }], 0.02, { weightDecay: 0.01, maximize: true, foreach }),
      py: `torch.optim.Adamax([{'params': [P[0], P[2]]}, {'params': [P[1]], 'betas': (0.8, 0.9)}], 0.02, weight_decay=0.01, maximize=True, foreach=${fe})`,
    },
    { name: `ASGD ${on}`, ts: (P) => new optim.ASGD(P, 0.05, { t0: 20, foreach }), py: `torch.optim.ASGD(P, 0.05, t0=20, foreach=${fe})` },
    {
      name: `ASGD weight decay, maximize, ${on}`,
      ts: (P) => new optim.ASGD(P, 0.03, { lambd: 0.01, alpha: 0.6, t0: 10, weightDecay: 0.01, maximize: true, foreach }),
      py: `torch.optim.ASGD(P, 0.03, lambd=0.01, alpha=0.6, t0=10, weight_decay=0.01, maximize=True, foreach=${fe})`,
    },
    { name: `NAdam ${on}`, ts: (P) => new optim.NAdam(P, 0.01, { foreach }), py: `torch.optim.NAdam(P, 0.01, foreach=${fe})` },
    {
      name: `NAdam weight decay, momentum decay, groups, ${on}`,
      ts: (P) => new optim.NAdam([{ params: [P[0]] }, { params: [P[1], P[2]], lr: 0.005 }], 0.02, { weightDecay: 0.01, momentumDecay: 0.01, foreach }),
      py: `torch.optim.NAdam([{'params': [P[0]]}, {'params': [P[1], P[2]], 'lr': 0.005}], 0.02, weight_decay=0.01, momentum_decay=0.01, foreach=${fe})`,
    },
    {
      name: `NAdam decoupled weight decay, maximize, ${on}`,
      ts: (P) => new optim.NAdam(P, 0.01, { weightDecay: 0.05, decoupledWeightDecay: true, maximize: true, foreach }),
      py: `torch.optim.NAdam(P, 0.01, weight_decay=0.05, decoupled_weight_decay=True, maximize=True, foreach=${fe})`,
      minMajor: 2,
    },
    { name: `RAdam ${on}`, ts: (P) => new optim.RAdam(P, 0.01, { foreach }), py: `torch.optim.RAdam(P, 0.01, foreach=${fe})` },
    {
      name: `RAdam weight decay, groups, ${on}`,
      ts: (P) => new optim.RAdam([{ params: [P[0], P[1]] }, { params: [P[2]], betas: [0.8, 0.99] }], 0.02, { weightDecay: 0.01, foreach }),
      py: `torch.optim.RAdam([{'params': [P[0], P[1]]}, {'params': [P[2]], 'betas': (0.8, 0.99)}], 0.02, weight_decay=0.01, foreach=${fe})`,
    },
    {
      name: `RAdam decoupled weight decay, maximize, ${on}`,
      ts: (P) => new optim.RAdam(P, 0.01, { weightDecay: 0.05, decoupledWeightDecay: true, maximize: true, foreach }),
      py: `torch.optim.RAdam(P, 0.01, weight_decay=0.05, decoupled_weight_decay=True, maximize=True, foreach=${fe})`,
      minMajor: 2,
    },
    { name: `RMSprop ${on}`, ts: (P) => new optim.RMSprop(P, 0.01, { foreach }), py: `torch.optim.RMSprop(P, 0.01, foreach=${fe})` },
    {
      name: `RMSprop centered, momentum, weight decay, maximize, ${on}`,
      ts: (P) => new optim.RMSprop(P, 0.005, { alpha: 0.9, momentum: 0.8, centered: true, weightDecay: 0.01, maximize: true, foreach }),
      py: `torch.optim.RMSprop(P, 0.005, alpha=0.9, momentum=0.8, centered=True, weight_decay=0.01, maximize=True, foreach=${fe})`,
    },
    { name: `Rprop ${on}`, ts: (P) => new optim.Rprop(P, 0.01, { foreach }), py: `torch.optim.Rprop(P, 0.01, foreach=${fe})` },
    {
      name: `Rprop etas, step sizes, maximize, groups, ${on}`,
      ts: (P) => new optim.Rprop([{ params: [P[0]] }, { params: [P[1], P[2]], lr: 0.02 }], 0.005, { etas: [0.4, 1.3], stepSizes: [1e-5, 0.1], maximize: true, foreach }),
      py: `torch.optim.Rprop([{'params': [P[0]]}, {'params': [P[1], P[2]], 'lr': 0.02}], 0.005, etas=(0.4, 1.3), step_sizes=(1e-5, 0.1), maximize=True, foreach=${fe})`,
    },
  );
}

test("Adagrad, Adadelta, Adamax, ASGD, NAdam, RAdam, RMSprop, Rprop with foreach on and off: 100-step float64 trajectories equal PyTorch's with the same foreach", () => {
  compareTrajectories(more);
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
