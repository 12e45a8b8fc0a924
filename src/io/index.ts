// Files: images (PNG) and checkpoints (safetensors).
export { saveImage, saveImageGrid, imageBytes, type GridSaveOptions } from "./image.js";
export { saveTensors, loadTensors, encodeTensors, decodeTensors, saveModule, loadModule, type TensorMap, type HasStateDict } from "./checkpoint.js";
export { encodePng, decodePng } from "./png.js";
export { SafetensorsFile, ShardedSafetensors, openSafetensors, type LazyTensorInfo, type LazyGetOptions } from "./safetensors-lazy.js";
