// The addon's torch.autograd entry points (native/src/autograd.cc), typed.
import { native, type Handle } from "../core/native.js";
import { nativePart } from "../core/native-part.js";

/** A JS function libtorch's engine calls back (a Function's backward runner, a tensor hook). */
export type BackwardRunner = (grads: (Handle | null)[], saved: (Handle | null)[]) => (Handle | null)[];
export type HookRunner = (grad: Handle) => Handle | null;

export interface AutogradNative {
  autogradGrad(outputs: Handle[], inputs: Handle[], gradOutputs: (Handle | null)[] | null, retainGraph: boolean | undefined,
    createGraph: boolean, allowUnused: boolean): (Handle | null)[];
  autogradBackward(tensors: Handle[], grads: (Handle | null)[] | null, retainGraph: boolean | undefined, createGraph: boolean,
    inputs: Handle[] | null): void;
  autogradRegisterHook(h: Handle, fn: HookRunner): unknown;
  autogradRemoveHook(token: unknown): void;
  autogradRetainsGrad(h: Handle): boolean;
  autogradFunctionApply(runner: BackwardRunner, name: string, args: (Handle | null)[], outputs: Handle[], dirty: Handle[],
    nonDifferentiable: Handle[], toSave: (Handle | null)[], materializeGrads: boolean): (Handle | null)[];
  autogradSetDetectAnomaly(mode: boolean, checkNan?: boolean): boolean;
  autogradAnomalyState(): [boolean, boolean];
  autogradEnterDualLevel(): number;
  autogradExitDualLevel(level: number): void;
  autogradLiveCallbacks(): number;
  autogradNewHandle(h: Handle): Handle;
}

export const ag = native as unknown as AutogradNative;

/** native/src/autograd_post_hooks.cc (an addon built before it lacks these). */
export interface PostHookNative {
  /** fn(leaf) answers whether the user's hook returned a value (an error, raised after every hook ran). */
  autogradRegisterPostAccHook(h: Handle, fn: (leaf: Handle) => boolean): unknown;
  autogradRemovePostAccHook(token: unknown): void;
}
export const postHookNative = nativePart<PostHookNative>("autogradRegisterPostAccHook",
  "post-accumulate-grad hooks (native/src/autograd_post_hooks.cc)");

/** native/src/autograd_engine_switches.cc: thread-local switches; each setter returns the previous value. */
export interface EngineSwitchNative {
  autogradSetMultithreadingEnabled(mode: boolean): boolean;
  autogradIsMultithreadingEnabled(): boolean;
  autogradSetGradLayoutEnforcement(enable: boolean): boolean;
  autogradIsGradLayoutEnforcementEnabled(): boolean;
}
export const engineSwitchNative = nativePart<EngineSwitchNative>("autogradSetMultithreadingEnabled",
  "the autograd engine's switches (native/src/autograd_engine_switches.cc)");
