// The default CPU generator's state and seeds (torch.get_rng_state, set_rng_state, initial_seed,
// seed): libtorch's generator itself, so a state saved by PyTorch reproduces PyTorch's numbers here.
import { stateNative } from "./state-native.js";
import { Tensor, wrap } from "./tensor.js";

/** The generator's state as a uint8 tensor (5056 bytes: the Mersenne Twister's state and the normal cache). */
export function getRngState(): Tensor {
  return wrap(stateNative.getRngState());
}
/** Restores a state from getRngState (or from PyTorch's torch.get_rng_state()). */
export function setRngState(state: Tensor): void {
  if (!(state instanceof Tensor)) throw new Error("tstorch: setRngState expects a uint8 Tensor (what getRngState returns)");
  stateNative.setRngState(state._h);
}
/** The seed the generator was last seeded with (a bigint beyond 2^53). */
export function initialSeed(): number | bigint {
  return stateNative.initialSeed();
}
/** Seeds every default generator with a non-deterministic random seed and returns it. */
export function seed(): number | bigint {
  return stateNative.seed();
}
