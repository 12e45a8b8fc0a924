// NAdam, RAdam and ASGD against torch.optim of the linked version: 100 steps of a float64 problem
// from the same weights; losses, parameters and state (mu_product, eta, mu included) bit-equal.
// maximize and decoupled weight decay of NAdam/RAdam exist from PyTorch 2 on: those cases run there only.
import { test } from "node:test";
import * as torch from "../src/index.js";
import { compareTrajectories, OptCase } from "./helpers/optim-harness.js";

const { optim } = torch;

const CASES: OptCase[] = [
  { name: "NAdam", ts: (P) => new optim.NAdam(P), py: "torch.optim.NAdam(P)" },
  {
    name: "NAdam betas, eps, weight decay, momentum decay",
    ts: (P) => new optim.NAdam(P, 0.01, { betas: [0.85, 0.99], eps: 1e-6, weightDecay: 0.02, momentumDecay: 0.01 }),
    py: "torch.optim.NAdam(P, lr=0.01, betas=(0.85, 0.99), eps=1e-6, weight_decay=0.02, momentum_decay=0.01)",
  },
  {
    name: "NAdam decoupled, maximize, groups",
    ts: (P) => new optim.NAdam([{ params: [P[0]] }, { params: [P[1], P[2]], lr: 0.001 }], { lr: 0.005, weightDecay: 0.1, decoupledWeightDecay: true, maximize: true }),
    py: "torch.optim.NAdam([{'params': [P[0]]}, {'params': [P[1], P[2]], 'lr': 0.001}], lr=0.005, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)",
    minMajor: 2,
  },
  { name: "RAdam", ts: (P) => new optim.RAdam(P, 0.01), py: "torch.optim.RAdam(P, lr=0.01)" },
  {
    name: "RAdam betas, eps, weight decay",
    ts: (P) => new optim.RAdam(P, { lr: 0.02, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.03 }),
    py: "torch.optim.RAdam(P, lr=0.02, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.03)",
  },
  {
    name: "RAdam decoupled, maximize, groups",
    ts: (P) => new optim.RAdam([{ params: [P[0], P[1]] }, { params: [P[2]], betas: [0.9, 0.95] }], { lr: 0.01, weightDecay: 0.1, decoupledWeightDecay: true, maximize: true }),
    py: "torch.optim.RAdam([{'params': [P[0], P[1]]}, {'params': [P[2]], 'betas': (0.9, 0.95)}], lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)",
    minMajor: 2,
  },
  { name: "ASGD", ts: (P) => new optim.ASGD(P), py: "torch.optim.ASGD(P)" },
  {
    name: "ASGD averaging from step 20, weight decay",
    ts: (P) => new optim.ASGD(P, 0.05, { lambd: 1e-3, alpha: 0.6, t0: 20, weightDecay: 0.01 }),
    py: "torch.optim.ASGD(P, lr=0.05, lambd=1e-3, alpha=0.6, t0=20, weight_decay=0.01)",
  },
  {
    name: "ASGD maximize, groups",
    ts: (P) => new optim.ASGD([{ params: [P[0]], t0: 10 }, { params: [P[1], P[2]] }], { lr: 0.02, maximize: true }),
    py: "torch.optim.ASGD([{'params': [P[0]], 't0': 10}, {'params': [P[1], P[2]]}], lr=0.02, maximize=True)",
  },
];

test("NAdam, RAdam, ASGD: 100-step float64 trajectories equal PyTorch's bit for bit", () => {
  compareTrajectories(CASES);
});
