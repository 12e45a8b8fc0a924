// libtorch's warn-always switch (torch.set_warn_always): TORCH_WARN_ONCE warnings repeat every time.
import { stateNative } from "./state-native.js";

export function setWarnAlways(mode: boolean): void {
  stateNative.setWarnAlways(mode);
}
export function isWarnAlwaysEnabled(): boolean {
  return stateNative.isWarnAlwaysEnabled();
}
