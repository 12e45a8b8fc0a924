// README's "Porting a PyTorch program", runnable: PyTorch's positional constructors, a lazy layer,
// torch.save / torch.load of a torchvision model's state dict, a gradient penalty through
// autograd.grad({ createGraph }), and a custom autograd.Function.
//   npm run example:porting
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";

const { nn, optim, autograd } = torch;
torch.manualSeed(0);

// PyTorch's constructors, positionally (the options-object form works too)
const net = new nn.Sequential(new nn.Conv2d(1, 32, 3, 1), new nn.ReLU(true), new nn.Flatten(), new nn.LazyLinear(10));
net.call(torch.zeros([1, 1, 28, 28])); // the lazy layer learns its input size at the first call
const opt = new optim.SGD(net.parameters(), 0.1, 0.9);
const sched = new optim.StepLR(opt, 1, 0.7);
console.log(`net: ${net.parameters().length} parameters tensors; lr ${sched.getLastLr()[0]}`);

// weights people already have: a state dict written by torch.save (here by tstorch itself)
const dir = mkdtempSync(join(tmpdir(), "tstorch-porting-"));
try {
  const file = join(dir, "resnet18.pth");
  torch.save(torch.vision.models.resnet18().stateDict(), file); // PyTorch reads it with weights_only=True
  const resnet = torch.vision.models.resnet18({ weights: file });
  resnet.eval();
  const logits = torch.noGrad(() => resnet.call(torch.randn([1, 3, 64, 64])));
  console.log(`resnet18 from ${file}: logits ${logits.shape.join("x")}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// autograd: gradients of gradients (a gradient penalty), custom Functions
const x = torch.randn([8, 3], { requiresGrad: true });
const y = x.pow(3).sum();
const [g] = autograd.grad([y], [x], { createGraph: true });
const penalty = g.norm().sub(1).pow(2); // differentiable: penalty.backward() reaches x
penalty.backward();
console.log(`gradient penalty ${penalty.item().toFixed(4)}; its gradient reached x: ${x.grad !== null}`);

class StraightThrough extends autograd.Function {
  static override forward(ctx: torch.autograd.FunctionCtx, x: torch.Tensor): torch.Tensor {
    return x.sign();
  }
  static override backward(ctx: torch.autograd.FunctionCtx, g: torch.Tensor): torch.Tensor {
    return g.clamp(-1, 1);
  }
}
const z = torch.randn([4], { requiresGrad: true });
const s = StraightThrough.apply(z) as torch.Tensor;
s.mul(torch.tensor([1, 2, 3, 4])).sum().backward();
console.log(`straight-through gradient: ${(z.grad as torch.Tensor).toArray()}`);
