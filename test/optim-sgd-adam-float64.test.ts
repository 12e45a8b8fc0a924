// SGD, Adam and AdamW on the shared float64 problem against torch.optim of the linked version: 100
// steps bit-equal (per-parameter and multi-tensor (foreach) forms), with PyTorch's positional lr.
import { test } from "node:test";
import * as torch from "../src/index.js";
import { compareTrajectories, OptCase } from "./helpers/optim-harness.js";

const { optim } = torch;

const CASES: OptCase[] = [
  { name: "SGD", ts: (P) => new optim.SGD(P, 0.1), py: "torch.optim.SGD(P, 0.1)" },
  {
    name: "SGD momentum, dampening, weight decay, maximize",
    ts: (P) => new optim.SGD(P, 0.02, { momentum: 0.8, dampening: 0.1, weightDecay: 0.01, maximize: true }),
    py: "torch.optim.SGD(P, 0.02, momentum=0.8, dampening=0.1, weight_decay=0.01, maximize=True)",
  },
  { name: "SGD nesterov, groups", ts: (P) => new optim.SGD([{ params: [P[0]] }, { params: [P[1], P[2]], lr: 0.01 }], 0.05, { momentum: 0.9, nesterov: true }), py: "torch.optim.SGD([{'params': [P[0]]}, {'params': [P[1], P[2]], 'lr': 0.01}], 0.05, momentum=0.9, nesterov=True)" },
  { name: "Adam", ts: (P) => new optim.Adam(P, 0.01), py: "torch.optim.Adam(P, 0.01)" },
  { name: "Adam per-parameter", ts: (P) => new optim.Adam(P, 0.01, { foreach: false }), py: "torch.optim.Adam(P, 0.01)" },
  {
    name: "Adam amsgrad, weight decay, maximize",
    ts: (P) => new optim.Adam(P, 0.02, { betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.01, amsgrad: true, maximize: true }),
    py: "torch.optim.Adam(P, 0.02, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.01, amsgrad=True, maximize=True)",
  },
  { name: "AdamW", ts: (P) => new optim.AdamW(P, 0.01), py: "torch.optim.AdamW(P, 0.01)" },
  { name: "AdamW amsgrad, groups", ts: (P) => new optim.AdamW([{ params: [P[0], P[1]] }, { params: [P[2]], weightDecay: 0.1 }], { lr: 0.005, amsgrad: true }), py: "torch.optim.AdamW([{'params': [P[0], P[1]]}, {'params': [P[2]], 'weight_decay': 0.1}], lr=0.005, amsgrad=True)" },
];

test("SGD, Adam, AdamW: 100-step float64 trajectories equal PyTorch's bit for bit", () => {
  compareTrajectories(CASES);
});
