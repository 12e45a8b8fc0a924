// Anomaly detection (torch.autograd.detect_anomaly / set_detect_anomaly): libtorch's AnomalyMode, a
// process-wide switch that makes backward check for NaN and name the forward op of a failing node.
import { ag } from "./native.js";

/** Runs `fn` with anomaly detection on (PyTorch's `with torch.autograd.detect_anomaly():`). */
export function detectAnomaly<T>(fn: () => T, checkNan = true): T {
  const [prevMode, prevNan] = ag.autogradAnomalyState();
  ag.autogradSetDetectAnomaly(true, checkNan);
  try {
    return fn();
  } finally {
    ag.autogradSetDetectAnomaly(prevMode, prevNan);
  }
}
/** `using _ = torch.autograd.detectAnomalyGuard()`: anomaly detection on until the end of the block. */
export function detectAnomalyGuard(checkNan = true): Disposable {
  const [prevMode, prevNan] = ag.autogradAnomalyState();
  ag.autogradSetDetectAnomaly(true, checkNan);
  return { [Symbol.dispose]: () => void ag.autogradSetDetectAnomaly(prevMode, prevNan) };
}
/** Turns anomaly detection on or off (PyTorch's set_detect_anomaly). */
export function setDetectAnomaly(mode: boolean, checkNan = true): void {
  ag.autogradSetDetectAnomaly(mode, checkNan);
}
export function isAnomalyEnabled(): boolean {
  return ag.autogradAnomalyState()[0];
}
export function isAnomalyCheckNanEnabled(): boolean {
  return ag.autogradAnomalyState()[1];
}
