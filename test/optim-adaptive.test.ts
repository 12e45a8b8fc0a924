// Adadelta, Adagrad, Adamax, RMSprop and Rprop against torch.optim of the linked version: 100 steps
// of a float64 problem from the same weights, with their options and parameter groups; losses,
// parameters and state bit-equal (every case's tolerance is 0).
import { test } from "node:test";
import * as torch from "../src/index.js";
import { compareTrajectories, OptCase } from "./helpers/optim-harness.js";

const { optim } = torch;

const CASES: OptCase[] = [
  { name: "Adadelta", ts: (P) => new optim.Adadelta(P), py: "torch.optim.Adadelta(P)" },
  {
    name: "Adadelta lr, rho, eps, weight decay",
    ts: (P) => new optim.Adadelta(P, 0.5, { rho: 0.8, eps: 1e-5, weightDecay: 0.01 }),
    py: "torch.optim.Adadelta(P, lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.01)",
  },
  {
    name: "Adadelta maximize, groups",
    ts: (P) => new optim.Adadelta([{ params: [P[0]] }, { params: [P[1], P[2]], rho: 0.95 }], { lr: 0.3, maximize: true }),
    py: "torch.optim.Adadelta([{'params': [P[0]]}, {'params': [P[1], P[2]], 'rho': 0.95}], lr=0.3, maximize=True)",
  },
  { name: "Adagrad", ts: (P) => new optim.Adagrad(P), py: "torch.optim.Adagrad(P)" },
  {
    name: "Adagrad lr decay, weight decay, accumulator, eps",
    ts: (P) => new optim.Adagrad(P, 0.05, { lrDecay: 0.01, weightDecay: 0.02, initialAccumulatorValue: 0.1, eps: 1e-8 }),
    py: "torch.optim.Adagrad(P, lr=0.05, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.1, eps=1e-8)",
  },
  {
    name: "Adagrad maximize, groups",
    ts: (P) => new optim.Adagrad([{ params: [P[0], P[2]], lr: 0.02 }, { params: [P[1]] }], { lr: 0.1, maximize: true }),
    py: "torch.optim.Adagrad([{'params': [P[0], P[2]], 'lr': 0.02}, {'params': [P[1]]}], lr=0.1, maximize=True)",
  },
  { name: "Adamax", ts: (P) => new optim.Adamax(P), py: "torch.optim.Adamax(P)" },
  {
    name: "Adamax betas, eps, weight decay",
    ts: (P) => new optim.Adamax(P, 0.01, { betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.05 }),
    py: "torch.optim.Adamax(P, lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.05)",
  },
  {
    name: "Adamax maximize, groups",
    ts: (P) => new optim.Adamax([{ params: [P[0]] }, { params: [P[1], P[2]], betas: [0.5, 0.9] }], { lr: 0.004, maximize: true }),
    py: "torch.optim.Adamax([{'params': [P[0]]}, {'params': [P[1], P[2]], 'betas': (0.5, 0.9)}], lr=0.004, maximize=True)",
  },
  { name: "RMSprop", ts: (P) => new optim.RMSprop(P), py: "torch.optim.RMSprop(P)" },
  {
    name: "RMSprop centered, momentum, weight decay",
    ts: (P) => new optim.RMSprop(P, 0.005, { alpha: 0.9, eps: 1e-6, weightDecay: 0.01, momentum: 0.8, centered: true }),
    py: "torch.optim.RMSprop(P, lr=0.005, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.8, centered=True)",
  },
  {
    name: "RMSprop maximize, groups",
    ts: (P) => new optim.RMSprop([{ params: [P[0]], centered: true }, { params: [P[1], P[2]], momentum: 0.5 }], { lr: 0.002, maximize: true }),
    py: "torch.optim.RMSprop([{'params': [P[0]], 'centered': True}, {'params': [P[1], P[2]], 'momentum': 0.5}], lr=0.002, maximize=True)",
  },
  { name: "Rprop", ts: (P) => new optim.Rprop(P), py: "torch.optim.Rprop(P)" },
  {
    name: "Rprop etas, step sizes",
    ts: (P) => new optim.Rprop(P, 0.05, { etas: [0.3, 1.5], stepSizes: [1e-3, 0.2] }),
    py: "torch.optim.Rprop(P, lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))",
  },
  {
    name: "Rprop maximize, groups",
    ts: (P) => new optim.Rprop([{ params: [P[0]] }, { params: [P[1], P[2]], lr: 0.001 }], { maximize: true }),
    py: "torch.optim.Rprop([{'params': [P[0]]}, {'params': [P[1], P[2]], 'lr': 0.001}], maximize=True)",
  },
];

test("Adadelta, Adagrad, Adamax, RMSprop, Rprop: 100-step float64 trajectories equal PyTorch's bit for bit", () => {
  compareTrajectories(CASES);
});
