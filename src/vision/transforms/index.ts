// torchvision.transforms (v2's common set) and their functional forms (transforms.functional).
export {
  Compose, Resize, CenterCrop, RandomResizedCrop, RandomHorizontalFlip, ColorJitter, Normalize, ToDtype,
  type TransformFn, type RandomResizedCropOptions, type ColorJitterOptions, type ToDtypeOptions,
} from "./transforms.js";
export * as functional from "./functional.js";
