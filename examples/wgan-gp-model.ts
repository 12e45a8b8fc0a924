// WGAN-GP's pieces (Gulrajani et al., 2017) for 32×32 RGB images: a small DCGAN-style generator and
// critic, and the gradient penalty, λ·E[(‖∇ₓ̂ D(x̂)‖₂ − 1)²] at random points x̂ between real and fake
// images, differentiated again through torch.autograd.grad's createGraph. Shared by
// examples/wgan-gp.ts and test/example-wgan-gp.test.ts.
import * as torch from "../src/index.js";

const { nn } = torch;

/** z [B, nz] → images [B, 3, 32, 32] in [-1, 1]: a linear layer to 4×4, then three stride-2 transposed convolutions. */
export function generator(nz = 64, width = 64): torch.nn.Module {
  return new nn.Sequential(
    new nn.Linear(nz, 2 * width * 4 * 4),
    new nn.Unflatten(1, [2 * width, 4, 4]),
    new nn.BatchNorm2d(2 * width),
    new nn.ReLU(),
    new nn.ConvTranspose2d(2 * width, width, 4, { stride: 2, padding: 1 }), // 8×8
    new nn.BatchNorm2d(width),
    new nn.ReLU(),
    new nn.ConvTranspose2d(width, width / 2, 4, { stride: 2, padding: 1 }), // 16×16
    new nn.BatchNorm2d(width / 2),
    new nn.ReLU(),
    new nn.ConvTranspose2d(width / 2, 3, 4, { stride: 2, padding: 1 }), // 32×32
    new nn.Tanh(),
  );
}

/** images → one score each. No batch norm: the penalty is per sample, and batch norm would couple the samples. */
export function critic(width = 64): torch.nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(3, width / 2, 4, { stride: 2, padding: 1 }), // 16×16
    new nn.LeakyReLU(0.2),
    new nn.Conv2d(width / 2, width, 4, { stride: 2, padding: 1 }), // 8×8
    new nn.LeakyReLU(0.2),
    new nn.Conv2d(width, 2 * width, 4, { stride: 2, padding: 1 }), // 4×4
    new nn.LeakyReLU(0.2),
    new nn.Flatten(),
    new nn.Linear(2 * width * 4 * 4, 1),
  );
}

/**
 * λ·mean((‖∇D(x̂)‖₂ − 1)²) with x̂ = ε·real + (1 − ε)·fake, ε ~ U[0, 1) per sample (drawn from the
 * default generator, as PyTorch's reference code draws torch.rand). Differentiable in the critic's
 * parameters (createGraph), so that the critic's loss can include it.
 */
export function gradientPenalty(D: torch.nn.Module, real: torch.Tensor, fake: torch.Tensor, lambda = 10): torch.Tensor {
  const b = real.shape[0];
  const eps = torch.rand([b, 1, 1, 1], { dtype: real.dtype });
  const xhat = eps.mul(real).add(eps.neg().add(1).mul(fake.detach())).requiresGrad_();
  const score = D.forward(xhat);
  const [g] = torch.autograd.grad([score.sum()], [xhat], { createGraph: true });
  return g.reshape([b, -1]).norm(2, 1).sub(1).pow(2).mean().mul(lambda);
}
