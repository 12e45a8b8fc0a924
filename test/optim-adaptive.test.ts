// Adadelta, Adagrad, Adamax and RMSprop against torch.optim of the linked version: 100 steps of a
// float64 problem from the same weights, with every option; losses, parameters and state bit-equal.
import { test } from "node:test";
import * as torch from "../src/index.js";
import { compareTrajectories, OptCase } from "./optim-harness.js";

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
];

test("Adadelta: 100-step float64 trajectories equal PyTorch's bit for bit", () => {
  compareTrajectories(CASES);
});
